// What the simulated analyzer reports: one patient and one specimen per transmission, panels
// rotating chemistry / hematology / urinalysis, values drawn from the seed, flags from the ranges.

import type { Rng } from '../prng.ts';
import { esc } from './wire.ts';

export type Panel = 'chemistry' | 'hematology' | 'urinalysis';

export interface SentResult {
  code: string;
  valueText: string;
  unit?: string;
  range?: string;
  flag?: string;
  status: 'F';
  comments: string[];
}

export interface SentOrder {
  patientId: string;
  family: string;
  given: string;
  /** YYYYMMDD */
  dob: string;
  /** P-9 as sent: M, F, or what the host gave (U, O, empty). */
  sex: string;
  specimenId: string;
  instrumentSpecimenId: string;
  /** YYYYMMDDHHMMSS, analyzer local time */
  collectedAt: string;
  /** O.16 specimen descriptor, as this analyzer words it (serum, whole blood, urine). */
  specimenType: string;
  tests: string[];
  results: SentResult[];
  comments: string[];
}

export interface SentTransmission {
  panel: Panel;
  /** The records as framed, without their CR. */
  records: string[];
  orders: SentOrder[];
}

interface Patient {
  id: string;
  family: string;
  given: string;
  dob: string;
  sex: 'M' | 'F';
}

const FAMILY = ['Doe', 'Smith', 'Garcia', 'Nguyen', 'Müller', "O'Brien", 'Kowalski', 'Haddad'];
const GIVEN_F = ['Jane', 'Maria', 'Aiko', 'Fatima', 'Olga'];
const GIVEN_M = ['John', 'Luis', 'Minh', 'Peter', 'Kwame'];
const ORDER_COMMENTS = ['Sample hemolyzed', 'Lipemic & icteric', 'Repeat requested^by ward', 'Short sample|volume low'];
const ANALYZERS: Record<Panel, { model: string; version: string; serial: string; specimen: string }> = {
  chemistry: { model: 'CHEM-300', version: '4.1', serial: 'SN1187', specimen: 'serum' },
  hematology: { model: 'HEMA-5D', version: '2.0.3', serial: 'SN0571', specimen: 'whole blood' },
  urinalysis: { model: 'UA-200', version: '2.10', serial: 'SN0042', specimen: 'urine' },
};

interface NumericTest {
  code: string;
  unit: string;
  low: number;
  high: number;
  min: number;
  max: number;
  decimals: number;
  criticalLow?: number;
  criticalHigh?: number;
}

const CHEMISTRY: NumericTest[] = [
  { code: 'GLU', unit: 'mg/dL', low: 70, high: 99, min: 55, max: 260, decimals: 0, criticalLow: 60, criticalHigh: 250 },
  { code: 'BUN', unit: 'mg/dL', low: 7, high: 20, min: 4, max: 45, decimals: 0 },
  { code: 'CREA', unit: 'mg/dL', low: 0.6, high: 1.3, min: 0.4, max: 3, decimals: 2 },
  { code: 'NA', unit: 'mmol/L', low: 135, high: 145, min: 126, max: 152, decimals: 0, criticalLow: 128, criticalHigh: 150 },
  { code: 'K', unit: 'mmol/L', low: 3.5, high: 5.1, min: 2.8, max: 6.4, decimals: 1, criticalLow: 3, criticalHigh: 6 },
  { code: 'CL', unit: 'mmol/L', low: 98, high: 107, min: 92, max: 112, decimals: 0 },
];

const HEMATOLOGY: NumericTest[] = [
  { code: 'WBC', unit: '10*3/uL', low: 4, high: 11, min: 2.5, max: 18, decimals: 1 },
  { code: 'RBC', unit: '10*6/uL', low: 4.2, high: 5.9, min: 3.5, max: 6.5, decimals: 2 },
  { code: 'HGB', unit: 'g/dL', low: 12, high: 17.5, min: 8, max: 19, decimals: 1, criticalLow: 8.5 },
  { code: 'HCT', unit: '%', low: 36, high: 52, min: 28, max: 56, decimals: 1 },
  { code: 'PLT', unit: '10*3/uL', low: 150, high: 400, min: 80, max: 520, decimals: 0 },
];

const NUMERIC_BY_CODE = new Map([...CHEMISTRY, ...HEMATOLOGY].map((t) => [t.code, t]));

/** The patients this analyzer sees, fixed by the seed. */
export function makePatients(rng: Rng, n = 12): Patient[] {
  const out: Patient[] = [];
  for (let i = 0; i < n; i++) {
    const sex = rng.chance(0.5) ? 'F' : 'M';
    const year = rng.int(1935, 2015);
    out.push({
      id: `PID${String(i + 1).padStart(4, '0')}`,
      family: rng.pick(FAMILY),
      given: rng.pick(sex === 'F' ? GIVEN_F : GIVEN_M),
      dob: `${year}${String(rng.int(1, 12)).padStart(2, '0')}${String(rng.int(1, 28)).padStart(2, '0')}`,
      sex,
    });
  }
  return out;
}

/** Local time as ASTM writes it: YYYYMMDDHHMMSS. */
export function astmTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function numeric(t: NumericTest, rng: Rng): SentResult {
  const value = rng.real(t.min, t.max, 10 ** -t.decimals);
  const valueText = value.toFixed(t.decimals);
  const v = Number(valueText);
  let flag = 'N';
  if (t.criticalLow !== undefined && v < t.criticalLow) flag = 'LL';
  else if (t.criticalHigh !== undefined && v > t.criticalHigh) flag = 'HH';
  else if (v < t.low) flag = 'L';
  else if (v > t.high) flag = 'H';
  const range = `${t.low.toFixed(t.decimals)}-${t.high.toFixed(t.decimals)}`;
  return { code: t.code, valueText, unit: t.unit, range, flag, status: 'F', comments: [] };
}

/** Urine test-strip pads and the readings each may show, in the order the strip is read. */
const STRIP_PADS: Record<string, string[]> = {
  GLU: ['NEG', 'NEG', 'NEG', '1+', '2+'],
  PRO: ['NEG', 'NEG', 'TRACE', '1+'],
  KET: ['NEG', 'NEG', 'TRACE'],
  BLD: ['NEG', 'NEG', '1+'],
  LEU: ['NEG', 'NEG', 'NEG', '1+'],
};

function stripPad(code: string, values: string[], rng: Rng): SentResult {
  const valueText = rng.pick(values);
  return { code, valueText, range: 'NEG', flag: valueText === 'NEG' ? 'N' : 'A', status: 'F', comments: [] };
}

function urinePh(ph: string): SentResult {
  return { code: 'PH', valueText: ph, range: '5.0-8.0', flag: Number(ph) > 8 ? 'H' : 'N', status: 'F', comments: [] };
}

function urineSg(sg: string): SentResult {
  return { code: 'SG', valueText: sg, range: '1.005-1.030', flag: Number(sg) > 1.03 ? 'H' : 'N', status: 'F', comments: [] };
}

const phOf = (rng: Rng): string => rng.real(5, 8.5, 0.5).toFixed(1);
const sgOf = (rng: Rng): string => rng.real(1.005, 1.035, 0.005).toFixed(3);

function urinalysis(rng: Rng): SentResult[] {
  const pad = (code: string): SentResult => stripPad(code, STRIP_PADS[code] ?? ['NEG'], rng);
  const ph = phOf(rng);
  const sg = sgOf(rng);
  return [pad('GLU'), pad('PRO'), urinePh(ph), urineSg(sg), pad('KET'), pad('BLD'), pad('LEU')];
}

/** Whether a specimen type, as a host words it (HL7 table 0487 code or plain words), is urine. */
export function isUrine(specimenType: string | undefined): boolean {
  return specimenType !== undefined && /^(ur|urine|urn)\b/i.test(specimenType.trim());
}

/** One result for one of this analyzer's codes, from the seed; undefined for a code it does not run. */
export function resultFor(code: string, specimenType: string | undefined, rng: Rng): SentResult | undefined {
  if (isUrine(specimenType) || !NUMERIC_BY_CODE.has(code)) {
    const values = STRIP_PADS[code];
    if (values !== undefined) return stripPad(code, values, rng);
    if (code === 'PH') return urinePh(phOf(rng));
    if (code === 'SG') return urineSg(sgOf(rng));
  }
  const t = NUMERIC_BY_CODE.get(code);
  return t === undefined ? undefined : numeric(t, rng);
}

/** The panel whose analyzer runs these codes on this specimen (for the header and the specimen words). */
export function panelFor(codes: readonly string[], specimenType: string | undefined): Panel {
  if (isUrine(specimenType)) return 'urinalysis';
  if (codes.some((c) => HEMATOLOGY.some((t) => t.code === c))) return 'hematology';
  if (codes.length > 0 && codes.every((c) => !CHEMISTRY.some((t) => t.code === c))) return 'urinalysis';
  return 'chemistry';
}

export interface TransmissionOptions {
  index: number;
  now: Date;
  /** A chemistry panel with a glucose of 9999 mg/dL (the 'implausible' fault). */
  implausible: boolean;
  /** An order comment long enough to be split over two frames (ETB). */
  longComment: boolean;
}

export function makeTransmission(rng: Rng, patients: readonly Patient[], o: TransmissionOptions): SentTransmission {
  const panels: Panel[] = ['chemistry', 'hematology', 'urinalysis'];
  const panel: Panel = o.implausible ? 'chemistry' : (panels[o.index % 3] ?? 'chemistry');
  const analyzer = ANALYZERS[panel];
  const patient = rng.pick(patients);
  const results =
    panel === 'chemistry' ? CHEMISTRY.map((t) => numeric(t, rng)) : panel === 'hematology' ? HEMATOLOGY.map((t) => numeric(t, rng)) : urinalysis(rng);
  if (o.implausible && results[0]) results[0] = { ...results[0], valueText: '9999', flag: 'HH' };
  if (rng.chance(0.3)) results[rng.int(0, results.length - 1)]?.comments.push('Verified by repeat analysis');

  const t = o.now.getTime();
  const collectedAt = astmTime(new Date(t - rng.int(30, 90) * 60_000));
  const receivedAt = astmTime(new Date(t - 20 * 60_000));
  const started = astmTime(new Date(t - 120_000));
  const completed = astmTime(new Date(t - 60_000));
  const specimenId = `SP${rng.int(100, 999)}${String(o.index + 1).padStart(5, '0')}`;
  const order: SentOrder = {
    patientId: patient.id,
    family: patient.family,
    given: patient.given,
    dob: patient.dob,
    sex: patient.sex,
    specimenId,
    instrumentSpecimenId: `R${rng.int(1, 40)}-${rng.int(1, 10)}`,
    collectedAt,
    specimenType: analyzer.specimen,
    tests: results.map((r) => r.code),
    results,
    comments: [],
  };
  if (rng.chance(0.3)) order.comments.push(rng.pick(ORDER_COMMENTS));
  if (o.longComment || rng.chance(0.15)) {
    order.comments.push(
      `Instrument note for ${panel}: the specimen was processed after an automatic rerun; ` +
        'values were confirmed against the previous calibration, the reagent lot was checked, ' +
        'and no interference from hemolysis, icterus or lipemia exceeded the manufacturer limits for any of the reported tests.',
    );
  }

  const records = transmissionRecords(order, panel, { now: o.now, receivedAt, started, completed });
  return { panel, records, orders: [order] };
}

export interface RecordTimes {
  now: Date;
  /** YYYYMMDDHHMMSS, analyzer local time. */
  receivedAt: string;
  started: string;
  completed: string;
}

/** H, P, O (with its comments), R (with theirs), L: one specimen's results as the analyzer frames them. */
export function transmissionRecords(order: SentOrder, panel: Panel, t: RecordTimes): string[] {
  const analyzer = ANALYZERS[panel];
  const tests = order.tests.map((c) => `^^^${esc(c)}`).join('\\');
  const name = order.family === '' && order.given === '' ? '' : `${esc(order.family)}^${esc(order.given)}`;
  const records = [
    `H|\\^&|||${analyzer.model}^${analyzer.version}^${analyzer.serial}|||||MEDGATE||P|LIS2-A2|${astmTime(t.now)}`,
    `P|1|${esc(order.patientId)}|||${name}||${order.dob}|${order.sex}`,
    `O|1|${esc(order.specimenId)}|${esc(order.instrumentSpecimenId)}|${tests}|R|${order.collectedAt}|${order.collectedAt}|||||||${t.receivedAt}|${esc(order.specimenType)}||||||||||F`,
  ];
  let c = 0;
  for (const text of order.comments) records.push(`C|${++c}|I|${esc(text)}|G`);
  order.results.forEach((r, i) => {
    records.push(
      `R|${i + 1}|^^^${esc(r.code)}|${esc(r.valueText)}|${esc(r.unit ?? '')}|${esc(r.range ?? '')}|${r.flag ?? ''}||${r.status}||OPER1|${t.started}|${t.completed}|${analyzer.model}`,
    );
    for (const text of r.comments) records.push(`C|${++c}|I|${esc(text)}|G`);
  });
  records.push('L|1|N');
  return records;
}

/** The specimen words this analyzer uses for a panel (O-16). */
export function specimenWords(panel: Panel): string {
  return ANALYZERS[panel].specimen;
}

/** The analyzer's identity in H-5 for a panel. */
export function analyzerOf(panel: Panel): { model: string; version: string; serial: string } {
  const { model, version, serial } = ANALYZERS[panel];
  return { model, version, serial };
}
