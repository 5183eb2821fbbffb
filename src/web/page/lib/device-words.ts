// A device's setup, last reading and times in words, without the DOM: the transport in one line, the
// last reading with the device's flags, and the page's one way to write a time of day.

import type { DeviceView, SlimObservation, SlimReading } from '../../api-types.ts';
import { flagSummary, formatValue, unitLabel } from './reading-format.ts';

type Transport = DeviceView['transport'];

/** The Patient line of a device whose results go under each order's patient (binding mode `order`). */
export const ORDER_PATIENT_WORDS = 'from each order (specimen ID)';
export const IGNORED_BINDING_WORDS = 'an earlier binding is ignored';

/** The host a TCP device listens on or dials when its config names none: the gateway's default in src/transports/tcp.ts (kept here because the page cannot import node code). */
const TCP_DEFAULT_HOST = '127.0.0.1';

/**
 * More than one live connection from one device (an analyzer that reconnected while its old socket
 * is half-open; downloads go only to the newest): said, since staff can end the stale one. Nothing for one.
 */
export function connectionsWords(link: Pick<DeviceView['link'], 'connections'>): string | undefined {
  return link.connections > 1 ? `${link.connections} connections` : undefined;
}

export function transportSummary(t: Transport): string {
  switch (t.type) {
    case 'serial': {
      const parity = { none: 'N', even: 'E', odd: 'O' }[t.parity ?? 'none'];
      const frame = t.baudRate ? ` ${t.baudRate} ${t.dataBits ?? 8}${parity}${t.stopBits ?? 1}` : '';
      return `Serial ${t.path}${frame}${t.rtscts ? ' RTS/CTS' : ''}`;
    }
    case 'tcp':
      // What it is set up to do, not what it does now (the link line says that).
      return t.mode === 'listen' ? `TCP, listening on ${t.host ?? TCP_DEFAULT_HOST}:${t.port}` : `TCP, to ${t.host ?? TCP_DEFAULT_HOST}:${t.port}`;
    case 'mqtt':
      return `MQTT topic ${t.topic}`;
    case 'file':
      return `Files in ${t.path}${t.suffix ? ` (*${t.suffix})` : ''}`;
  }
}

/**
 * The page's one way to write a time: "14:05" (or "2:05 PM", as the browser's locale writes it)
 * today, "27 Nov 14:05" another day this year, with the year otherwise. Seconds only where they
 * matter (`seconds`: a retry due in a few seconds).
 */
export function timeText(iso: string | undefined, now = new Date(), opts: { seconds?: boolean } = {}): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit', ...(opts.seconds ? { second: '2-digit' } : {}) });
  if (d.toDateString() === now.toDateString()) return time;
  const sameYear = d.getFullYear() === now.getFullYear();
  return `${d.toLocaleDateString([], { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) })} ${time}`;
}

export function observationName(o: SlimObservation): string {
  const long = o.code.display ?? o.code.local?.display;
  // Lab LOINC names run to 50 characters; the analyzer's own code (GLU) reads better in a summary.
  if (o.code.local?.code && (!long || long.length > 28)) return o.code.local.code;
  return long ?? o.type ?? o.code.loinc ?? o.code.mdc?.ref ?? 'value';
}

export function observationValue(o: SlimObservation): string {
  const text = formatValue(o);
  const unit = typeof o.value === 'number' || typeof o.value === 'string' ? unitLabel(o.unit) : '';
  const value = unit ? `${text} ${unit}` : text;
  // A flagged value must not read as normal: "Glucose 400 mg/dL HH (critically high)".
  const flag = flagSummary(o.flags);
  return flag?.abnormal ? `${value} ${flag.text} (${flag.meaning})` : value;
}

/** "Weight 70.5 kg, BMI 23.1 kg/m2 (+3 more)". */
export function readingSummary(r: SlimReading, max = 3): string {
  const obs = r.reading.observations;
  const shown = obs.slice(0, max).map((o) => `${observationName(o)} ${observationValue(o)}`);
  const more = obs.length > max ? ` (+${obs.length - max} more)` : '';
  return obs.length === 0 ? 'no values' : `${shown.join(', ')}${more}`;
}
