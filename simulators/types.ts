// What every simulated device offers: the CLI, the demo and the tests drive them the same way.

import type { QcLot, QcMark } from './qc-material.ts';
import type { QcPlan, QcRunRequest, QcRunSent, QcSpecimen } from './qc-runs.ts';
import type { SimWork } from './worklist.ts';

/**
 * Faults a simulator can mix in, each at a low rate between good readings (and at least once in the
 * first few readings, so a short run exercises it):
 *  - garbage: random bytes (binary too), sometimes without a line end;
 *  - unstable: what the device sends while it is not ready (A&D: US lines; Accutorr: `--` answers
 *    while measuring; Nonin: `---` lines; Tanita: none);
 *  - partial: a line cut mid-way, a pause without a line end, then the next good line;
 *  - implausible: a reading with a physically implausible value (weight 900 kg, systolic 400). It IS
 *    one of the `count` readings: drivers report it; the normalizer holds it for review.
 *  - duplicate: a message-based device (HL7 analyzer) sends a message again after its ACK, as if the
 *    ACK had been lost; the gateway must acknowledge it without storing it twice.
 * ASTM E1381 link faults (astm-lis2; other simulators ignore them):
 *  - bad-checksum: one frame with a wrong checksum; after the NAK the correct frame follows;
 *  - dropped-frame: one frame whose number skips ahead (as if one was lost); after the NAK it is
 *    sent with the right number;
 *  - lost-ack: a frame sent once more after its ACK, as if the ACK had been lost;
 *  - stall: the analyzer stops mid-transmission for longer than the receiver timeout, then starts
 *    the whole transmission again from ENQ;
 *  - enq-collision: ENQ while a transmission is open (twice at the start, or between frames),
 *    after which the analyzer starts the transmission over;
 *  - eot-mid-record: EOT right after an ETB frame (a record cut in two); the whole transmission later.
 * Faults never add or remove good readings.
 */
export type Fault =
  | 'garbage'
  | 'unstable'
  | 'partial'
  | 'implausible'
  | 'duplicate'
  | 'bad-checksum'
  | 'dropped-frame'
  | 'lost-ack'
  | 'stall'
  | 'enq-collision'
  | 'eot-mid-record';

export const FAULTS: readonly Fault[] = [
  'garbage',
  'unstable',
  'partial',
  'implausible',
  'duplicate',
  'bad-checksum',
  'dropped-frame',
  'lost-ack',
  'stall',
  'enq-collision',
  'eot-mid-record',
];

export interface SimulatorOptions {
  /** Readings to send; unlimited when absent. */
  count?: number;
  /** Time between readings (Accutorr: between NIBP measurements). */
  intervalMs?: number;
  faults?: Fault[];
  /** Same seed, same bytes. */
  seed?: number;
  log?: (line: string) => void;
}

/**
 * What the lab analyzer simulators (astm-lis2, hl7-analyzer) do with orders; see each one's header
 * for the wire. Other simulators ignore these.
 */
export interface AnalyzerOrderOptions {
  /** Send the rotating panels every `intervalMs` (default true); false: only results for work it was given. */
  unsolicited?: boolean;
  /** Specimen IDs to scan (host query) by itself, one every `scanIntervalMs`, the first after 1 s at most. */
  scans?: string[];
  /** Between scripted scans; default `intervalMs`. */
  scanIntervalMs?: number;
  /** How long it waits for the host's answer to a query (default 10 s, a common analyzer setting). */
  hostQueryWaitMs?: number;
  /** When the host has no order for a scanned specimen, send results for its default tests anyway, without a patient. */
  resultsForUnknown?: boolean;
  /** How long running a specimen's tests takes before its results go out (default 1000 ms). */
  runMs?: number;
  /** Run the worklist by itself this long after each download (absent: only when told to). */
  runWorklistAfterMs?: number;
  /**
   * Refuse the host's downloads. ASTM: 'nak' NAKs every frame, 'eot' answers each frame with EOT,
   * 'busy' NAKs the host's ENQ (AR/AE count as 'nak'). HL7: ACK 'AR' or 'AE' with `refuseReason`
   * (the ASTM ways count as AR).
   */
  refuseDownloads?: 'nak' | 'eot' | 'busy' | 'AR' | 'AE';
  /** The HL7 analyzer's words for a refusal (MSA-3, ERR-8). */
  refuseReason?: string;
}

export const REFUSALS = ['nak', 'eot', 'busy', 'AR', 'AE'] as const;

/** The QC runs of a lab analyzer simulator (astm-lis2, hl7-analyzer): qc-material.ts and qc-runs.ts. */
export interface SimQcOptions {
  /** The control material; default the analyzer's own two-level chemistry controls. */
  lots?: QcLot[];
  /** A QC run shortly after the first connection, then one every `everyMs`; absent: only when told (`sendQcRun`). */
  everyMs?: number;
  /** The scheduled run that goes out of control (and the runs after it that its rule needs). */
  outOfControl?: QcPlan;
  /** How the controls are marked (default 'wire'). */
  mark?: QcMark;
}

export interface AnalyzerQcOptions {
  qc?: SimQcOptions;
}

/** A lab analyzer simulator that runs controls: what tests and the demo call. */
export interface QcSendingDevice extends SimulatedDevice, QcMembers {}

export interface QcMembers {
  /** Queues a QC run (one control specimen per lot) and returns its values. */
  sendQcRun(request?: QcRunRequest): QcRunSent;
  /** Queues one control specimen with exactly these results (marked as `mark`, default the options' mark). */
  sendQc(specimen: QcSpecimen, mark?: QcMark): void;
  /** Every QC run queued so far, oldest first. */
  readonly qcRuns: readonly QcRunSent[];
  /** Control specimens the gateway acknowledged (ASTM: through the last frame; HL7: AA/CA). */
  readonly qcDelivered: number;
}

/** An analyzer simulator that takes orders: what tests and the demo call. */
export interface OrderTakingDevice extends SimulatedDevice {
  /** Scans a specimen: queues its host query. */
  scan(specimenId: string): void;
  /** Sends results for every worklist entry and empties the worklist; returns how many entries. */
  runWorklist(): number;
  /** Specimens the host downloaded and not yet run. */
  readonly worklist: readonly SimWork[];
}

export interface DeviceIo {
  write(bytes: Uint8Array): void;
}

export interface SimulatedDevice {
  readonly driver: string;
  /** Begin (or, after detach(), resume) emitting on this io. */
  start(io: DeviceIo): void;
  /** Bytes from the gateway (polls). */
  receive(bytes: Uint8Array): void;
  /** The connection dropped: pause, keep position, until the next start(io). */
  detach(): void;
  /** Stop for good; timers cleared. */
  stop(): void;
  /** Resolves once `count` readings were sent (never when count is absent). */
  readonly done: Promise<void>;
  /** Readings sent so far. */
  readonly sent: number;
}
