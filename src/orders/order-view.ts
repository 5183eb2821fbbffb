// The orders as the API and the page see them: where each order stands, per analyzer. One source of
// these shapes for the routes, the gateway and the page (type-only import there).

/**
 * Where one order stands with one analyzer:
 * - `not-sent`: the analyzer does none of the ordered tests, or not this specimen type (`reason` says which);
 * - `waiting`: a download queued, not yet accepted (the analyzer not connected, busy, or between retries);
 * - `sent`: the analyzer accepted the download;
 * - `queried`: the analyzer asked about the specimen and was given the tests;
 * - `resulted`: results came back for the specimen from this analyzer;
 * - `cancel-waiting`: a cancellation queued for an analyzer that had the order;
 * - `cancelled`: the analyzer accepted the cancellation, or the order was cancelled before it was sent;
 * - `rejected`: the analyzer refused the download: a dead letter with its reason, resend after a fix.
 */
export type OrderDeviceState = 'not-sent' | 'waiting' | 'sent' | 'queried' | 'resulted' | 'cancel-waiting' | 'cancelled' | 'rejected';

export interface OrderDeviceView {
  device: string;
  deviceLabel?: string;
  state: OrderDeviceState;
  /** The analyzer's codes it was given (or would be). */
  tests: string[];
  /** Why not sent, why waiting (the last failure), why rejected (the analyzer's words). */
  reason?: string;
  /** ISO 8601: the last change of `state`. */
  since: string;
  attempts?: number;
  /** When the next download attempt is due (waiting, cancel-waiting). */
  nextAttemptAt?: string;
  /** Reading ids of the results from this analyzer. */
  readings?: string[];
  /** Sent or queried and no result after the device's `unresultedAfterHours`. */
  unresulted?: boolean;
  /** ISO 8601: when it was last sent or queried; `unresulted` counts from here. */
  sentAt?: string;
  /** Results from this analyzer for the order that were held instead of sent, with why (the reading's hold reasons). */
  held?: HeldResultView[];
  /** The analyzer does not take downloads: it gets the order only if it asks for the tube (host query). */
  viaQuery?: boolean;
}

export interface HeldResultView {
  reading: string;
  reason: string;
}

/** One step of an order's story, newest last. */
export interface OrderEventView {
  at: string;
  what:
    | 'received'
    | 'changed'
    | 'cancelled'
    | 'queued'
    | 'sent'
    | 'queried'
    | 'answered-none'
    | 'resulted'
    | 'held'
    | 'retry'
    | 'rejected'
    | 'resend'
    | 'not-sent'
    | 'device-changed';
  device?: string;
  /** Words for a person (never a patient's name or a value). */
  detail?: string;
}

export interface OrderView {
  /** Stable key of the order (the directory's). */
  key: string;
  placer?: string;
  filler?: string;
  specimenIds: string[];
  specimenType?: string;
  /** The EHR's ordered tests. */
  tests: Array<{ system: string; code: string; display?: string }>;
  status: 'open' | 'cancelled';
  mrn: string;
  patientName?: string;
  receivedAt: string;
  updatedAt: string;
  devices: OrderDeviceView[];
  events: OrderEventView[];
  /** Where the order stands as a whole (orderState in order-views.ts): what the state filter and its counts go by. */
  state: OrderOverallState;
  /** The order's patient is not in the patient directory (no ADT yet): results filed by this order are held until they are. */
  patientNotInDirectory?: boolean;
  /** A specimen ID of this open order that another patient's open order names too: nothing goes to an analyzer, results are held. */
  specimenConflict?: string;
  /** Ordered tests no configured analyzer does on this specimen type: nobody will run them unless a person does. */
  notDone?: NotDoneTestView[];
}

/** One order's overall state, in the analyzers' words; `not-sent` also when no analyzer took orders when it came. */
export type OrderOverallState = OrderDeviceState;

export interface NotDoneTestView {
  code: string;
  display?: string;
  /** "no analyzer does this test on UR" */
  reason: string;
}

export interface OrdersQuery {
  /**
   * Only orders in this state as a whole (OrderView.state), or with `device`, in this state at that
   * analyzer; `unresulted` = some analyzer sent or queried and overdue.
   */
  state?: OrderDeviceState | 'unresulted';
  device?: string;
  /** Placer, filler or specimen ID (exact), or MRN. */
  q?: string;
  limit?: number;
}

export interface OrdersPage {
  orders: OrderView[];
  /** Orders matching, before `limit`. */
  total: number;
  /** Per overall state (per the device's state with `device`), over the orders the device filter and `q` match, before `state`. */
  counts: Partial<Record<OrderDeviceState | 'unresulted', number>>;
  /** The orders the device filter and `q` match, in any state (the filter's "All orders"). */
  all?: number;
}
