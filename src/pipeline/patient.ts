// Which patient a reading belongs to, per the device's binding mode. Only certainty goes out: the
// device's own report (verified against the directory when there is one), a binding a person made,
// or the order a specimen belongs to. Anything else is held for a person, with a reason.
//
// Decisions where the issue ("Patient context") is silent:
// - Default mode: 'reported' for lab, ekg, vitals and generic devices (analyzers send P records,
//   EKG carts and monitors carry the ID typed or scanned at the device); 'bind' for scales and BP
//   monitors, which have no way to enter a patient. verify defaults to "an inbound feed exists".
// - reported mode, no ID from the device: a non-lab reading takes the device's active binding (a
//   person's explicit act, as before); a lab reading never does (an analyzer's batch holds many
//   patients' specimens), only in mode 'bind' set explicitly.
// - reported + verify false: the subject goes out exactly as reported; the directory is not
//   consulted at all (no demographics or visit merged in), so what the device said is what is sent.
// - verify also covers bound patients: with verify on, a bound ID the directory does not know is
//   held (a typo in a typed MRN is the classic wrong-chart error). With verify off, the binding goes
//   out as typed, with the directory's demographics and visit when it knows the MRN.
// - Whenever the directory supplies the patient, its demographics are authoritative. Demographics
//   anyone else supplied (the device, the person who bound it) must agree with what goes out:
//   family, given (case, accent, whitespace and punctuation ignored) and birth date (a bare year
//   or year-month matches its full date). A field missing on either side is no disagreement. Sex is
//   not compared.
// - An ID merged away (A40) resolves to the survivor, who goes out; that is not a hold.
// - A discharged patient still matches while the directory keeps the entry (results often come back
//   after discharge); the visit goes out as the directory has it.
// - A device binding and a device-reported ID that name different patients: held, in every mode
//   that looks at bindings (reported and bind). A hold never consumes a binding.
// - order mode ignores bindings; the order's visit is used when the order names one.
// - Hold reasons never quote identifiers (they are logged at warn by kind and code, but shown in full to staff).

import { sameId, sameOrderPatient } from '../patients/same-patient.ts';
import { holdReason, type HoldCode, type HoldReason } from '../model/hold.ts';
import type { DeviceKind, OrderPart, PatientRef, Reading } from '../model/reading.ts';
import { foldName } from '../model/name-fold.ts';
import type { Visit } from '../model/visit.ts';
import type { BindingMode, DirectoryEntry, OrderEntry, PatientDirectory } from '../patients/types.ts';
import type { DeviceBinding } from '../store/types.ts';

export { foldName };

export interface PatientPolicy {
  mode: BindingMode;
  verify: boolean;
}

/** reported: as the device sent it; directory: the device's ID, matched in the directory; binding: a person's binding; order: the specimen's order. */
export type PatientSource = 'reported' | 'directory' | 'binding' | 'order';

export interface PatientMatch {
  patient: PatientRef;
  source: PatientSource;
  /** The binding covered just this reading: remove it in the same write that stores the reading. */
  consumeBinding: boolean;
  visit?: Visit;
  order?: { placer?: string; filler?: string };
  /** Several open orders of this patient on the specimen, answered by different observations: which go under which order. */
  parts?: OrderPart[];
  holdReason?: undefined;
}

/**
 * The reading's order numbers once its patient is known. A result filed under the EHR's order carries
 * that order's numbers and no others: what an analyzer sends in their place (the sample id in ASTM
 * O-3, its own rack or sequence id in O-4) is not an order number, and sent as OBR-3 it would put one
 * filler number on several patients' results. Otherwise the device's numbers stand.
 */
export function orderNumbersAfter(device: Reading['order'], match: PatientMatch): Reading['order'] {
  if (match.source !== 'order') return match.order ? { ...device, ...match.order } : device;
  const { placer: _placer, filler: _filler, ...rest } = device ?? {};
  const next = { ...rest, ...match.order };
  return Object.keys(next).length > 0 ? next : undefined;
}

export interface PatientHold {
  /** Always of kind 'patient' (a person's assignment settles it); the text never quotes an identifier. */
  holdReason: HoldReason;
  patient?: undefined;
}

export type PatientResolution = PatientMatch | PatientHold;

const MODES: readonly BindingMode[] = ['reported', 'bind', 'order', 'hold'];

const DEFAULT_MODE: Record<DeviceKind, BindingMode> = {
  lab: 'reported',
  ekg: 'reported',
  vitals: 'reported',
  generic: 'reported',
  scale: 'bind',
  bp: 'bind',
};

export function defaultPolicy(kind: DeviceKind, configured: { mode?: BindingMode; verify?: boolean } | undefined, hasInboundFeed: boolean): PatientPolicy {
  const mode = configured?.mode !== undefined && MODES.includes(configured.mode) ? configured.mode : (DEFAULT_MODE[kind] ?? 'hold');
  const verify = typeof configured?.verify === 'boolean' ? configured.verify : hasInboundFeed;
  return { mode, verify };
}

export function bindingActive(binding: DeviceBinding | undefined, now: Date): binding is DeviceBinding {
  return binding !== undefined && (binding.until === undefined || Date.parse(binding.until) > now.getTime());
}

export interface ResolveInput {
  reading: Reading;
  policy: PatientPolicy;
  binding?: DeviceBinding;
  /** The inbound feed's patient directory; absent when no feed is configured. */
  directory?: PatientDirectory;
  now: Date;
}

const R = {
  holdMode: patientHold('no-patient', 'no patient: this device always waits for a person to assign its readings'),
  labNoId: patientHold('no-patient', 'no patient: the analyzer sent no patient ID for this specimen'),
  reportedNoneUnbound: patientHold('no-patient', 'no patient: the device reported none and is not bound'),
  reportedNoneExpired: patientHold('no-patient', 'no patient: the device reported none and its binding has expired'),
  notBound: patientHold('no-patient', 'no patient: the device is not bound to a patient'),
  bindingExpired: patientHold('no-patient', 'no patient: the device binding has expired'),
  bindingEmpty: patientHold('no-patient', 'no patient: the device binding names no patient ID'),
  directoryFailed: patientHold('no-patient', 'no patient: the patient directory could not be read'),
  internal: patientHold('no-patient', 'no patient: the patient could not be resolved (internal error)'),
  noDirectory: patientHold('unknown-patient-id', 'unknown patient ID: no patient directory is available to verify the patient ID'),
  reportedUnknown: patientHold('unknown-patient-id', 'unknown patient ID: the reported patient ID is not in the directory'),
  boundUnknown: patientHold('unknown-patient-id', 'unknown patient ID: the bound patient ID is not in the directory'),
  orderPatientUnknown: patientHold('unknown-patient-id', "unknown patient ID: the order's patient is not in the directory"),
  boundOther: patientHold('patient-mismatch', 'patient mismatch: the device reported a different patient than the one it is bound to'),
  orderOther: patientHold('patient-mismatch', "patient mismatch: the device reported a different patient than the order's"),
  orderVisitOther: patientHold('patient-mismatch', "patient mismatch: the order's visit belongs to a different patient"),
  ordersForOthers: patientHold('patient-mismatch', 'patient mismatch: this specimen is ordered for more than one patient'),
  noSpecimen: patientHold('no-order', 'no order: the reading carries no specimen ID'),
  noOrderDirectory: patientHold('no-order', 'no order: no patient directory is available to look up orders'),
  noOrder: patientHold('no-order', 'no order: no open order for this specimen'),
  orderCancelled: patientHold('no-order', 'no order: the order for this specimen was cancelled'),
} satisfies Record<string, HoldReason>;

/** Never throws: whatever goes wrong becomes a hold. */
export function resolvePatient(input: ResolveInput): PatientResolution {
  try {
    return resolve(input);
  } catch (err) {
    return hold(err instanceof DirectoryFailure ? R.directoryFailed : R.internal);
  }
}

function resolve(input: ResolveInput): PatientResolution {
  const { reading, policy } = input;
  const dir = input.directory ? new Lookup(input.directory) : undefined;
  switch (policy.mode) {
    case 'hold':
      return hold(R.holdMode);
    case 'reported':
      return resolveReported(input, dir);
    case 'bind':
      return resolveBinding(input, dir, { notBound: R.notBound, expired: R.bindingExpired });
    case 'order':
      return resolveOrder(reading, dir);
    default:
      return hold(R.holdMode);
  }
}

function resolveReported(input: ResolveInput, dir: Lookup | undefined): PatientResolution {
  const { reading, policy, binding, now } = input;
  const subject = reported(reading);
  if (!subject) {
    if (reading.kind === 'lab') return hold(R.labNoId);
    return resolveBinding(input, dir, { notBound: R.reportedNoneUnbound, expired: R.reportedNoneExpired });
  }
  const active = bindingActive(binding, now) ? binding : undefined;

  if (!policy.verify) {
    if (active) {
      // Without verification, "the same patient" can only mean the same ID as typed.
      if (!sameId(subject, active.patient)) return hold(R.boundOther);
      const off = disagreements(subject, active.patient);
      if (off.length > 0) return hold(mismatch('reported', off, 'the bound patient'));
    }
    return { patient: subject, source: 'reported', consumeBinding: consumes(active) };
  }

  if (!dir) return hold(R.noDirectory);
  const entry = dir.find(subject.mrn, subject.assigningAuthority);
  if (!entry) return hold(R.reportedUnknown);
  const off = disagreements(subject, entry.patient);
  if (off.length > 0) return hold(mismatch('reported', off, 'the directory'));
  if (active && !samePerson(dir, active.patient, entry)) return hold(R.boundOther);
  return withVisit({ patient: { ...entry.patient }, source: 'directory', consumeBinding: consumes(active) }, entry.visit);
}

function resolveBinding(input: ResolveInput, dir: Lookup | undefined, reasons: { notBound: HoldReason; expired: HoldReason }): PatientResolution {
  const { reading, policy, binding, now } = input;
  if (!binding) return hold(reasons.notBound);
  if (!bindingActive(binding, now)) return hold(reasons.expired);
  const bound = cleanRef(binding.patient);
  if (!bound) return hold(R.bindingEmpty);
  const subject = reported(reading);

  let match: PatientMatch;
  let known: DirectoryEntry | undefined;
  if (dir) {
    known = dir.find(bound.mrn, bound.assigningAuthority);
    if (known) {
      const off = disagreements(bound, known.patient);
      if (off.length > 0) return hold(mismatch('bound', off, 'the directory'));
    } else if (policy.verify) {
      return hold(R.boundUnknown);
    }
  } else if (policy.verify) {
    return hold(R.noDirectory);
  }
  if (known) match = withVisit({ patient: { ...known.patient }, source: 'binding', consumeBinding: consumes(binding) }, known.visit);
  else match = { patient: bound, source: 'binding', consumeBinding: consumes(binding) };

  if (subject) {
    // Against what goes out too, not only the binding as typed: a binding without an authority takes the
    // directory's, and the device may have reported the same number under another authority.
    const same = (sameId(subject, bound) && sameId(subject, match.patient)) || (dir !== undefined && known !== undefined && samePerson(dir, subject, known));
    if (!same) return hold(R.boundOther);
    const off = disagreements(subject, match.patient);
    if (off.length > 0) return hold(mismatch('reported', off, known ? 'the directory' : 'the bound patient'));
  }
  return match;
}

function resolveOrder(reading: Reading, dir: Lookup | undefined): PatientResolution {
  const specimenId = text(reading.specimen?.id);
  if (specimenId === '') return hold(R.noSpecimen);
  if (!dir) return hold(R.noOrderDirectory);
  const all = dir.orders(specimenId);
  const open = all.filter((o) => o.status === 'open');
  if (open.length === 0) return hold(all.some((o) => o.status === 'cancelled') ? R.orderCancelled : R.noOrder);
  // A reused or mistyped barcode: one tube, two patients. Whose result it is cannot be told from the tube.
  if (open.some((o) => !sameOrderPatient((mrn, aa) => dir.find(mrn, aa), o, open[0] as OrderEntry))) return hold(R.ordersForOthers);
  const { order, parts } = splitByOrder(reading, open);
  const mrn = text(order.mrn);
  const entry = mrn === '' ? undefined : dir.find(mrn, order.assigningAuthority);
  if (!entry) return hold(R.orderPatientUnknown);

  const subject = reported(reading);
  if (subject) {
    if (!samePerson(dir, subject, entry)) return hold(R.orderOther);
    const off = disagreements(subject, entry.patient);
    if (off.length > 0) return hold(mismatch('reported', off, 'the directory'));
  }

  let visit: Visit | undefined = entry.visit;
  const visitNumber = text(order.visitNumber);
  if (visitNumber !== '' && text(entry.visit?.visitNumber) !== visitNumber) {
    // The result belongs to the encounter the order was placed in, not necessarily the current one.
    const byVisit = dir.visit(visitNumber);
    if (byVisit && !sameEntry(byVisit, entry)) return hold(R.orderVisitOther);
    visit = byVisit ? byVisit.visit : { visitNumber };
  }
  const match = withVisit({ patient: { ...entry.patient }, source: 'order', consumeBinding: false }, visit);
  const numbers = numbersOf(order);
  if (numbers.placer !== undefined || numbers.filler !== undefined) match.order = numbers;
  if (parts.length > 1) match.parts = parts.map((p) => ({ ...numbersOf(p.order), observations: p.observations }));
  return match;
}

/**
 * The order numbers of a result a person assigned to `patient`, for a device whose results belong to
 * orders: the analyzer's own ids never stand as order numbers (see orderNumbersAfter); when the specimen
 * still resolves to open orders of that patient, their numbers (and parts) are taken.
 */
export function assignedOrderNumbers(
  reading: Reading,
  patient: PatientRef,
  directory: PatientDirectory | undefined,
): { order: Reading['order']; parts?: OrderPart[] } {
  let match: PatientMatch = { patient, source: 'order', consumeBinding: false };
  try {
    const dir = directory ? new Lookup(directory) : undefined;
    const found = resolveOrder(reading, dir);
    const assigned = dir?.find(text(patient.mrn), patient.assigningAuthority);
    if (found.patient && dir && assigned && samePerson(dir, found.patient, assigned)) match = found;
  } catch {
    // The directory could not be read: the analyzer's ids are still stripped.
  }
  const order = orderNumbersAfter(reading.order, match);
  return match.parts ? { order, parts: match.parts } : { order };
}

function numbersOf(order: OrderEntry): { placer?: string; filler?: string } {
  const numbers: { placer?: string; filler?: string } = {};
  if (text(order.placer) !== '') numbers.placer = text(order.placer);
  if (text(order.filler) !== '') numbers.filler = text(order.filler);
  return numbers;
}

/**
 * Which open order (newest first) each observation answers: the newest whose tests name its LOINC or the
 * EHR's own code; one no order names (a panel ordered under one code) goes with the newest. `order` is
 * the one with most observations (ties: the newest), whose patient and visit the reading goes out under.
 */
function splitByOrder(reading: Reading, open: OrderEntry[]): { order: OrderEntry; parts: Array<{ order: OrderEntry; observations: number[] }> } {
  const newest = open[0] as OrderEntry;
  const byOrder = new Map<OrderEntry, number[]>();
  for (const [i, obs] of (reading.observations ?? []).entries()) {
    const codes = [obs.code.loinc, obs.code.local?.code].filter((c): c is string => c !== undefined);
    const answers = open.find((o) => o.tests.some((t) => codes.includes(t.code))) ?? newest;
    const list = byOrder.get(answers);
    if (list) list.push(i);
    else byOrder.set(answers, [i]);
  }
  const parts = [...byOrder].map(([order, observations]) => ({ order, observations }));
  let order = newest;
  let most = 0;
  for (const o of open) {
    const count = byOrder.get(o)?.length ?? 0;
    if (count > most) [order, most] = [o, count];
  }
  return { order, parts };
}

function patientHold(code: HoldCode, text: string): HoldReason {
  return holdReason('patient', code, text);
}

function hold(reason: HoldReason): PatientHold {
  // A copy: the table's reasons are shared, a stored reading's must not be.
  return { holdReason: { ...reason } };
}

function mismatch(who: 'reported' | 'bound', fields: string[], against: string): HoldReason {
  const verb = fields.length > 1 ? 'do' : 'does';
  return patientHold('patient-mismatch', `patient mismatch: the ${who} ${fields.join(' and ')} ${verb} not match ${against}`);
}

function withVisit(match: PatientMatch, visit: Visit | undefined): PatientMatch {
  if (visit && Object.keys(visit).length > 0) match.visit = { ...visit };
  return match;
}

function consumes(binding: DeviceBinding | undefined): boolean {
  // A binding without an end time covers exactly one reading: the next one.
  return binding !== undefined && binding.until === undefined;
}

/** The device's own patient, with a usable ID; undefined when it reported none. */
function reported(reading: Reading): PatientRef | undefined {
  return reading.subject ? cleanRef(reading.subject) : undefined;
}

function cleanRef(p: PatientRef | undefined): PatientRef | undefined {
  const mrn = text(p?.mrn);
  if (!p || mrn === '') return undefined;
  return { ...p, mrn };
}

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

function sameEntry(a: DirectoryEntry, b: DirectoryEntry): boolean {
  return sameId(a.patient, b.patient);
}

/** Does `ref` (an ID as someone gave it) name the directory's `entry`, merges followed? */
function samePerson(dir: Lookup, ref: PatientRef, entry: DirectoryEntry): boolean {
  const found = dir.find(text(ref.mrn), ref.assigningAuthority);
  return found !== undefined && sameEntry(found, entry);
}

/** Which demographics `given` supplies that disagree with `known`: 'name', 'birth date'. */
export function disagreements(given: PatientRef, known: PatientRef): Array<'name' | 'birth date'> {
  const out: Array<'name' | 'birth date'> = [];
  if (!sameName(given.family, known.family) || !sameName(given.given, known.given)) out.push('name');
  if (!sameBirthDate(given.dob, known.dob)) out.push('birth date');
  return out;
}

function sameName(a: unknown, b: unknown): boolean {
  const fa = foldName(a);
  const fb = foldName(b);
  return fa === '' || fb === '' || fa === fb;
}

function sameBirthDate(a: unknown, b: unknown): boolean {
  const da = typeof a === 'string' ? a.replace(/\D/g, '').slice(0, 8) : '';
  const db = typeof b === 'string' ? b.replace(/\D/g, '').slice(0, 8) : '';
  if (da === '' || db === '' || da === db) return true;
  // A device that knows only the year (or year and month) agrees with a full date that starts with it.
  const [short, long] = da.length < db.length ? [da, db] : [db, da];
  return (short.length === 4 || short.length === 6) && long.startsWith(short);
}

class DirectoryFailure extends Error {}

/** Merge-following, throw-catching access to the directory. */
class Lookup {
  constructor(private readonly dir: PatientDirectory) {}

  /** The entry the ID lives under now (merges followed); undefined when unknown or the chain is broken. */
  find(mrn: string, assigningAuthority: string | undefined): DirectoryEntry | undefined {
    if (mrn === '') return undefined;
    let entry = this.call(() => this.dir.byMrn(mrn, text(assigningAuthority) || undefined));
    // byMrn follows merges itself; this is the belt to its braces, bounded against a cycle.
    for (let hops = 0; entry?.mergedInto !== undefined && hops < 8; hops++) {
      const next = text(entry.mergedInto);
      if (next === '') return undefined;
      const authority = text(entry.patient?.assigningAuthority) || undefined;
      entry = this.call(() => this.dir.byMrn(next, authority));
    }
    if (!entry || entry.mergedInto !== undefined || text(entry.patient?.mrn) === '') return undefined;
    return entry;
  }

  visit(visitNumber: string): DirectoryEntry | undefined {
    const entry = this.call(() => this.dir.byVisit(visitNumber));
    if (!entry || text(entry.patient?.mrn) === '') return undefined;
    return entry.mergedInto !== undefined ? this.find(text(entry.patient.mrn), entry.patient.assigningAuthority) : entry;
  }

  /** Every order on the specimen, open ones first, then the newest. */
  orders(specimenId: string): OrderEntry[] {
    return this.call(() => this.dir.ordersBySpecimen(specimenId));
  }

  private call<T>(fn: () => T): T {
    try {
      return fn();
    } catch {
      throw new DirectoryFailure();
    }
  }
}
