// The analyzer's side of orders in ASTM E1394 (LIS2-A2) records: the host query it sends (H, Q, L)
// and what it reads from the host's transmissions (H, P, O ..., L), a query's answer or a download.
// Field numbers count the record type as field 1, as E1394 does: Q-3 starting range ID
// `patientId^specimenId`, Q-5 universal test ID, Q-13 request information status code (`O`:
// requesting test orders and demographics only, no results); P-3 practice patient ID, P-6 name,
// P-8 birth date, P-9 sex; O-3 specimen ID, O-5 `^^^code` repeated, O-6 priority (S stat, R
// routine), O-12 action code (N new, A add, C cancel), O-16 specimen descriptor; L-3 termination
// code (`I`: no information available from the last query). Pure.

import type { Rng } from '../prng.ts';
import type { SimWork, WorkAction } from '../worklist.ts';
import { workTimes } from '../work-times.ts';
import {
  analyzerOf,
  astmTime,
  panelFor,
  resultFor,
  specimenWords,
  transmissionRecords,
  type SentOrder,
  type SentResult,
  type SentTransmission,
} from './content.ts';
import { esc } from './wire.ts';

/** H, Q, L asking the host for the orders of one specimen (E1394 section 12, request information record). */
export function queryRecords(specimenId: string, now: Date): string[] {
  const a = analyzerOf('chemistry');
  return [`H|\\^&|||${a.model}^${a.version}^${a.serial}|||||MEDGATE||P|LIS2-A2|${astmTime(now)}`, `Q|1|^${esc(specimenId)}||^^^ALL||||||||O`, 'L|1|N'];
}

interface Delims {
  field: string;
  repeat: string;
  component: string;
  escape: string;
}

const DEFAULT_DELIMS: Delims = { field: '|', repeat: '\\', component: '^', escape: '&' };

function unescapeField(value: string, d: Delims): string {
  const e = d.escape;
  if (!value.includes(e)) return value;
  const map: Record<string, string> = { F: d.field, S: d.component, R: d.repeat, E: d.escape };
  return value.replace(new RegExp(`${reEsc(e)}([FSRE])${reEsc(e)}`, 'g'), (_m, c: string) => map[c] ?? '');
}

const reEsc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One work item the host sent: what to do with the tests of one specimen. */
export interface HostWork {
  action: WorkAction;
  work: SimWork;
}

export interface HostTransmission {
  items: HostWork[];
  /** L-3 as sent ('' when absent). */
  termination: string;
}

/** Reads the host's records (each without its CR). Unknown records are skipped, as E1394 allows. */
export function readHostTransmission(records: readonly string[]): HostTransmission {
  let d = DEFAULT_DELIMS;
  let patient: Pick<SimWork, 'patientId' | 'family' | 'given' | 'dob' | 'sex'> = { patientId: '' };
  const items: HostWork[] = [];
  let termination = '';
  for (const record of records) {
    const type = record[0]?.toUpperCase();
    if (type === 'H' && record.length >= 5) {
      d = { field: record[1]!, repeat: record[2]!, component: record[3]!, escape: record[4]! };
      continue;
    }
    const f = record.split(d.field);
    const field = (n: number): string => f[n - 1] ?? '';
    const comp = (n: number, c: number): string => unescapeField(field(n).split(d.repeat)[0]?.split(d.component)[c - 1] ?? '', d);
    if (type === 'P') {
      patient = { patientId: comp(3, 1), family: comp(6, 1), given: comp(6, 2), dob: comp(8, 1).slice(0, 8), sex: comp(9, 1) };
    } else if (type === 'O') {
      const tests = field(5)
        .split(d.repeat)
        .map((rep) => {
          const parts = rep.split(d.component);
          // `^^^CODE` (E1394 universal test ID, component 4); a bare code from hosts that send one.
          return unescapeField((parts.length >= 4 ? parts[3] : parts[0]) ?? '', d);
        })
        .filter((c) => c !== '');
      const code = comp(12, 1).toUpperCase();
      const work: SimWork = { ...patient, specimenId: comp(3, 1), tests };
      const type16 = comp(16, 1);
      if (type16 !== '') work.specimenType = type16;
      const priority = comp(6, 1).toUpperCase();
      if (priority === 'S' || priority === 'R') work.priority = priority;
      if (work.specimenId !== '') items.push({ action: code === 'C' ? 'cancel' : 'add', work });
    } else if (type === 'L') {
      termination = comp(3, 1).toUpperCase();
    }
  }
  return { items, termination };
}

/** Default tests of a specimen nobody ordered, when told to send results anyway. */
export const UNORDERED_TESTS = ['GLU', 'NA', 'K'];

export interface RunOutcome {
  tx: SentTransmission;
  /** Codes given that this analyzer does not run: no result for them. */
  notRun: string[];
}

/** The results transmission for one worklist entry: its tests, values from the seed, the host's patient and specimen. */
export function resultsForWork(work: SimWork, rng: Rng, now: Date): RunOutcome {
  const results: SentResult[] = [];
  const notRun: string[] = [];
  for (const code of work.tests) {
    const r = resultFor(code, work.specimenType, rng);
    if (r === undefined) notRun.push(code);
    else results.push(r);
  }
  const panel = panelFor(work.tests, work.specimenType);
  const times = workTimes(work.givenAt, now);
  const collectedAt = astmTime(times.collected);
  const order: SentOrder = {
    patientId: work.patientId,
    family: work.family ?? '',
    given: work.given ?? '',
    dob: work.dob ?? '',
    sex: work.sex ?? '',
    specimenId: work.specimenId,
    instrumentSpecimenId: `R${rng.int(1, 40)}-${rng.int(1, 10)}`,
    collectedAt,
    specimenType: work.specimenType ?? specimenWords(panel),
    tests: results.map((r) => r.code),
    results,
    comments: [],
  };
  const records = transmissionRecords(order, panel, {
    now,
    receivedAt: astmTime(times.received),
    started: astmTime(times.started),
    completed: astmTime(times.completed),
  });
  return { tx: { panel, records, orders: [order] }, notRun };
}
