// A lab analyzer that sends HL7 v2.5.1 ORU^R01 results over MLLP and waits for each ACK: rotating
// chemistry / hematology / HbA1c / coagulation panels with its own local codes, units, ranges and
// flags. Own framing and ACK reading (not src/mllp, src/hl7), so a bug there cannot hide here.
// `count` counts messages the gateway accepted (AA/CA). AE or no ACK in time: the same message is
// sent again; AR/CR: that message is given up. Faults: garbage (noise between frames), partial (a
// frame split over two writes with a pause), duplicate (a message sent again after its ACK).

import { parseAck } from '../src/hl7/ack.ts';
import { hl7Timestamp } from '../src/hl7/datetime.ts';
import { escapeHl7 } from '../src/hl7/escape.ts';
import { FaultPlan, garbage, toBytes } from './faults.ts';
import { createRng, type Rng } from './prng.ts';
import type { DeviceIo, Fault, SimulatedDevice, SimulatorOptions } from './types.ts';

export interface Hl7AnalyzerSimulatorOptions extends SimulatorOptions {
  /** How long to wait for an ACK before sending the same message again. */
  ackTimeoutMs?: number;
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
}

export interface AckedMessage extends SimMessage {
  ack: 'AA' | 'CA';
}

export interface Hl7AnalyzerSimulator extends SimulatedDevice {
  /** Messages the gateway accepted, in order (each once, whatever was resent). */
  readonly acked: readonly AckedMessage[];
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
  const acked: AckedMessage[] = [];
  let io: DeviceIo | null = null;
  let stopped = false;
  let generated = 0;
  let inFlight: InFlight | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let rx = Buffer.alloc(0);
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  if (count !== undefined && count <= 0) resolveDone();

  const later = (ms: number, fn: () => void): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped && io !== null) fn();
    }, ms);
  };

  function next(): void {
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
      later(interval, next);
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
      later(interval, next);
      return;
    }
    if (ack.code === 'AA' || ack.code === 'CA') {
      acked.push({ ...f.message, ack: ack.code });
      log?.(`hl7-analyzer: message ${acked.length} accepted (${f.message.controlId})`);
      if (acked.length === count) resolveDone();
      if (f.faults.has('duplicate')) {
        f.duplicate = true;
        io?.write(f.bytes);
        later(ackTimeout, timedOut);
        return;
      }
      inFlight = null;
      later(interval, next);
    } else if (ack.code === 'AE' || ack.code === 'CE') {
      log?.(`hl7-analyzer: ${f.message.controlId} answered ${ack.code}; sending it again`);
      later(retryDelay, () => transmit(false));
    } else {
      log?.(`hl7-analyzer: ${f.message.controlId} answered ${ack.code || 'without a code'}; giving it up`);
      inFlight = null;
      later(interval, next);
    }
  }

  return {
    driver: 'hl7-analyzer',
    start(nextIo) {
      if (stopped) return;
      io = nextIo;
      rx = Buffer.alloc(0);
      // After a reconnect the unanswered message goes again, as analyzers do.
      if (inFlight !== null) later(0, () => transmit(false));
      else later(generated === 0 ? 0 : interval, next);
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
        onAck(text);
      }
    },
    detach() {
      io = null;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    stop() {
      stopped = true;
      io = null;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    done,
    get sent() {
      return acked.length;
    },
    get acked() {
      return acked;
    },
  };
}
