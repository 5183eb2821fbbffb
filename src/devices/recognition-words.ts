// The link test's verdict in words: what a driver session emitted for the captured bytes, put in
// one sentence for the technician ("1 reading: weight 64.20 kg", "1 message, not a reading for
// the Lab analyzer driver: checksum mismatch: NAK").
// Pure. Readings may state values and a specimen id: the verdict is shown only to the
// administrator who ran the test. Refusals use the reason alone, never the detail (Refusal rule).

import type { DeviceReport, Measurement } from '../model/driver.ts';

/** At most this many distinct things are listed; the rest is counted. */
const MAX_LISTED = 4;
/** Measurements named per reading; a lab report's further results are counted. */
const MAX_MEASUREMENTS = 3;
/** A text value (an interpretation) is cut here: the sentence names readings, it does not repeat them. */
const MAX_TEXT_VALUE = 40;

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "2 \u00d7 weight 63.90 kg; weight 64.20 kg": runs of the same thing counted once. */
export function listRuns(items: string[]): string {
  const runs: Array<{ text: string; count: number }> = [];
  for (const text of items) {
    const last = runs.at(-1);
    if (last?.text === text) last.count++;
    else runs.push({ text, count: 1 });
  }
  const shown = runs.slice(0, MAX_LISTED).map((r) => (r.count > 1 ? `${r.count} \u00d7 ${r.text}` : r.text));
  const more = runs.length - MAX_LISTED;
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ');
}

/** "+0064.20" as a person writes it: "64.20" (the device's precision kept). */
export function numberText(text: string): string {
  const m = /^\s*([+-]?)\s*0*(\d*)(\.\d*)?\s*$/.exec(text);
  if (!m) return text.trim();
  const whole = m[2] === '' ? '0' : m[2];
  return `${m[1] === '-' ? '-' : ''}${whole}${m[3] ?? ''}`;
}

/** "weight 64.20 kg", "bp systolic 120 mmHg", "GLU 95 mg/dL": by vocabulary type, else the code's name. */
export function describeMeasurement(m: Measurement): string {
  const name = (m.type ?? m.code?.display ?? m.code?.local?.code ?? m.code?.loinc ?? m.code?.mdc?.ref ?? 'value').replace(/\./g, ' ');
  let value: string;
  if (m.valueText !== undefined) value = numberText(m.valueText);
  else if (typeof m.value === 'number') value = String(m.value);
  else if (typeof m.value === 'string') value = m.value.length > MAX_TEXT_VALUE ? `${m.value.slice(0, MAX_TEXT_VALUE)}\u2026` : m.value;
  else value = m.value.kind; // a waveform or an attachment: its kind says enough here
  return [name, value, m.unit].filter(Boolean).join(' ');
}

/** One reading: its first measurements (the rest counted) and, for a lab report, the specimen. */
export function describeReport(report: DeviceReport): string {
  const ms = report.measurements;
  const named = ms.slice(0, MAX_MEASUREMENTS).map(describeMeasurement).join(', ');
  const body = ms.length === 0 ? 'no values' : ms.length > MAX_MEASUREMENTS ? `${ms.length} results: ${named} and ${ms.length - MAX_MEASUREMENTS} more` : named;
  return report.specimen ? `${body} (specimen ${report.specimen.id})` : body;
}

/** "A&D scale / indicator (A&D standard format)" as a sentence names it: "A&D scale / indicator". */
export function driverName(title: string): string {
  const cut = title.indexOf(' (');
  return cut > 0 ? title.slice(0, cut) : title;
}

/** Each reason once, in order of first arrival: why the driver refused, not how often. */
function reasonsOnce(refusals: string[]): string {
  const distinct = [...new Set(refusals)];
  const shown = distinct.slice(0, MAX_LISTED).join('; ');
  const more = distinct.length - MAX_LISTED;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}

/**
 * "2 readings: ...", then what was refused and why; empty when there is neither. With refusals
 * only: "16 messages, none of them a reading for the A&D scale / indicator driver: <reason>".
 */
export function verdictText(reports: DeviceReport[], refusals: string[], driver: string): string {
  const parts: string[] = [];
  if (reports.length > 0) parts.push(`${plural(reports.length, 'reading')}: ${listRuns(reports.map(describeReport))}`);
  if (refusals.length > 0 && reports.length > 0) parts.push(`${plural(refusals.length, 'message')} refused: ${reasonsOnce(refusals)}`);
  else if (refusals.length === 1) parts.push(`1 message, not a reading for the ${driver} driver: ${reasonsOnce(refusals)}`);
  else if (refusals.length > 1) parts.push(`${refusals.length} messages, none of them a reading for the ${driver} driver: ${reasonsOnce(refusals)}`);
  return parts.join('. ');
}
