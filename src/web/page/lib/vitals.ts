// Groups readings into per-patient series of numeric values (one series per kind of measurement),
// for the live page's sparklines. DOM-free.

import type { SlimObservation, SlimReading } from '../../api-types.ts';
import type { PatientRef } from '../../../model/reading.ts';
import { flagSummary, formatNumber, observationName } from './reading-format.ts';

export interface VitalPoint {
  at: string;
  value: number;
  precision?: number;
  /** The device's abnormal flags (HL7 v2.5.1 table 0078), kept so the tile can show them. */
  flags?: string[];
}

export interface VitalSeries {
  key: string;
  name: string;
  unit?: string;
  points: VitalPoint[];
}

export interface PatientVitals {
  patient: PatientRef;
  lastAt: string;
  series: VitalSeries[];
}

/** The kinds of measurement in the order a clinician scans them; the rest follow by name. */
const ORDER = [
  'bp.systolic',
  'bp.diastolic',
  'bp.mean',
  'pulse',
  'pulse.nibp',
  'pulse.oximetry',
  'spo2',
  'respiration',
  'temperature',
  'weight',
  'height',
  'bmi',
  'ecg.heart_rate',
];

/** What makes two observations the same series: the vocabulary type, else the code. */
export function seriesKey(obs: Pick<SlimObservation, 'type' | 'code'>): string {
  return (
    obs.type ??
    obs.code.mdc?.ref ??
    (obs.code.loinc ? `loinc:${obs.code.loinc}` : undefined) ??
    `local:${obs.code.local?.system ?? ''}:${obs.code.local?.code ?? ''}`
  );
}

export function patientOf(r: SlimReading): PatientRef | undefined {
  return r.patient ?? r.reading.subject;
}

/**
 * Per patient (by MRN), newest patient first; in each series the points oldest first, at most
 * `maxPoints`. Only numeric values are charted; readings without a patient are left out.
 */
export function groupVitals(readings: SlimReading[], maxPoints = 30): PatientVitals[] {
  const byMrn = new Map<string, { patient: PatientRef; lastAt: string; series: Map<string, VitalSeries> }>();
  const sorted = [...readings].sort((a, b) => Date.parse(a.reading.observedAt) - Date.parse(b.reading.observedAt));
  for (const r of sorted) {
    if (r.status === 'discarded') continue;
    const patient = patientOf(r);
    if (!patient?.mrn) continue;
    let entry = byMrn.get(patient.mrn);
    if (!entry) byMrn.set(patient.mrn, (entry = { patient, lastAt: r.reading.observedAt, series: new Map() }));
    entry.patient = patient;
    entry.lastAt = r.reading.observedAt;
    for (const obs of r.reading.observations) {
      if (typeof obs.value !== 'number' || !Number.isFinite(obs.value)) continue;
      const key = seriesKey(obs);
      let series = entry.series.get(key);
      if (!series) entry.series.set(key, (series = { key, name: observationName(obs.code, obs.type), unit: obs.unit, points: [] }));
      series.unit = obs.unit ?? series.unit;
      series.points.push({
        at: obs.observedAt ?? r.reading.observedAt,
        value: obs.value,
        precision: obs.precision,
        ...(obs.flags?.length ? { flags: [...obs.flags] } : {}),
      });
      if (series.points.length > maxPoints) series.points.shift();
    }
  }
  const rank = (key: string) => {
    const i = ORDER.indexOf(key);
    return i === -1 ? ORDER.length : i;
  };
  return [...byMrn.values()]
    .filter((e) => e.series.size > 0)
    .sort((a, b) => Date.parse(b.lastAt) - Date.parse(a.lastAt))
    .map((e) => ({
      patient: e.patient,
      lastAt: e.lastAt,
      series: [...e.series.values()].sort((a, b) => rank(a.key) - rank(b.key) || a.name.localeCompare(b.name)),
    }));
}

/** A tile's latest value and the device's flags on it: a flagged value must not look normal. */
export function latestVital(series: VitalSeries): { value: string; flag?: { text: string; meaning: string; abnormal: boolean } } {
  const last = series.points[series.points.length - 1];
  if (!last) return { value: '\u2013' };
  const flag = flagSummary(last.flags);
  return { value: formatNumber(last.value, last.precision), ...(flag ? { flag } : {}) };
}
