// A lab analyzer that sends HL7 v2.5.1 ORU^R01 results over MLLP and waits for each ACK: rotating
// chemistry / hematology / HbA1c / coagulation panels with its own local codes, units, ranges and
// flags. Own framing and ACK reading (not src/mllp, src/hl7), so a bug there cannot hide here.
// `count` counts messages the gateway accepted (AA/CA). AE or no ACK in time: the same message is
// sent again; AR/CR: that message is given up. Faults: garbage (noise between frames), partial (a
// frame split over two writes with a pause), duplicate (a message sent again after its ACK).
//
// Orders (docs/protocols.md#hl7-analyzer-orders-omlo21-ormo01-qbpwos), on the same MLLP connection,
// driven by tests and the demo (the order records: hl7-analyzer/orders.ts):
//  - `scan(specimenId)`: sends QBP^Q11^QBP_Q11 (QPD-3 the specimen) and waits `hostQueryWaitMs`
//    for RSP^K11^RSP_K11. QAK-2 NF: nothing to run (with `resultsForUnknown`, its default tests
//    for that specimen, no patient). OK: it waits as long again for the order message (OML^O21 or
//    ORM^O01), ACKs it AA and, after `runMs`, sends ORU^R01 for exactly those tests with the
//    host's placer/filler numbers (ORC-2/3, OBR-2/3) and patient (PID-3). `queries` records each
//    outcome (orders / no-information / timeout / error); `scans` (the CLI's list) scans by
//    itself, one per `scanIntervalMs`.
//  - downloads: an order message it did not ask for fills the worklist (`worklist`; ORC-1 CA
//    cancels those tests); ACK AA, or AE naming what is wrong with a malformed message, or (with
//    `refuseDownloads`) AR (or AE) with `refuseReason`. `runWorklist()` sends an ORU per entry
//    and empties it; `runWorklistAfterMs` runs it by itself after each download. `received` lists
//    each order message and the ACK code it got.
// `unsolicited: false` turns the rotating panels off; `count` counts every accepted ORU.
//
// QC (qc-runs.ts, hl7-analyzer/qc-message.ts): `sendQcRun()` queues one ORU^R01 per lot of its
// control material (no PID, SPM-2 the control's sample ID, SPM-11 `Q`, or empty when marked only by
// sample ID); `qc.everyMs` runs QC by itself. `acked`, `sent` and `count` leave QC messages out;
// `qcDelivered` counts them.

import { parseAck } from '../src/hl7/ack.ts';
import { hl7Timestamp } from '../src/hl7/datetime.ts';
import { escapeHl7 } from '../src/hl7/escape.ts';
import { FaultPlan, garbage, toBytes } from './faults.ts';
import {
  ackMessage,
  orderedOru,
  queryMessage,
  readMessage,
  readOrderMessage,
  readQueryAnswer,
  type ReadMessage,
  type ResultRow,
} from './hl7-analyzer/orders.ts';
import { qcMessage } from './hl7-analyzer/qc-message.ts';
import { createRng, type Rng } from './prng.ts';
import { chemistryControls } from './qc-material.ts';
import { qcSender, withQc } from './qc-runs.ts';
import type { AnalyzerOrderOptions, AnalyzerQcOptions, DeviceIo, Fault, OrderTakingDevice, QcMembers, QcSendingDevice, SimulatorOptions } from './types.ts';
import { SimWorklist, type SimWork } from './worklist.ts';

export interface Hl7AnalyzerSimulatorOptions extends SimulatorOptions, AnalyzerOrderOptions, AnalyzerQcOptions {
  /** How long to wait for an ACK before sending the same message again. */
  ackTimeoutMs?: number;
}

/** How a host query ended. */
export interface Hl7QueryOutcome {
  specimenId: string;
  answer: 'orders' | 'no-information' | 'timeout' | 'error';
  tests: string[];
}

/** An order message the analyzer received and how it answered. */
export interface ReceivedOrder {
  controlId: string;
  type: string;
  ack: 'AA' | 'AE' | 'AR';
  reason?: string;
  text: string;
}

export interface SimResult {
  /** OBX-3.1 as sent (local code, or the LOINC code where the analyzer sends LOINC first). */
  code: string;
  /** OBX-5 as sent. */
  value: string;
  /** OBX-6 as sent ('' when none). */
  unit: string;
  flag: string;
}

export interface SimMessage {
  controlId: string;
  text: string;
  panel: string;
  mrn: string;
  specimenId: string;
  results: SimResult[];
  /** A control specimen (QC), not a patient's results. */
  qc?: boolean;
}

export interface AckedMessage extends SimMessage {
  ack: 'AA' | 'CA';
}

export interface Hl7AnalyzerSimulator extends OrderTakingDevice, QcSendingDevice {
  /** Messages the gateway accepted, in order (each once, whatever was resent). */
  readonly acked: readonly AckedMessage[];
  readonly queries: readonly Hl7QueryOutcome[];
  readonly received: readonly ReceivedOrder[];
}

interface Analyte {
  code: string;
  name: string;
  unit: string;
  low: number;
  high: number;
  min: number;
  max: number;
  decimals: number;
  /** Sent as LOINC first, the local code as the alternate (CE.4-6). */
  loinc?: string;
}

interface Panel {
  code: string;
  name: string;
  specimen: [string, string];
  analytes: Analyte[];
}

const a = (code: string, name: string, unit: string, low: number, high: number, min: number, max: number, decimals: number, loinc?: string): Analyte =>
  loinc === undefined ? { code, name, unit, low, high, min, max, decimals } : { code, name, unit, low, high, min, max, decimals, loinc };

const PANELS: readonly Panel[] = [
  {
    code: 'BMP',
    name: 'Basic metabolic panel',
    specimen: ['SER', 'Serum'],
    analytes: [
      a('GLU', 'Glucose', 'mg/dL', 70, 99, 50, 260, 0),
      a('BUN', 'Urea nitrogen', 'mg/dL', 7, 20, 4, 45, 0),
      a('CREA', 'Creatinine', 'mg/dL', 0.6, 1.2, 0.4, 3.5, 2),
      a('NA', 'Sodium', 'mmol/L', 136, 145, 125, 152, 0),
      a('K', 'Potassium', 'mmol/L', 3.5, 5.1, 2.8, 6.4, 1),
      a('CL', 'Chloride', 'mmol/L', 98, 107, 90, 115, 0),
      a('CO2', 'Carbon dioxide', 'mmol/L', 22, 29, 15, 34, 0),
      a('CA', 'Calcium', 'mg/dL', 8.5, 10.2, 7.2, 11.5, 1),
    ],
  },
  {
    code: 'CBC',
    name: 'Complete blood count',
    specimen: ['WB', 'Whole blood'],
    analytes: [
      a('WBC', 'Leukocytes', '10*3/uL', 4, 11, 2, 22, 1),
      a('RBC', 'Erythrocytes', '10*6/uL', 4.2, 5.9, 3, 6.8, 2),
      a('HGB', 'Hemoglobin', 'g/dL', 12, 17.5, 7, 19, 1),
      a('HCT', 'Hematocrit', '%', 36, 52, 22, 58, 1),
      a('MCV', 'MCV', 'fL', 80, 100, 65, 115, 1),
      a('PLT', 'Platelets', '10*3/uL', 150, 400, 40, 650, 0),
    ],
  },
  {
    code: 'A1C',
    name: 'Hemoglobin A1c',
    specimen: ['WB', 'Whole blood'],
    analytes: [a('HBA1C', 'HbA1c', '%', 4, 5.6, 4.2, 11.5, 1, '4548-4'), a('EAG', 'Estimated average glucose', 'mg/dL', 68, 114, 74, 283, 0)],
  },
  {
    code: 'PTINR',
    name: 'Prothrombin time with INR',
    specimen: ['PLAS', 'Plasma'],
    analytes: [a('PT', 'Prothrombin time', 's', 11, 13.5, 10, 35, 1), a('INR', 'INR', '', 0.8, 1.2, 0.8, 3.6, 2)],
  },
];

const ANALYTES = new Map(PANELS.flatMap((p) => p.analytes.map((an) => [an.code, an] as const)));
const ANALYTE_NAMES: ReadonlyMap<string, string> = new Map([...ANALYTES].map(([code, an]) => [code, an.name]));
const UNORDERED_TESTS = ['GLU', 'NA', 'K'];

/** A result for each code this analyzer runs, values from the seed; codes it does not run are left out. */
export function resultRows(codes: readonly string[], rng: Rng): Map<string, ResultRow> {
  const rows = new Map<string, ResultRow>();
  for (const code of codes) {
    const an = ANALYTES.get(code);
    if (an === undefined || rows.has(code)) continue;
    const value = rng.real(an.min, an.max, 10 ** -an.decimals).toFixed(an.decimals);
    const id = an.loinc === undefined ? `${an.code}^${an.name}^99SIM` : `${an.loinc}^${an.name}^LN^${an.code}^${an.name}^99SIM`;
    rows.set(code, { id, code: an.loinc ?? an.code, name: an.name, value, unit: an.unit, range: `${an.low}-${an.high}`, flag: flagFor(Number(value), an) });
  }
  return rows;
}

const FAMILIES = ['Garcia', 'Nguyen', "O'Neil", 'Smith', 'Kowalski', 'Haddad', 'Okafor', 'Lindqvist'];
const GIVENS = ['Maria', 'Tuan', 'Siobhan', 'John', 'Ewa', 'Karim', 'Chidi', 'Astrid'];
const COMMENTS = ['Specimen hemolyzed \\T\\ lipemic', 'Repeat analysis confirmed', 'Delta check failed: verify identity'];

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;

/** An analyzer's clock, in UTC (+0000), written by the gateway's own DTM writer. */
function ts(ms: number): string {
  return hl7Timestamp(new Date(ms), 0);
}

function flagFor(v: number, an: Analyte): string {
  if (v < an.low) return v < an.low * 0.75 ? 'LL' : 'L';
  if (v > an.high) return v > an.high * 1.6 ? 'HH' : 'H';
  return 'N';
}

/** One ORU^R01 v2.5.1 message; the structured summary is what a test expects the gateway to report. */
export function buildOru(index: number, rng: Rng, nowMs: number): SimMessage {
  const panel = PANELS[index % PANELS.length]!;
  const controlId = `SIM${String(index + 1).padStart(7, '0')}`;
  const mrn = String(rng.int(100000, 999999));
  const patient = rng.int(0, FAMILIES.length - 1);
  const dob = `${rng.int(1935, 2015)}${String(rng.int(1, 12)).padStart(2, '0')}${String(rng.int(1, 28)).padStart(2, '0')}`;
  const sex = rng.pick(['F', 'M']);
  const specimenId = `S${String(rng.int(1, 99_999_999)).padStart(8, '0')}`;
  const placer = `ORD${rng.int(10000, 99999)}`;
  const collected = ts(nowMs - rng.int(10, 120) * 60_000);
  const now = ts(nowMs);

  const segments = [
    `MSH|^~\\&|SIMLAB|SIMLAB-LAB|MEDGATE|CLINIC|${now}||ORU^R01^ORU_R01|${controlId}|P|2.5.1|||NE|AL||UNICODE UTF-8`,
    `PID|1||${mrn}^^^CLINIC^MR||${escapeHl7(FAMILIES[patient]!)}^${escapeHl7(GIVENS[patient]!)}||${dob}|${sex}`,
    'PV1|1|O',
    `ORC|RE|${placer}|${specimenId}`,
    `OBR|1|${placer}|${specimenId}|${panel.code}^${panel.name}^99SIM|||${collected}|||||||||||||||${now}||LAB|F`,
  ];
  const results: SimResult[] = [];
  panel.analytes.forEach((an, i) => {
    const v = rng.real(an.min, an.max, 10 ** -an.decimals);
    const value = v.toFixed(an.decimals);
    const flag = flagFor(Number(value), an);
    const id = an.loinc === undefined ? `${an.code}^${an.name}^99SIM` : `${an.loinc}^${an.name}^LN^${an.code}^${an.name}^99SIM`;
    segments.push(`OBX|${i + 1}|NM|${id}||${value}|${an.unit}|${an.low}-${an.high}|${flag}|||F|||${now}||||SIMLAB-SN0001`);
    if (rng.chance(0.1)) segments.push(`NTE|1||${rng.pick(COMMENTS)}`);
    results.push({ code: an.loinc ?? an.code, value, unit: an.unit, flag });
  });
  segments.push(`SPM|1|${specimenId}||${panel.specimen[0]}^${panel.specimen[1]}^HL70487|||||||||||||${collected}`);
  return { controlId, text: segments.join('\r') + '\r', panel: panel.code, mrn, specimenId, results };
}

function frame(text: string): Uint8Array {
  const body = Buffer.from(text, 'utf8');
  return Uint8Array.from(Buffer.concat([Buffer.from([VT]), body, Buffer.from([FS, CR])]));
}

/** MSA-1 and MSA-2 of an ACK, read as the gateway reads one; undefined when it is not one. */
function readAck(text: string): { code: string; controlId: string } | undefined {
  try {
    const { code, controlId } = parseAck(text);
    return { code, controlId };
  } catch {
    return undefined;
  }
}

interface InFlight {
  message: SimMessage;
  bytes: Uint8Array;
  faults: Set<Fault>;
  /** Waiting for the ACK of the deliberate resend (duplicate fault), not of the original. */
  duplicate: boolean;
}

export function create(options: Hl7AnalyzerSimulatorOptions = {}): Hl7AnalyzerSimulator {
  const rng = createRng(options.seed ?? 1);
  const plan = new FaultPlan(options.faults ?? [], rng);
  const interval = options.intervalMs ?? 10_000;
  const ackTimeout = options.ackTimeoutMs ?? 10_000;
  const retryDelay = Math.min(interval, 1000);
  const pause = Math.max(1, Math.min(200, Math.floor(interval / 4)));
  const count = options.count;
  const log = options.log;
  const unsolicited = options.unsolicited ?? true;
  const hostQueryWaitMs = options.hostQueryWaitMs ?? 10_000;
  const runMs = options.runMs ?? 1000;
  const scanIntervalMs = options.scanIntervalMs ?? interval;
  // Ordered results draw from their own stream, so rotating messages stay those of the seed.
  const orderRng = createRng((options.seed ?? 1) ^ 0x5eed);
  const acked: AckedMessage[] = [];
  const outbox: SimMessage[] = [];
  const worklist = new SimWorklist();
  const queries: Hl7QueryOutcome[] = [];
  const received: ReceivedOrder[] = [];
  const scanQueue: string[] = [];
  const side = new Set<ReturnType<typeof setTimeout>>();
  let query: { controlId: string; specimenId: string; stage: 'rsp' | 'order'; timer: ReturnType<typeof setTimeout> } | null = null;
  let queriesSent = 0;
  let ordered = 0;
  let acksSent = 0;
  let qcSent = 0;
  let scansStarted = false;
  let io: DeviceIo | null = null;
  let stopped = false;
  let generated = 0;
  let inFlight: InFlight | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The pending timer only starts the next rotating message: queued results may go first. */
  let timerIsInterval = false;
  let rx = Buffer.alloc(0);
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  if (count !== undefined && count <= 0) resolveDone();

  const later = (ms: number, fn: () => void): void => {
    if (timer !== undefined) clearTimeout(timer);
    timerIsInterval = fn === next && ms === interval;
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped && io !== null) fn();
    }, ms);
  };

  /** A timer beside the send loop (query waits, test runs); cleared on stop. */
  const aside = (ms: number, fn: () => void): ReturnType<typeof setTimeout> => {
    const t = setTimeout(() => {
      side.delete(t);
      if (!stopped) fn();
    }, ms);
    side.add(t);
    return t;
  };

  const writeText = (text: string): void => {
    io?.write(frame(text));
  };

  /** Queued results go as soon as nothing is in flight. */
  const kick = (): void => {
    if (stopped || io === null || inFlight !== null || outbox.length === 0) return;
    if (timer !== undefined && !timerIsInterval) return;
    later(0, next);
  };

  /** After a message is done: queued results now, else the next rotating one in `interval`. */
  const afterDone = (): void => {
    if (outbox.length > 0) later(0, next);
    else later(interval, next);
  };

  function next(): void {
    const queued = outbox.shift();
    if (queued !== undefined) {
      inFlight = { message: queued, bytes: frame(queued.text), faults: new Set(), duplicate: false };
      transmit(false);
      return;
    }
    if (!unsolicited) return;
    if (count !== undefined && acked.length >= count) return;
    const index = generated++;
    const faults = plan.for(index, count);
    if (faults.size > 0) log?.(`hl7-analyzer: message ${index + 1} with faults ${[...faults].join(', ')}`);
    const message = buildOru(index, rng, Date.now());
    inFlight = { message, bytes: frame(message.text), faults, duplicate: false };
    transmit(true);
  }

  /** Writes the in-flight message; on its first attempt with its faults. Then waits for the ACK. */
  function transmit(first: boolean): void {
    const f = inFlight;
    if (f === null || io === null) return;
    if (first && f.faults.has('garbage')) io.write(toBytes(garbage(rng, '\x0b')));
    if (first && f.faults.has('partial')) {
      const cut = rng.int(1, f.bytes.length - 1);
      io.write(f.bytes.subarray(0, cut));
      later(pause, () => {
        io?.write(f.bytes.subarray(cut));
        later(ackTimeout, timedOut);
      });
      return;
    }
    io.write(f.bytes);
    later(ackTimeout, timedOut);
  }

  function timedOut(): void {
    const f = inFlight;
    if (f === null) return;
    if (f.duplicate) {
      inFlight = null;
      afterDone();
      return;
    }
    log?.(`hl7-analyzer: no ACK for ${f.message.controlId} within ${ackTimeout} ms; sending it again`);
    transmit(false);
  }

  function onAck(text: string): void {
    const ack = readAck(text);
    const f = inFlight;
    if (!ack || f === null || ack.controlId !== f.message.controlId) {
      log?.(`hl7-analyzer: ignored a reply that does not acknowledge the message in flight`);
      return;
    }
    if (f.duplicate) {
      // The answer to the deliberate resend: whatever it says, this message is done.
      inFlight = null;
      afterDone();
      return;
    }
    if (ack.code === 'AA' || ack.code === 'CA') {
      if (f.message.qc) qc.acknowledged();
      else {
        acked.push({ ...f.message, ack: ack.code });
        log?.(`hl7-analyzer: message ${acked.length} accepted (${f.message.controlId})`);
        if (acked.length === count) resolveDone();
      }
      if (f.faults.has('duplicate')) {
        f.duplicate = true;
        io?.write(f.bytes);
        later(ackTimeout, timedOut);
        return;
      }
      inFlight = null;
      afterDone();
    } else if (ack.code === 'AE' || ack.code === 'CE') {
      log?.(`hl7-analyzer: ${f.message.controlId} answered ${ack.code}; sending it again`);
      later(retryDelay, () => transmit(false));
    } else {
      log?.(`hl7-analyzer: ${f.message.controlId} answered ${ack.code || 'without a code'}; giving it up`);
      inFlight = null;
      afterDone();
    }
  }

  function sendQuery(specimenId: string): void {
    if (query !== null || io === null) {
      scanQueue.push(specimenId);
      return;
    }
    queriesSent++;
    const controlId = `QRY${String(queriesSent).padStart(7, '0')}`;
    writeText(queryMessage(controlId, `Q${queriesSent}`, specimenId, new Date()));
    query = { controlId, specimenId, stage: 'rsp', timer: aside(hostQueryWaitMs, () => endQuery('timeout', [])) };
    log?.('hl7-analyzer: host query sent');
  }

  function endQuery(answer: Hl7QueryOutcome['answer'], tests: string[]): void {
    const q = query;
    if (q === null) return;
    clearTimeout(q.timer);
    side.delete(q.timer);
    query = null;
    queries.push({ specimenId: q.specimenId, answer, tests });
    if (answer === 'timeout') log?.(`hl7-analyzer: no answer to a host query within ${hostQueryWaitMs} ms`);
    const waiting = scanQueue.shift();
    if (waiting !== undefined) sendQuery(waiting);
  }

  function onQueryAnswer(m: ReadMessage): void {
    const q = query;
    const a = readQueryAnswer(m);
    if (q === null || q.stage !== 'rsp' || a.answers !== q.controlId) {
      log?.('hl7-analyzer: ignored an RSP that answers no query in flight');
      return;
    }
    if (a.ack === 'AA' && a.status === 'OK') {
      clearTimeout(q.timer);
      side.delete(q.timer);
      q.stage = 'order';
      q.timer = aside(hostQueryWaitMs, () => endQuery('timeout', []));
      return;
    }
    if (a.ack === 'AA' && a.status === 'NF') {
      const specimenId = q.specimenId;
      endQuery('no-information', []);
      log?.('hl7-analyzer: the host has no order for the scanned specimen');
      if (options.resultsForUnknown) aside(runMs, () => queueResults({ specimenId, patientId: '', tests: UNORDERED_TESTS }));
      return;
    }
    endQuery('error', []);
  }

  function onOrderMessage(m: ReadMessage, text: string): void {
    const items = readOrderMessage(m);
    const givenAt = new Date();
    const type = `${m.type[0]}^${m.type[1]}`;
    const q = query;
    const answer = q !== null && q.stage === 'order' && typeof items !== 'string' ? items.filter((it) => it.work.specimenId === q.specimenId) : [];
    let code: 'AA' | 'AE' | 'AR' = 'AA';
    let reason: string | undefined;
    if (typeof items === 'string') {
      code = 'AE';
      reason = items;
    } else if (options.refuseDownloads !== undefined && answer.length === 0) {
      code = options.refuseDownloads === 'AE' ? 'AE' : 'AR';
      reason = options.refuseReason ?? 'host downloads are turned off on this analyzer';
    }
    acksSent++;
    writeText(ackMessage(m, code, `SIMACK${String(acksSent).padStart(6, '0')}`, new Date(), reason));
    received.push(reason === undefined ? { controlId: m.controlId, type, ack: code, text } : { controlId: m.controlId, type, ack: code, reason, text });
    if (code !== 'AA' || typeof items === 'string') {
      log?.(`hl7-analyzer: answered an order message ${code}`);
      return;
    }
    if (q !== null && answer.length > 0) {
      const adds = answer.filter((it) => it.action === 'add');
      const tests = [...new Set(adds.flatMap((it) => it.work.tests))];
      const first = adds[0]?.work;
      endQuery(first === undefined ? 'no-information' : 'orders', tests);
      if (first !== undefined) aside(runMs, () => queueResults({ ...first, tests, givenAt }));
    }
    const rest = items.filter((it) => !answer.includes(it));
    for (const it of rest) worklist.apply(it.action, { ...it.work, givenAt });
    if (rest.length > 0) {
      log?.(`hl7-analyzer: download taken; ${worklist.entries.length} specimens on the worklist`);
      if (options.runWorklistAfterMs !== undefined) aside(options.runWorklistAfterMs, runWorklist);
    }
  }

  function queueResults(work: SimWork): void {
    const rows = resultRows(work.tests, orderRng);
    if (rows.size < work.tests.length) log?.(`hl7-analyzer: ${work.tests.length - rows.size} test codes not run here`);
    if (rows.size === 0) return;
    ordered++;
    const controlId = `SIMR${String(ordered).padStart(6, '0')}`;
    const text = orderedOru({ work, controlId, now: new Date(), rows });
    const results: SimResult[] = [...rows.values()].map((r) => ({ code: r.code, value: r.value, unit: r.unit, flag: r.flag }));
    outbox.push({ controlId, text, panel: 'ORDERED', mrn: work.patientId, specimenId: work.specimenId, results });
    kick();
  }

  function runWorklist(): number {
    const entries = worklist.takeAll();
    for (const w of entries) queueResults(w);
    return entries.length;
  }

  const qc = qcSender({
    options: options.qc,
    seed: options.seed ?? 1,
    lots: chemistryControls('QC-'),
    queue: (specimen, mark) => {
      qcSent++;
      const controlId = `SIMQ${String(qcSent).padStart(6, '0')}`;
      const text = qcMessage(specimen, mark, controlId, new Date(), ANALYTE_NAMES);
      const results = specimen.results.map((r) => ({ code: r.test, value: r.value, unit: r.unit ?? '', flag: '' }));
      outbox.push({ controlId, text, panel: 'QC', mrn: '', specimenId: specimen.sampleId ?? specimen.lot, results, qc: true });
      kick();
    },
    later: (ms, fn) => void aside(ms, fn),
    log,
    name: 'hl7-analyzer',
  });

  function onMessage(text: string): void {
    const m = readMessage(text);
    const kind = m?.type[0].toUpperCase();
    if (m === undefined || kind === 'ACK') onAck(text);
    else if (kind === 'RSP') onQueryAnswer(m);
    else if (kind === 'OML' || kind === 'ORM') onOrderMessage(m, text);
    else {
      acksSent++;
      writeText(ackMessage(m, 'AR', `SIMACK${String(acksSent).padStart(6, '0')}`, new Date(), `message type ${m.type.join('^')} is not supported`));
    }
  }

  const device: Omit<Hl7AnalyzerSimulator, keyof QcMembers> = {
    driver: 'hl7-analyzer',
    start(nextIo) {
      if (stopped) return;
      io = nextIo;
      rx = Buffer.alloc(0);
      // After a reconnect the unanswered message goes again, as analyzers do.
      if (inFlight !== null) later(0, () => transmit(false));
      else later(generated === 0 || outbox.length > 0 ? 0 : interval, next);
      qc.start();
      const waiting = query === null ? scanQueue.shift() : undefined;
      if (waiting !== undefined) sendQuery(waiting);
      if (!scansStarted && options.scans?.length) {
        scansStarted = true;
        options.scans.forEach((id, i) => aside(Math.min(1000, scanIntervalMs) + i * scanIntervalMs, () => sendQuery(id)));
      }
    },
    receive(bytes) {
      if (stopped) return;
      rx = Buffer.concat([rx, Buffer.from(bytes)]);
      for (;;) {
        const start = rx.indexOf(VT);
        if (start === -1) {
          rx = Buffer.alloc(0);
          return;
        }
        const end = rx.indexOf(Buffer.from([FS, CR]), start + 1);
        if (end === -1) {
          rx = rx.subarray(start);
          return;
        }
        const text = rx.subarray(start + 1, end).toString('utf8');
        rx = rx.subarray(end + 2);
        onMessage(text);
      }
    },
    detach() {
      io = null;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      // The answer to a query in flight is lost with the connection.
      if (query !== null) endQuery('timeout', []);
    },
    stop() {
      stopped = true;
      io = null;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      for (const t of side) clearTimeout(t);
      side.clear();
    },
    done,
    get sent() {
      return acked.length;
    },
    get acked() {
      return acked;
    },
    scan: sendQuery,
    runWorklist,
    get worklist() {
      return worklist.entries;
    },
    get queries() {
      return queries;
    },
    get received() {
      return received;
    },
  };
  return withQc(device, qc);
}
