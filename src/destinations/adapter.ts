// The destination contract. A destination type (an EHR over MLLP, an uplink broker over MQTT) is one
// adapter in src/destinations/<type>/: how a reading becomes the bytes that type carries, and how
// those bytes are sent and what the peer's answer means. The outbox, the delivery worker and the
// intake know nothing of any type; they store bodies and act on a SendOutcome.

import type { Config, DestinationConfig, DeviceConfigT } from '../config/schema.ts';
import type { Ack } from '../hl7/ack-types.ts';
import type { Logger } from '../model/logger.ts';
import type { PatientRef, Reading } from '../model/reading.ts';
import type { Visit } from '../model/visit.ts';
import type { QcEntryView } from '../qc/qc-view.ts';

/** What a destination's encode sees besides the reading. */
export interface EncodeContext<C extends DestinationConfig> {
  destination: C;
  /** The message's id (MSH-10, the uplink message id): also the outbox id, so unique per message. */
  controlId: string;
  now: Date;
  gateway: NonNullable<Config['gateway']>;
  /** The reading's patient, with the gateway's assigning authority filled in when it had none. */
  patient: PatientRef;
  visit?: Visit;
  /** The device as configured now; absent for a reading of a device since removed. */
  device?: DeviceConfigT;
  /** The one local coding system of every message (HL7 table 0396 `L` or `99zzz`); unset: each code keeps its own. */
  localCodeSystem?: string;
}

/** What a destination's encodeQc sees besides the QC entries: no patient, no visit. */
export interface QcEncodeContext<C extends DestinationConfig> {
  destination: C;
  controlId: string;
  now: Date;
  gateway: NonNullable<Config['gateway']>;
  /** The entries' device as configured now. */
  device?: DeviceConfigT;
  localCodeSystem?: string;
}

/** A destination type whose format cannot carry QC results says why instead of a body. */
export type EncodedQc = Encoded | { skipped: string };

export interface Encoded {
  /** Stored in the outbox and sent as is, on every attempt. */
  body: string;
}

/** What one send came to: the delivery worker's only input from a destination. */
export type SendOutcome =
  | { kind: 'delivered'; ack?: Ack }
  /** `failure`: 'connect' when no connection could be made (the link is probed), 'transient' for any other failure. */
  | { kind: 'retry'; reason: string; failure: 'connect' | 'transient'; ack?: Ack }
  | { kind: 'dead'; reason: string; ack?: Ack };

/** What the delivery worker needs of a message to send it. */
export interface OutgoingMessage {
  body: string;
  controlId: string;
}

export interface DestinationSender {
  /**
   * Sends one message and says what became of it. Never rejects: every failure is an outcome, so
   * the worker has one thing to judge. Calls are made one at a time, in line order.
   */
  send(message: OutgoingMessage): Promise<SendOutcome>;
  /** Ends the connection; an in-flight send settles (as a retry) rather than hangs. */
  close(): Promise<void>;
}

export interface SenderDeps {
  log: Logger;
}

export interface DestinationAdapter<C extends DestinationConfig> {
  /** The config's `type`: the registry keys adapters by it. */
  readonly type: C['type'];
  /**
   * Pure: the same reading and context give the same bytes. The body is built once, when the
   * reading is released, and never again: a retry resends it, so the receiver can recognise a
   * duplicate by its id. A throw holds the reading for review (kind `delivery`).
   */
  encode(reading: Reading, ctx: EncodeContext<C>): Encoded;
  /**
   * Pure, like encode: QC results (one control run of one device) for a destination whose
   * `receives` has 'qc'. Never a patient field in it.
   */
  encodeQc(entries: readonly QcEntryView[], ctx: QcEncodeContext<C>): EncodedQc;
  /**
   * The sender for this configuration. It may read files (TLS material) and must fail here, not on
   * the first send, when it cannot be made: the fleet then keeps the running one.
   */
  open(config: C, deps: SenderDeps): Promise<DestinationSender>;
  /** Where the destination is, for the page and logs; never credentials. */
  address(config: C): string;
  /** The info log line for a delivery ("forwarded to EHR"). */
  readonly deliveredLog: string;
}

/** A rejected send as text: "timeout: no ACK within 30000 ms". */
export function describeSendError(err: unknown): string {
  if (err instanceof Error) {
    const kind = (err as Error & { kind?: unknown }).kind;
    return `${typeof kind === 'string' ? kind : 'error'}: ${err.message}`;
  }
  return `error: ${String(err)}`;
}

/** A send that failed without an answer (a SendError, or anything with its `kind`): a connect failure probes the link, anything else is transient. */
export function retryAfter(err: unknown): Extract<SendOutcome, { kind: 'retry' }> {
  const kind = err instanceof Error ? (err as Error & { kind?: unknown }).kind : undefined;
  return { kind: 'retry', reason: describeSendError(err), failure: kind === 'connect' ? 'connect' : 'transient' };
}
