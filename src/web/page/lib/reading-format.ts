// How readings read on the page: values exactly as the device sent them (precision kept), names
// from the code, units in their usual spelling. DOM-free, so unit tests run it in node.

import type { SlimAttachment, SlimObservation, SlimWaveform } from '../../api-types.ts';
import type { Attachment, ObservationCode, PatientRef, Waveform } from '../../../model/reading.ts';

type AnyValue = SlimObservation['value'] | Waveform | Attachment;

export function isWaveform(value: AnyValue): value is SlimWaveform | Waveform {
  return typeof value === 'object' && value !== null && value.kind === 'waveform';
}

export function isAttachment(value: AnyValue): value is SlimAttachment | Attachment {
  return typeof value === 'object' && value !== null && value.kind === 'attachment';
}

/** Samples per lead of a slim or full waveform. */
export function leadLength(lead: { count: number } | { samples: number[] }): number {
  return 'count' in lead ? lead.count : lead.samples.length;
}

/** A number as the device sent it: 70.50 stays 70.50 when precision says 2. */
export function formatNumber(value: number, precision?: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (precision !== undefined && Number.isInteger(precision) && precision >= 0 && precision <= 20) return value.toFixed(precision);
  return String(value);
}

export function formatValue(obs: { value: AnyValue; precision?: number }): string {
  const v = obs.value;
  if (typeof v === 'number') return formatNumber(v, obs.precision);
  if (typeof v === 'string') return v;
  if (isWaveform(v)) {
    const first = v.leads[0];
    const seconds = first && v.sampleRateHz > 0 ? leadLength(first) / v.sampleRateHz : 0;
    return `EKG tracing, ${v.leads.length} lead${v.leads.length === 1 ? '' : 's'}${seconds ? `, ${formatNumber(seconds, seconds < 10 ? 1 : 0)} s` : ''}`;
  }
  const bytes = 'bytes' in v ? v.bytes : Math.floor((v.base64.length * 3) / 4);
  return `${v.mediaType} document, ${formatBytes(bytes)}`;
}

// HL7 v2.5.1 table 0078 (Abnormal flags). N is "normal" and an empty field "no range defined":
// neither is a warning. The delta (U, D, B, W) and susceptibility (S, R, I, MS, VS) codes describe
// a result without saying it is outside its range.
const FLAG_MEANINGS: Record<string, string> = {
  L: 'low',
  H: 'high',
  LL: 'critically low',
  HH: 'critically high',
  '<': 'below the instrument scale',
  '>': 'above the instrument scale',
  A: 'abnormal',
  AA: 'very abnormal',
  N: 'normal',
  U: 'significant change up',
  D: 'significant change down',
  B: 'better',
  W: 'worse',
  S: 'susceptible',
  R: 'resistant',
  I: 'intermediate',
  MS: 'moderately susceptible',
  VS: 'very susceptible',
};
const ABNORMAL = new Set(['L', 'H', 'LL', 'HH', '<', '>', 'A', 'AA']);

/** What a device's abnormal flag means, in words ("high", "critically low", "normal"). */
export function flagMeaning(flag: string): string {
  return FLAG_MEANINGS[flag] ?? `flag ${flag}`;
}

/** Whether a flag says the value is outside its range (shown as a warning). An unknown flag counts: better one look too many. */
export function isAbnormalFlag(flag: string): boolean {
  const f = flag.trim();
  return f !== '' && (ABNORMAL.has(f) || !(f in FLAG_MEANINGS));
}

/** How a value's flags read: the codes, their meaning, and whether any is a warning. */
export function flagSummary(flags: readonly string[] | undefined): { text: string; meaning: string; abnormal: boolean } | undefined {
  const shown = (flags ?? []).map((f) => f.trim()).filter((f) => f !== '');
  if (!shown.length) return undefined;
  return { text: shown.join(' '), meaning: shown.map(flagMeaning).join(', '), abnormal: shown.some(isAbnormalFlag) };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** What a person calls the measurement: the code's display, else the MDC or LOINC name, else the local code. */
export function observationName(code: ObservationCode, type?: string): string {
  return code.display ?? code.local?.display ?? code.mdc?.ref ?? (code.loinc ? `LOINC ${code.loinc}` : undefined) ?? code.local?.code ?? type ?? 'value';
}

const UNIT_LABELS: Record<string, string> = {
  'mm[Hg]': 'mmHg',
  Cel: '°C',
  '[degF]': '°F',
  'kg/m2': 'kg/m²',
  '{beats}/min': '/min',
  deg: '°',
  uV: 'µV',
  '10*3/uL': '×10³/µL',
  '10*6/uL': '×10⁶/µL',
};

/** UCUM as people write it: mm[Hg] -> mmHg, Cel -> °C. */
export function unitLabel(unit: string | undefined): string {
  if (!unit) return '';
  return UNIT_LABELS[unit] ?? unit;
}

export function personName(p: Pick<PatientRef, 'family' | 'given'>): string {
  const parts = [p.family, p.given].filter((s): s is string => !!s && s.trim() !== '');
  return parts.length ? parts.join(', ') : '(no name)';
}

/** "Example, Alice (MRN DEMO1001)": name and MRN always together, so the chart is never ambiguous. */
export function patientLabel(p: PatientRef): string {
  return `${personName(p)} (MRN ${p.mrn})`;
}

const SEX: Record<string, string> = { M: 'male', F: 'female', O: 'other', U: 'unknown' };
export function sexLabel(sex: string | undefined): string {
  return sex ? (SEX[sex] ?? sex) : '';
}

/** A minute apart: a device clock a little off is not worth a second time on the row. */
const OBSERVED_APART_MS = 60_000;

/**
 * The times a reading's row shows. Lists are ordered by when the gateway received a reading (as the
 * server pages them), so that is the time shown first; when it was measured (or its specimen
 * collected) is added when it differs (a lab result sent hours after the sample, a reading a device
 * kept while offline).
 */
export function readingTimes(
  r: { receivedAt: string; observedAt?: string; specimen?: { collectedAt?: string } },
  now = new Date(),
): { received: string; observed?: string; observedIs?: 'measured' | 'collected' } {
  const received = formatTime(r.receivedAt, now);
  const apart = Math.abs(Date.parse(r.receivedAt) - Date.parse(r.observedAt ?? r.receivedAt));
  if (!Number.isFinite(apart) || apart < OBSERVED_APART_MS) return { received };
  // An analyzer's result often carries only the specimen's collection time (HL7 OBR-7, ASTM O-8): it
  // is said as that, or staff read a fresh result as one measured long ago.
  const collected = r.specimen?.collectedAt !== undefined && Date.parse(r.specimen.collectedAt) === Date.parse(r.observedAt ?? '');
  return { received, observed: formatTime(r.observedAt, now), observedIs: collected ? 'collected' : 'measured' };
}

/** Local time of day, with the date when it is not today. */
export function formatTime(iso: string | undefined, now = new Date()): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === now.toDateString();
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return sameDay ? time : `${d.toLocaleDateString()} ${time}`;
}
