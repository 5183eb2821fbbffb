// What the Orders page says about an order: where it stands with each analyzer in a sentence a
// medical assistant or an interface analyst reads at a glance, the state filter's choices, and each
// step of the order's story. DOM-free and `now` passed in, so unit tests run it in node.

import type { OrderDeviceState, OrderDeviceView, OrderEventView, OrdersPage, OrderView } from '../../../orders/order-view.ts';
import { formatTime } from './reading-format.ts';
import { durationWords } from './status-words.ts';

export type OrderFilterState = OrderDeviceState | 'unresulted';

/**
 * The filter's choices (where an order stands as a whole, or at the analyzer filtered by), in the
 * order an order moves through them; problems last, where the eye lands.
 */
const FILTER_STATES: ReadonlyArray<{ value: OrderFilterState; label: string }> = [
  { value: 'waiting', label: 'Waiting' },
  { value: 'sent', label: 'Sent' },
  { value: 'queried', label: 'Queried' },
  { value: 'resulted', label: 'Resulted' },
  { value: 'not-sent', label: 'Not sent to any analyzer' },
  { value: 'cancel-waiting', label: 'Cancellation waiting' },
  { value: 'cancelled', label: 'Cancelled' },
  { value: 'unresulted', label: 'No result yet (overdue)' },
  { value: 'rejected', label: 'Rejected by the analyzer' },
];

/** A state's label; with an analyzer filtered by, the counts are of that analyzer's line, and "not sent" is to it. */
function stateLabel(s: { value: string; label: string }, byDevice: boolean): string {
  return byDevice && s.value === 'not-sent' ? 'Not sent to this analyzer' : s.label;
}

/**
 * "All orders (12)", "Rejected by the analyzer (1)": each order counted once, by where it stands as a
 * whole, or with `byDevice` (an analyzer filtered by) at that analyzer (the server's counts).
 */
export function stateChoices(counts: OrdersPage['counts'] | undefined, total?: number, byDevice = false): Array<{ value: string; label: string }> {
  const n = (c: number | undefined) => (c === undefined ? '' : ` (${c})`);
  return [
    { value: '', label: `All orders${n(total)}` },
    ...FILTER_STATES.map((s) => ({ value: s.value, label: `${stateLabel(s, byDevice)}${n(counts ? (counts[s.value] ?? 0) : undefined)}` })),
  ];
}

/** The badge: a short word and the class that gives it a shape and colour (styles/base.css). */
const BADGES: Record<OrderDeviceState, { text: string; cls: string }> = {
  'not-sent': { text: 'not sent', cls: '' },
  waiting: { text: 'waiting', cls: 'retry' },
  sent: { text: 'sent', cls: 'queued' },
  queried: { text: 'queried', cls: 'queued' },
  resulted: { text: 'resulted', cls: 'delivered' },
  'cancel-waiting': { text: 'cancel waiting', cls: 'retry' },
  cancelled: { text: 'cancelled', cls: '' },
  rejected: { text: 'rejected', cls: 'dead' },
};

export function stateBadge(state: OrderDeviceState): { text: string; cls: string } {
  return BADGES[state];
}

/** What a person calls the analyzer: its label, else its ID. */
export function analyzerName(d: Pick<OrderDeviceView, 'device' | 'deviceLabel'>, labels?: ReadonlyMap<string, string>): string {
  return d.deviceLabel ?? labels?.get(d.device) ?? d.device;
}

/** "next try in 2 min", "next try now": when a queued download goes again. */
export function nextTryWords(nextAttemptAt: string | undefined, now: number): string {
  const at = nextAttemptAt === undefined ? NaN : Date.parse(nextAttemptAt);
  if (Number.isNaN(at)) return '';
  const left = at - now;
  if (left < 30_000) return 'next try now';
  if (left < 60_000) return 'next try in less than a minute';
  return `next try in ${durationWords(left + 30_000)}`;
}

/** HL7 v2.5.1 table 0357 (message error condition codes): what an analyzer's ERR-3 code means. */
const HL7_ERRORS: Readonly<Record<string, string>> = {
  '100': 'segment sequence error',
  '101': 'required field missing',
  '102': 'data type error',
  '103': 'table value not found',
  '200': 'unsupported message type',
  '201': 'unsupported event code',
  '202': 'unsupported processing ID',
  '203': 'unsupported version ID',
  '204': 'unknown key identifier',
  '205': 'duplicate key identifier',
  '206': 'application record locked',
  '207': 'application internal error',
};

/** "(error 207)" in an analyzer's refusal, said as what it means: "(error 207: application internal error)". */
export function refusalWords(reason: string): string {
  return reason.replace(/\(error (\d{1,4})\)/, (all, code: string) => (HL7_ERRORS[code] ? `(error ${code}: ${HL7_ERRORS[code]})` : all));
}

const joined = (...parts: Array<string | undefined>) => parts.filter((p) => p !== undefined && p !== '').join(', ');

/**
 * Where the order stands with one analyzer, as a sentence: "Sent to Chemistry 07:42:10",
 * "Waiting for Chemistry: not connected, next try in 2 min", "Rejected by Chemistry: unknown test GLU".
 */
export function deviceStateSentence(d: OrderDeviceView, now: number, labels?: ReadonlyMap<string, string>): string {
  const name = analyzerName(d, labels);
  const at = formatTime(d.since, new Date(now));
  switch (d.state) {
    case 'not-sent':
      return `Not sent to ${name}: ${d.reason ?? 'none of the ordered tests is done by this analyzer'}`;
    case 'waiting':
      return `Waiting for ${name}: ${joined(d.reason ?? 'not sent yet', nextTryWords(d.nextAttemptAt, now))}`;
    case 'sent':
      return `Sent to ${name} ${at}`;
    case 'queried':
      return `Queried by ${name} ${at}`;
    case 'resulted':
      return `Resulted by ${name} ${at}`;
    case 'cancel-waiting':
      return `Cancellation waiting for ${name}: ${joined(d.reason ?? 'not sent yet', nextTryWords(d.nextAttemptAt, now))}`;
    case 'cancelled':
      return `Cancelled ${d.reason ? `(${d.reason}) ` : ''}for ${name} ${at}`;
    case 'rejected':
      return `Rejected by ${name}: ${d.reason === undefined ? 'it gave no reason' : refusalWords(d.reason)}`;
  }
}

/**
 * "No result after 1 d 2 h": a sent or queried order overdue (the server decides when, from the
 * device's setting), counted from the same time the server counts from: the last send or query.
 */
export function unresultedWords(d: OrderDeviceView, now: number): string | undefined {
  if (!d.unresulted) return undefined;
  const since = Date.parse(d.sentAt ?? d.since);
  return Number.isNaN(since) ? 'No result yet' : `No result after ${durationWords(now - since)}`;
}

const EVENT_WORDS: Record<OrderEventView['what'], string> = {
  received: 'Received from the EHR',
  changed: 'Changed by the EHR',
  cancelled: 'Cancelled',
  queued: 'Queued for',
  sent: 'Sent to',
  queried: 'Queried by',
  'answered-none': 'Answered "no order" to',
  resulted: 'Resulted by',
  held: 'Result held from',
  retry: 'Not taken now by',
  rejected: 'Rejected by',
  resend: 'Sent again by a person to',
  'not-sent': 'Not sent to',
  'device-changed': 'Settings changed by a technician for',
};

/** One step of the order's story: "Sent to Chemistry", "Rejected by Chemistry: unknown test". */
export function eventSentence(e: OrderEventView, labels?: ReadonlyMap<string, string>): string {
  const words = EVENT_WORDS[e.what] ?? e.what;
  const name = e.device === undefined ? undefined : (labels?.get(e.device) ?? e.device);
  // "Cancelled" and "received" name no analyzer; one that names one says which.
  const head = name === undefined ? words.replace(/ (for|to|by|from)$/, '') : e.what === 'cancelled' ? `${words} for ${name}` : `${words} ${name}`;
  return e.detail ? `${head}: ${e.detail}` : head;
}

/** "result held: unknown patient ID: ...": each held result of this analyzer for the order, with why. */
export function heldWords(d: Pick<OrderDeviceView, 'held'>): string[] {
  return (d.held ?? []).map((x) => `result held: ${x.reason}`);
}

/** "Will be given as GLU": the analyzer's codes, in the tense of where the order stands with it. */
export function givenWords(d: Pick<OrderDeviceView, 'state' | 'tests'>): string {
  if (d.tests.length === 0) return '';
  const verb = d.state === 'not-sent' ? 'Would be given' : d.state === 'waiting' || d.state === 'rejected' ? 'Will be given' : 'Given';
  return `${verb} as ${d.tests.join(', ')}`;
}

/** What the order says before anything else: a patient the directory does not know, tests nobody runs. */
export function orderWarnings(o: Pick<OrderView, 'mrn' | 'patientNotInDirectory' | 'notDone' | 'status' | 'specimenConflict'>): string[] {
  if (o.status === 'cancelled') return [];
  const out: string[] = [];
  if (o.specimenConflict !== undefined) {
    out.push(
      `Specimen ${o.specimenConflict} is also ordered for another patient: nothing goes to an analyzer and its results are held until the EHR corrects the orders.`,
    );
  }
  if (o.patientNotInDirectory) out.push(`Patient ${o.mrn} is not in the directory (no ADT yet): results will be held until the EHR sends the patient.`);
  for (const t of o.notDone ?? []) out.push(`${t.display ? `${t.code} ${t.display}` : t.code}: ${t.reason}`);
  return out;
}

/**
 * The analyzers an order was not for, in one short line for the list ("Not for Chem 2, Urine: not
 * their specimen type or tests"); undefined when none, or when no analyzer takes it (each line then says why).
 */
export function notSentSummary(devices: readonly OrderDeviceView[], labels?: ReadonlyMap<string, string>): string | undefined {
  const not = devices.filter((d) => d.state === 'not-sent');
  if (not.length === 0 || not.length === devices.length) return undefined;
  return `Not for ${not.map((d) => analyzerName(d, labels)).join(', ')}: not their specimen type or tests (details in the order)`;
}

/** "2345-7 Glucose, 2160-0": the EHR's tests, as the EHR named them. */
export function orderedTests(o: Pick<OrderView, 'tests'>): string {
  return o.tests.map((t) => (t.display ? `${t.code} ${t.display}` : t.code)).join(', ');
}

/** "Placer P123 · filler F9": the order numbers the EHR knows it by. */
export function orderNumbers(o: Pick<OrderView, 'placer' | 'filler'>): string {
  return [o.placer ? `Placer ${o.placer}` : '', o.filler ? `filler ${o.filler}` : ''].filter(Boolean).join(' \u00b7 ') || '\u2013';
}

/** Newest received first; of one instant, by key (the server's order). */
export function newerOrderFirst(a: Pick<OrderView, 'receivedAt' | 'key'>, b: Pick<OrderView, 'receivedAt' | 'key'>): number {
  if (a.receivedAt !== b.receivedAt) return a.receivedAt < b.receivedAt ? 1 : -1;
  return a.key < b.key ? 1 : a.key > b.key ? -1 : 0;
}

/** What an empty list says: what it was filtered by, or where orders come from. */
export function ordersEmptyText(f: { device: string; state: string; q: string }): string {
  const others = f.device !== '' || f.state !== '';
  if (f.q)
    return `No order found for \u201c${f.q}\u201d${others ? ' with the other filters set' : ''}: specimen IDs, order numbers and MRNs are matched exactly.`;
  if (!others) return 'No orders yet: they appear here as the EHR sends them on the inbound feed.';
  const chosen = FILTER_STATES.find((s) => s.value === f.state);
  const state = f.state ? ` in the state \u201c${chosen ? stateLabel(chosen, f.device !== '') : f.state}\u201d` : '';
  return `No orders${state}${f.device ? ' for this analyzer' : ''}.`;
}

/** The most GET /api/orders lists at once (its `limit` maximum, src/web/routes/orders.ts). */
export const MAX_ORDERS_SHOWN = 1000;

/** The list's size after "Show more", never past what the API lists at once; undefined at that maximum. */
export function moreOrders(limit: number, step: number): number | undefined {
  return limit >= MAX_ORDERS_SHOWN ? undefined : Math.min(limit + step, MAX_ORDERS_SHOWN);
}

/** "120 of 4000 orders shown, newest first.", and at the API's maximum how to reach older ones. */
export function ordersShownText(shown: number, total: number, limit: number): string {
  const capped = shown < total && moreOrders(limit, 1) === undefined ? ' Search or filter to find older ones.' : '';
  return `${shown} of ${total} ${total === 1 ? 'order' : 'orders'} shown, newest first.${capped}`;
}
