// A device's setup and times in words, without the DOM: the transport in one line, and the page's
// one way to write a time of day.

import type { DeviceView } from '../../api-types.ts';

type Transport = DeviceView['transport'];

export function transportSummary(t: Transport): string {
  switch (t.type) {
    case 'serial': {
      const parity = { none: 'N', even: 'E', odd: 'O' }[t.parity ?? 'none'];
      const frame = t.baudRate ? ` ${t.baudRate} ${t.dataBits ?? 8}${parity}${t.stopBits ?? 1}` : '';
      return `Serial ${t.path}${frame}${t.rtscts ? ' RTS/CTS' : ''}`;
    }
    case 'tcp':
      // What it is set up to do, not what it does now (the link line says that).
      return t.mode === 'listen' ? `TCP, listening on ${t.host ?? '0.0.0.0'}:${t.port}` : `TCP, to ${t.host ?? 'localhost'}:${t.port}`;
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
