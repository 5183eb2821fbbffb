// The driver contract (docs/architecture.md#driver). A driver knows one device protocol and nothing about
// patients, HL7 results or storage. Drivers live in drivers/<id>/ and import only from src/model,
// drivers/_shared and the wire-format helpers they speak (HL7 v2 text, timestamps and ACKs, MLLP
// framing); test/unit/model/layering.test.ts holds the list.

import type { TSchema } from '@sinclair/typebox';
import type { Logger } from './logger.ts';
import type { AbnormalFlag, Attachment, DeviceKind, ObservationCode, PatientRef, ResultStatus, Waveform } from './reading.ts';
import type { VitalType } from './vocabulary.ts';
import type { DownloadOutcome, OrderCapabilities, WorkOrder, Worklist } from './work-order.ts';
import type { ControlMark } from './control-mark.ts';

export type TransportType = 'serial' | 'tcp' | 'mqtt' | 'file';

export interface SerialSettings {
  baudRate: number;
  dataBits: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
}

/** What a driver sees of its configured device. */
export interface DeviceInfo {
  id: string;
  label?: string;
  /** Driver-specific settings, already validated against the driver's `settings` schema. */
  settings: Record<string, unknown>;
}

/** The first stored copy of a message a device may send again (see `DeviceLink.resends`). */
export interface FirstCopy {
  /** When the gateway stored it (ISO 8601). */
  at: string;
  /** The reading it became. */
  readingId: string;
}

export interface ResendMemory {
  /** The first copy stored under `key` (a report's `resendKey`) for this device within the window; undefined when none. */
  recall(key: string): FirstCopy | undefined;
}

export interface DeviceLink {
  write(bytes: Uint8Array): Promise<void>;
  /** Ends the connection, when the transport has one to end (TCP): for a peer that sent more than any message may be. */
  close?(reason: string): void;
  device: DeviceInfo;
  now(): Date;
  log: Logger;
  /**
   * Which of this device's messages (by `DeviceReport.resendKey`) are already stored: durable, kept
   * for `gateway.duplicateWindowHours`, across restarts and connections. A device that missed its
   * acknowledgement (lost with a connection, a restart, a kill) sends the same message again; a driver
   * that finds it here acknowledges it without reporting it, so the EHR never gets a second copy under
   * a new control ID. The gateway records a key only once its reading is durable, and before the
   * report listener resolves (so before the driver acknowledges): a recalled key always has its
   * reading, and a crash between the two leaves a device that was not acknowledged, whose resend is
   * stored again (a duplicate, never a loss).
   */
  resends: ResendMemory;
  /**
   * The open work for this analyzer, for a host query (ASTM Q record, HL7 QBP): present only when the
   * device's `orders.mode` is `query` or `both` and the driver declares `orders.query`. A session
   * without it answers a query "no information" and says so at debug.
   */
  worklist?: Worklist;
}

/**
 * One measurement as the device reported it. The normalizer turns `type` (or `code`) into MDC/LOINC
 * and `unit` (any common spelling) into the canonical UCUM unit.
 */
export interface Measurement {
  type?: VitalType;
  code?: ObservationCode;
  /** Waveforms and attachments (an EKG tracing, a PDF) pass through normalization unchanged. */
  value: number | string | Waveform | Attachment;
  unit?: string;
  /** The value text exactly as on the wire (`0070.50`), for audit and precision. */
  valueText?: string;
  referenceRange?: string;
  flags?: AbnormalFlag[];
  status?: ResultStatus;
  observedAt?: string;
  method?: string;
  comments?: string[];
  /** The instrument or module that ran this test when the analyzer names it (ASTM R.14, OBX-18): a code mapping may be for one module. */
  instrument?: string;
}

export interface DeviceReport {
  /** Device time (ISO 8601 with offset) when the device sent one; otherwise receipt time is used. */
  observedAt?: string;
  subject?: PatientRef;
  /** `type`: the specimen type as the sender wrote it (ASTM O.16, HL7 SPM-4 or OBR-15); the normalizer maps it to HL7 table 0487. */
  specimen?: { id: string; collectedAt?: string; type?: string };
  /** `tests`: every test ordered, when the analyzer lists more than one (ASTM O.5 repeats). */
  order?: {
    placer?: string;
    filler?: string;
    code?: { system: string; code: string; display?: string };
    tests?: Array<{ system: string; code: string; display?: string }>;
  };
  measurements: Measurement[];
  /** Device identity for OBX-18 when the device reports one (serial number, model). */
  equipment?: string;
  /** Comments on the order or patient (ASTM C records); results carry their own. */
  comments?: string[];
  /**
   * The analyzer marked the specimen as control or calibrator material (src/model/control-mark.ts).
   * Obligation: set only from what the wire says (never guessed from the sample ID: the device's `qc`
   * settings do that); a report with it never becomes a patient reading, whatever patient it names.
   */
  control?: ControlMark;
  /** The exact device text (base64 for binary). */
  raw: string;
  /**
   * What identifies this message if the device sends it again: its sender with its control, message
   * or document id, and a digest of the content where an id may be reused. Set only where a repeat
   * can be told from a new measurement: two reports with the same key are one reading. Any text.
   */
  resendKey?: string;
}

/**
 * Why input was refused. `reason` is logged at warn and shown to every user, so it names the field
 * and what was wrong (the expected form, a length or count), never the text that arrived: that may
 * be a measured value, a patient's name or identifier. `detail` may quote it (`data field
 * "+00083.40kg" has 11 chars`): it goes to the debug log and the rejected-input journal only.
 */
export interface Refusal {
  reason: string;
  detail?: string;
}

export interface ProtocolError extends Refusal {
  /** The offending bytes as text (control characters escaped by the logger). */
  bytes: string;
}

/** Where a message from a message-oriented transport (MQTT, a watched folder) came from. */
export interface MessageMeta {
  topic?: string;
  file?: string;
  receivedAt: Date;
  /** The transport says it may have delivered this message before (MQTT DUP flag). */
  redelivered?: boolean;
}

export type ReportListener = (report: DeviceReport) => void | Promise<void>;
export type ProtocolErrorListener = (error: ProtocolError) => void;

export interface DriverSession {
  /** Raw bytes from the transport, any chunking. Never throws. */
  receive(chunk: Uint8Array): void;
  /**
   * One whole message from a message-oriented transport. Resolves once what it carried is durable
   * (or it was rejected and reported as a protocolError); the transport acknowledges it only then.
   * Rejects when storing failed, so the transport does not acknowledge and the sender tries again.
   */
  receiveMessage?(payload: Uint8Array, meta: MessageMeta): Promise<void>;
  on(event: 'report', cb: ReportListener): void;
  on(event: 'protocolError', cb: ProtocolErrorListener): void;
  /** Called when the transport connects (or reconnects): polling drivers start here. */
  linkUp?(): void;
  /** Called when the transport drops: partial input is discarded, pollers pause. */
  linkDown?(): void;
  /**
   * Sends one order to the analyzer on this connection (drivers whose `orders.download` is true).
   * Obligations: never rejects; one download at a time (a second call while one is on the wire
   * resolves `retry`); yields to the analyzer when both want the line (ASTM E1381 contention: the
   * instrument has priority); resolves `accepted` only when the analyzer acknowledged all of it.
   * The gateway keeps the order durably until then and calls again after `retry`.
   */
  download?(order: WorkOrder): Promise<DownloadOutcome>;
  close(): void;
}

export interface Driver {
  id: string;
  title: string;
  kind: DeviceKind;
  transports: TransportType[];
  serialDefaults?: SerialSettings;
  /** TypeBox schema of the driver's settings (shown as a form on the web page). */
  settings?: TSchema;
  /**
   * Every problem with a device's `settings` (undefined: none given): against the `settings` schema and
   * whatever the schema cannot say (a regular expression that compiles, a field its pattern has).
   * Obligations: each problem reads `settings.<path>: <what is wrong>` (config validation puts the
   * path at the device's field, the page next to its input); [] when `open` can use them; pure and
   * never throws. A driver without settings says so for any key given.
   */
  validateSettings(settings: unknown): string[];
  /**
   * A session for one device. The link test also opens one, on a link that records writes, to say
   * what captured bytes give (src/devices/link-recognition.ts): so opening has no effect beyond the
   * session, input is read without `linkUp`, and `close` stops whatever the session started.
   */
  open(link: DeviceLink): DriverSession;
  /** Host query and download support; absent: the driver takes no orders. */
  orders?: OrderCapabilities;
}
