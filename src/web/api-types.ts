// What the web API needs from the running gateway; the gateway implements it, tests may too.
// The page imports these types too (type-only), so server and page agree on every shape.

import type { TSchema } from '@sinclair/typebox';
import type { HealthReport } from '../health/judge.ts';
import type { StatusView } from '../health/problems.ts';
import type { AuditEntry, AuditQuery } from '../audit/journal.ts';
import type { DeviceConfigT, TransportConfig } from '../config/schema.ts';
import type { DestinationConfigView } from '../config/secrets.ts';
import type { ConfigProblem } from '../config/validate.ts';
import type { DirectorySummary } from '../patients/directory.ts';
import type { BindingMode } from '../patients/types.ts';
import type { DeviceCounters } from '../model/device-counters.ts';
import type { Attachment, DeviceKind, Observation, PatientRef, Reading, Waveform } from '../model/reading.ts';
import type { ReleaseConfirmations } from '../pipeline/release.ts';
import type { Visit } from '../model/visit.ts';
import type { DroppedInputs, RejectedInput } from '../store/rejects.ts';
import type { NamedPatient } from '../model/search-text.ts';
import type { DeviceBinding, OutboxMessage, ReadingStatus, StoredReading } from '../store/types.ts';
import type { MessagesQuery, ReadingsQuery } from './list-queries.ts';
import type { LinkStatus } from '../transports/types.ts';
import type { OrdersPage, OrdersQuery, OrderView } from '../orders/order-view.ts';
import type { QcReviewer } from '../qc/qc-api.ts';
import type { QcOverview, QcPage, QcQuery, QcRejectionView, QcReviewBody } from '../qc/qc-view.ts';

export type { ConfigProblem, DestinationConfigView, NamedPatient, ReleaseConfirmations };
export type { HoldKind, HoldReason } from '../model/hold.ts';
export type { HealthReason, HealthReport, HealthStatus } from '../health/judge.ts';
export type { Problem, ProblemKind, StatusView } from '../health/problems.ts';

export interface DeviceView {
  id: string;
  label?: string;
  driver: string;
  kind: string;
  enabled: boolean;
  transport: DeviceConfigT['transport'];
  link: LinkStatus;
  counters: DeviceCounters;
  /** Test codes that went out as local codes only, with counts: what the codeMap still lacks. */
  unmappedCodes: Record<string, number>;
  /** For each unmapped code, the specimen types it arrived with (table 0487 codes, or the analyzer's words). */
  unmappedSpecimens: Record<string, string[]>;
  /** Kept as stored; it does not apply when `patientMode` is `order` (results go by their order). */
  binding?: DeviceBinding;
  /**
   * How its results find their patient, as its configuration makes it (pipeline/patient.ts): `order`
   * (the default for a device with `orders`) files each result under its order's patient by specimen ID.
   */
  patientMode: BindingMode;
  /** The newest reading of this device since the gateway started, slimmed. */
  lastReading?: SlimReading;
}

/** A reading as lists show it: slim (GET /api/readings/:id/tracing has the samples), with its messages. */
export interface ReadingView extends SlimReading {
  messages: Array<Omit<OutboxMessage, 'body'>>;
  /** When a delivered or discarded reading was archived: its place in its list (a page cursor is `archivedAt~id`). */
  archivedAt?: string;
}

export interface DestinationView {
  id: string;
  type: string;
  /** host:port of an MLLP receiver, or broker URL and topic of an uplink. */
  address: string;
  worker: { state: string; queued: number; delivered: number; dead: number; lastError?: string; unreachable?: boolean; nextAttemptAt?: string };
}

/** A waveform without its samples (fetch them with GET /api/readings/:id/tracing). */
export interface SlimWaveform extends Omit<Waveform, 'leads'> {
  leads: Array<{ name: string; count: number }>;
}
/** An attachment without its content. */
export interface SlimAttachment extends Omit<Attachment, 'base64'> {
  bytes: number;
}
export interface SlimObservation extends Omit<Observation, 'value'> {
  value: number | string | SlimWaveform | SlimAttachment;
}
/**
 * A stored reading light enough for a list or an event: waveforms, attachments and the raw input
 * (an aECG document is hundreds of kB) stand in by their size.
 */
export interface SlimReading extends Omit<StoredReading, 'reading'> {
  reading: Omit<Reading, 'observations' | 'raw'> & { observations: SlimObservation[]; rawLength: number };
}

/** Samples of one EKG reading for drawing, decimated to at most `maxSamples` per lead. */
export interface Tracing {
  readingId: string;
  sampleRateHz: number;
  unit: string;
  leads: Array<{ name: string; samples: number[] }>;
}

/** An outbox message without its body, with where it stands, the device its reading came from and whom it was for. */
export type MessageView = Omit<OutboxMessage, 'body'> & { deviceId?: string; patient?: NamedPatient };

/** One message in full (its HL7 and ACK), with its reading's device and patient. */
export type MessageDetail = OutboxMessage & { deviceId?: string; patient?: NamedPatient };

/** GET /api/messages: by destination, state, device, patient (MRN), a search `q`, paged by `before`. */
export type MessageQuery = MessagesQuery;

/** GET /api/readings: one status, newest first; `device`, `patient` (MRN) and a search `q` narrow it, paged by `before`. */
export type ReadingQuery = ReadingsQuery;

/** How a search found what it lists: the exact id, control ID or MRN it named, or words of a name. */
export type SearchMatch = 'reading' | 'control-id' | 'mrn' | 'name';

/** What every list page says besides its items. */
export interface ListPageInfo {
  /** Whether there may be older items: ask again with `before` = `next`. */
  more: boolean;
  next?: string;
  /** With a search: how it was read. */
  match?: SearchMatch;
  /** A name search looked at only this many of the newest (the next page goes on from there). */
  scanned?: number;
  /** Older messages are still being indexed by device and patient: this filter was answered by scanning (`scanned`). */
  indexing?: boolean;
}

export interface ReadingsPage extends ListPageInfo {
  status: ReadingStatus;
  readings: ReadingView[];
}

export interface MessagesPage extends ListPageInfo {
  messages: MessageView[];
}

export interface RejectedQuery {
  limit: number;
  device?: string;
  /** Only inputs that arrived strictly before this ISO time (paging: the last `at` seen). */
  before?: string;
}

export interface MetricsExposition {
  contentType: string;
  text: string;
}

/** What /healthz says about storage: set when a damaged store was moved aside at start. */
export interface StorageHealth {
  damaged?: { movedTo: string; reason: string; at: string };
}

/** Everything the live page is told, as server-sent events (`event:` is the type, `data:` the JSON). */
export type GatewayEvent =
  | { type: 'reading'; reading: SlimReading }
  | { type: 'link'; deviceId: string; link: LinkStatus }
  | { type: 'message'; message: MessageView }
  | { type: 'config'; what: 'device' | 'destination'; id: string; change: 'added' | 'updated' | 'removed' }
  | { type: 'simulator'; deviceId: string; running: boolean; sent: number; error?: string }
  /** Where an order stands changed (GET /api/orders/:key has it); the key only, no patient data. */
  | { type: 'order'; key: string }
  /** A QC result was logged, or a rejection raised or reviewed (GET /api/qc has it); ids and codes only, no values. */
  | { type: 'qc'; device: string; test: string; lot: string; entry?: string; rejection?: string };

export interface DriverInfo {
  id: string;
  title: string;
  kind: DeviceKind;
  transports: Array<'serial' | 'tcp' | 'mqtt' | 'file'>;
  serialDefaults?: { baudRate: number; dataBits: 7 | 8; parity: 'none' | 'even' | 'odd'; stopBits: 1 | 2 };
  /** JSON schema of the driver's settings, rendered as a form. */
  settings?: TSchema;
  /** Whether a simulator exists for it (demo mode can run it). */
  simulator: boolean;
}

/** JSON schemas of what the page edits, from the same TypeBox source as the file. */
export interface ConfigSchemas {
  device: TSchema;
  destination: TSchema;
  patient: TSchema;
}

export interface SerialPortView {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  /** Lowercase hex, 4 digits, e.g. "0403". */
  vendorId?: string;
  productId?: string;
  /** The adapter chip the IDs point to, e.g. "FTDI FT232R", and its kernel driver. */
  adapter?: { chip: string; kernelDriver: string };
  /** Stable names of the same port (/dev/serial/by-id/...), preferred in a config. */
  stablePaths: string[];
  /** A configured device that uses this port. */
  usedBy?: string;
}

export interface LinkTestRequest {
  /** An existing device: watch its running link. */
  deviceId?: string;
  /** Or a link that is not configured yet (serial or TCP): opened for the test, then closed. */
  transport?: TransportConfig;
  driver?: string;
  /** The driver's settings as edited (a generic-line pattern), for reading what arrived. */
  settings?: Record<string, unknown>;
  seconds: number;
}

/** What a session of the device's driver made of the bytes (devices/link-recognition.ts). */
export interface LinkRecognition {
  /** read: readings (maybe refusals too); refused: only refusals; incomplete: bytes but no complete reading; nothing: no bytes; unsupported / failed: the driver could not tell. */
  outcome: 'read' | 'refused' | 'incomplete' | 'nothing' | 'unsupported' | 'failed';
  /** One sentence: "1 reading: weight 64.20 kg", "1 message, not a reading for the A&D scale / indicator driver: ...". */
  text: string;
  /** What to know about this protocol's test (it waits for an answer the test does not give). */
  note?: string;
}

export interface LinkTestResult {
  opened: boolean;
  /** Why the link could not be opened, or broke. */
  error?: string;
  /** What arrived, in order. `text` shows control characters as <0d>, `hex` the bytes. */
  chunks: Array<{ at: string; text: string; hex: string; bytes: number }>;
  bytes: number;
  truncated: boolean;
  /** What the driver recognised in them, when the link opened and a driver was named. */
  recognised?: LinkRecognition;
  /** True: the bytes came from a running device's link, and what arrived was also taken as its readings. */
  running?: boolean;
  /** That running device (the tested one, or another device on the same link). */
  runningDevice?: { id: string; label?: string };
  /** The patient that running device was bound to during the test: readings it took were charted to them. */
  boundTo?: PatientRef;
}

export interface SimulatorView {
  deviceId: string;
  driver: string;
  running: boolean;
  sent: number;
  /** How it reaches the device: "tcp 127.0.0.1:47001", "serial /dev/pts/4", "mqtt clinic/x". */
  target?: string;
  /** A serial device's simulator writes to the other end of the cable or pty: the page asks for it. */
  needsSerialPath: boolean;
  error?: string;
}

export interface SimulatorStart {
  /** For a serial device: the port the simulator writes to (the other end of a null-modem cable or pty pair). */
  serialPath?: string;
  intervalMs?: number;
  count?: number;
}

export interface PatientHit {
  patient: PatientRef;
  visit?: Visit;
  status: 'active' | 'discharged';
}

export interface GatewayApi {
  devices(): DeviceView[];
  destinations(): DestinationView[];
  readings(query: ReadingQuery): Promise<ReadingsPage>;
  /** What devices sent that could not be read, newest first, kept for review. */
  rejected(query: RejectedQuery): Promise<RejectedInput[]>;
  /** Rejected inputs dropped by the journal's caps since the start, per device. */
  rejectedDropped(): Record<string, DroppedInputs>;
  storage(): StorageHealth;
  /** GET /api/health: ok, degraded or failing, with the reasons (health/judge.ts). */
  health(): Promise<HealthReport>;
  /** GET /api/status: what is wrong now, in plain words, for the page's status strip (health/problems.ts). */
  status(): Promise<StatusView>;
  /**
   * A device link waiting out its backoff tries now (404 unknown device, 409 up or stopped). Returns its
   * link; `already` when it was connecting anyway (nothing to cut short, nothing wrong).
   */
  retryDevice(who: string, deviceId: string): { link: LinkStatus; already?: true };
  /**
   * A destination waiting out its backoff sends its next message now (404 unknown, 409 nothing
   * waits); `already` when it was sending anyway.
   */
  retryDestination(who: string, destinationId: string): { worker: DestinationView['worker']; already?: true };
  /** GET /metrics: the Prometheus text exposition and its content type. */
  metrics(): Promise<MetricsExposition>;
  // `who`: the person or script acting, for the audit journal.
  bind(who: string, deviceId: string, patient: PatientRef, minutes?: number): Promise<DeviceBinding>;
  unbind(who: string, deviceId: string): Promise<boolean>;
  /**
   * Names the patient of a held reading; its value, code and qc holds need their confirmations too (409
   * names what is missing). `who` with a role: acceptQcFailure needs `qc.reviewRole` (403 otherwise).
   */
  assign(who: QcReviewer, readingId: string, patient: PatientRef, confirm: ReleaseConfirmations): Promise<StoredReading>;
  /** Releases a held reading that already has its patient (value, code, qc and delivery holds); acceptQcFailure as for assign. */
  release(who: QcReviewer, readingId: string, confirm: ReleaseConfirmations): Promise<StoredReading>;
  discard(who: string, readingId: string, reason: string): Promise<StoredReading>;
  audit(query: AuditQuery): Promise<AuditEntry[]>;
  /** Counts of the patient directory, when an inbound feed is configured. */
  patients(): DirectorySummary | undefined;
  /** The directory's patients matching MRN, visit number or name; undefined without an inbound feed. */
  searchPatients(query: string, limit: number): PatientHit[] | undefined;
  /** One outbox message with its HL7 text and the EHR's ACK, for an interface analyst; delivered ones from the history. */
  message(messageId: string): Promise<MessageDetail>;
  /** The outbox, newest first; `delivered` also reads the history. */
  messages(query: MessageQuery): Promise<MessagesPage>;
  /** A dead letter back into its destination's line, same bytes and control ID. */
  resend(who: string, messageId: string): Promise<OutboxMessage>;
  /** A dead QC message removed for good, with the reason in the audit journal (409 for any other message). */
  discardMessage(who: string, messageId: string, reason: string): Promise<OutboxMessage>;
  /** Samples of an EKG reading for drawing. */
  tracing(readingId: string, maxSamples: number): Promise<Tracing | undefined>;
  /** The EHR's orders and where each stands with each analyzer, newest first; undefined without an inbound feed. */
  orders(query: OrdersQuery): OrdersPage | undefined;
  /** One order (404 unknown). */
  order(key: string): OrderView;
  /** A download the analyzer rejected, queued again (409 unless rejected); audited. */
  resendOrder(who: string, key: string, device: string): Promise<OrderView>;
  /** GET /api/qc: the QC log, newest first, by device, test and lot (400 on a bad `before`); empty without a QC service. */
  qcLog(query: QcQuery): QcPage;
  /** GET /api/qc/overview: every device/test/lot series and the rejections. */
  qcOverview(): QcOverview;
  /** One QC rejection (404 unknown). */
  qcRejection(id: string): QcRejectionView;
  /** Records a person's review of a QC rejection (403 below `qc.reviewRole`, 404, 409 reviewed already); audited. */
  reviewQc(who: QcReviewer, id: string, body: QcReviewBody): Promise<QcRejectionView>;

  /** Live events; returns the unsubscribe function. */
  subscribe(listener: (event: GatewayEvent) => void): () => void;

  // Configuration (admin). Changes are refused with ConfigChangeRefused (400 with problems). Secrets
  // (passwords) never leave: views have them removed, and an edit that leaves a secret out keeps the stored one.
  drivers(): DriverInfo[];
  schemas(): ConfigSchemas;
  /** Every configured device as in the file (devices carry no secrets), in file order. */
  deviceConfigs(): DeviceConfigT[];
  deviceConfig(id: string): DeviceConfigT;
  /** Adds (`create`) or replaces a device; validated as the file is; restarts that device's link only. */
  putDevice(who: string, device: DeviceConfigT, opts: { create: boolean }): Promise<DeviceConfigT>;
  removeDevice(who: string, id: string): Promise<void>;
  destinationConfigs(): DestinationConfigView[];
  putDestination(who: string, destination: DestinationConfigView, opts: { create: boolean }): Promise<DestinationConfigView>;
  removeDestination(who: string, id: string): Promise<void>;

  serialPorts(): Promise<SerialPortView[]>;
  testLink(request: LinkTestRequest): Promise<LinkTestResult>;

  /** Demo mode only (undefined otherwise): simulated devices the page can start and stop. */
  simulators(): SimulatorView[] | undefined;
  startSimulator(who: string, deviceId: string, opts: SimulatorStart): Promise<SimulatorView>;
  stopSimulator(who: string, deviceId: string): Promise<SimulatorView>;
}

export type Role = 'admin' | 'staff';

/** GET /api/session: who is signed in, the CSRF token for changes, and whether the first admin is still to be created. */
export interface SessionView {
  user: { name: string; role: Role } | null;
  /** Send as x-csrf-token on every POST, PUT and DELETE. */
  csrf?: string;
  setupRequired: boolean;
  /** Demo mode: simulators can be started from the page. */
  demo: boolean;
  /** On HTTPS: the certificate's SHA-256 fingerprint, to compare with what the browser shows. */
  tlsFingerprint?: string;
}

export interface UserView {
  name: string;
  role: Role;
  createdAt: string;
  lastSignInAt?: string;
}
