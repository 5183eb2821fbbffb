// The one path a device report takes into durable storage: normalize, check plausibility, find the
// patient, then either hold the reading for a person or build its HL7 once per destination and queue it.
// Everything about one reading is written in one durable update, before anything acknowledges the device.
// What releases a held reading follows from its hold reasons' kinds (release.ts).

import type { Config, DestinationConfig, DeviceConfigT } from '../config/schema.ts';
import { adapterOf } from '../destinations/index.ts';
import { receivesPatients } from '../destinations/receives.ts';
import type { DeviceKind, PatientRef, Reading } from '../model/reading.ts';
import type { DeviceReport } from '../model/driver.ts';
import { holdLabel, holdReason, type HoldReason } from '../model/hold.ts';
import type { Logger } from '../model/logger.ts';
import { RequestError } from '../model/request-error.ts';
import { enqueue } from '../outbox/outbox.ts';
import type { StateStore } from '../store/state-store.ts';
import type { DeviceBinding, HistorySink, StateDoc, StoredReading } from '../store/types.ts';
import type { PatientDirectory } from '../patients/types.ts';
import { newId } from './ids.ts';
import { normalize, type UnmappedCode } from './normalize.ts';
import { assignedOrderNumbers, orderNumbersAfter, resolvePatient, type PatientPolicy } from './patient.ts';
import { checkPlausibility } from './plausibility.ts';
import { decideRelease, withLocalCodesOnly, type ReleaseConfirmations } from './release.ts';
import { checkCodes } from './code-check.ts';
import { declaredScales } from './code-map.ts';
import { snapshotReading } from '../store/snapshot.ts';
import { errorText } from '../model/error-text.ts';
import { heldControlMarker } from '../qc/held-control.ts';

export interface IntakeDevice {
  config: DeviceConfigT;
  /** How this device's readings find their patient (config `devices[].patient`, with defaults). */
  policy: PatientPolicy;
  kind: DeviceKind;
}

export interface IntakeOptions {
  store: StateStore;
  /** The EHR's patients and orders (inbound feed), when one is configured. */
  directory?: PatientDirectory;
  history: HistorySink;
  config: Pick<Config, 'gateway' | 'destinations'>;
  log: Logger;
  now?: () => Date;
  /** A destination has something new to send. */
  onQueued(destinationId: string): void;
  /** A reading was stored or changed. */
  onReading?(stored: StoredReading): void;
  /** Holds for a test whose quality control failed on this device and is not reviewed yet (src/qc/). */
  qcHolds?(deviceId: string, reading: Reading): HoldReason[];
}

/** A held reading a person released: what they overrode, and which observations went out under their local code only. */
export interface Released {
  stored: StoredReading;
  /** The hold reasons the reading had. */
  settled: HoldReason[];
  /** Those a confirmation overrode (kinds value, code and qc). */
  overridden: HoldReason[];
  localCodeOnly: number[];
}

export class Intake {
  readonly #now: () => Date;
  readonly #devices = new Map<string, IntakeDevice>();
  /** Per device: local code -> specimen ('' when unknown) -> how often it went out without a standard code. */
  readonly #unmapped = new Map<string, Map<string, Map<string, number>>>();

  constructor(private readonly opts: IntakeOptions) {
    this.#now = opts.now ?? (() => new Date());
  }

  setDevice(device: IntakeDevice): void {
    this.#devices.set(device.config.id, device);
  }

  removeDevice(id: string): void {
    this.#devices.delete(id);
  }

  /** The device's codes that went out without a standard code, with how often: a to-do list for its codeMap. */
  unmappedCodes(deviceId: string): Record<string, number> {
    return Object.fromEntries(
      [...(this.#unmapped.get(deviceId) ?? [])].map(([code, bySpecimen]) => [code, [...bySpecimen.values()].reduce((a, b) => a + b, 0)]),
    );
  }

  /** For each unmapped code, the specimen types it arrived with (a mapping may be added per specimen). */
  unmappedSpecimens(deviceId: string): Record<string, string[]> {
    return Object.fromEntries([...(this.#unmapped.get(deviceId) ?? [])].map(([code, bySpecimen]) => [code, [...bySpecimen.keys()].filter((s) => s !== '')]));
  }

  #countUnmapped(deviceId: string, codes: UnmappedCode[]): void {
    if (codes.length === 0) return;
    let counts = this.#unmapped.get(deviceId);
    if (!counts) this.#unmapped.set(deviceId, (counts = new Map()));
    for (const { code, specimen = '' } of codes) {
      let bySpecimen = counts.get(code);
      if (!bySpecimen) counts.set(code, (bySpecimen = new Map()));
      if (!bySpecimen.has(specimen)) {
        this.opts.log.warn(
          { device: deviceId, code, specimen: specimen || undefined },
          'test code has no mapping for this specimen: it goes out as a local code only (add it to the device codeMap)',
        );
      }
      bySpecimen.set(specimen, (bySpecimen.get(specimen) ?? 0) + 1);
    }
  }

  async accept(deviceId: string, report: DeviceReport): Promise<StoredReading> {
    const device = this.#devices.get(deviceId);
    if (!device) throw new RequestError(404, `no device "${deviceId}"`);
    const now = this.#now();
    const { reading, problems, unmapped } = normalize(report, {
      deviceId,
      kind: device.kind,
      equipment: equipmentOf(device.config),
      receivedAt: now,
      id: newId(now),
      codeMap: device.config.codeMap,
      specimenType: device.config.lab?.specimenType,
    });
    this.#countUnmapped(deviceId, unmapped);
    const reasons = [
      ...problems,
      ...checkPlausibility(reading),
      ...checkCodes(reading, declaredScales(device.config.codeMap)),
      ...(this.opts.qcHolds?.(deviceId, reading) ?? []),
    ];
    const queuedTo: string[] = [];
    let consumed: DeviceBinding | undefined;
    let stored: StoredReading;
    try {
      stored = await this.opts.store.update((doc) => {
        const resolution = resolvePatient({ reading, policy: device.policy, binding: doc.bindings[deviceId], directory: this.opts.directory, now });
        const entry: StoredReading = { reading, status: 'held', holdReasons: [...reasons], updatedAt: now.toISOString() };
        if (resolution.patient) {
          entry.patient = resolution.patient;
          entry.patientSource = resolution.source;
          if (resolution.visit) entry.visit = resolution.visit;
          // The EHR's own order numbers, so the result lands on its order (OBR-2/3).
          const numbers = orderNumbersAfter(reading.order, resolution);
          if (numbers) reading.order = numbers;
          else delete reading.order;
          // Results for several of the patient's orders on this tube: each goes out under its own order's numbers.
          if (resolution.parts) reading.orderParts = resolution.parts;
          if (resolution.consumeBinding) {
            consumed = doc.bindings[deviceId];
            delete doc.bindings[deviceId];
          }
        } else {
          entry.holdReasons.push(resolution.holdReason);
        }
        doc.readings[reading.id] = entry;
        if (entry.holdReasons.length === 0) queuedTo.push(...this.#release(doc, entry, now));
        return snapshotReading(entry);
      });
    } catch (err) {
      // The device is told "not stored" and will send again; the copy still in memory must not go out too.
      this.#forget(reading.id, deviceId, consumed);
      throw err;
    }
    this.#announce(stored, queuedTo);
    return stored;
  }

  #forget(readingId: string, deviceId: string, consumed: DeviceBinding | undefined): void {
    this.opts.store
      .update((doc) => {
        for (const id of doc.readings[readingId]?.messageIds ?? []) delete doc.messages[id];
        delete doc.readings[readingId];
        if (consumed && !doc.bindings[deviceId]) doc.bindings[deviceId] = consumed;
      })
      .catch(() => undefined); // applied in memory at once; the next write that succeeds carries it
  }

  /** A person names the patient of a held reading; it goes out once its other holds are confirmed too. */
  assign(readingId: string, patient: PatientRef, confirm: ReleaseConfirmations = {}): Promise<Released> {
    return this.#settle(readingId, patient, confirm);
  }

  /** A held reading that has its patient goes out once the confirmations its holds need are given. */
  release(readingId: string, confirm: ReleaseConfirmations = {}): Promise<Released> {
    return this.#settle(readingId, undefined, confirm);
  }

  async #settle(readingId: string, patient: PatientRef | undefined, confirm: ReleaseConfirmations): Promise<Released> {
    const newQc = await this.#recheck(readingId);
    // A confirmation is of the holds the person saw: a QC failure found just now was not among them.
    if (newQc.length > 0 && confirm.acceptQcFailure === true) {
      const tests = newQc.map((h) => h.text).join('; ');
      throw new RequestError(
        409,
        `reading "${readingId}" is held now for ${tests}, which came after it was shown: look at it again before confirming acceptQcFailure`,
      );
    }
    const now = this.#now();
    const queuedTo: string[] = [];
    const released = await this.opts.store.update((doc): Released => {
      const entry = doc.readings[readingId];
      if (!entry) throw new RequestError(404, `no reading "${readingId}" waiting in the gateway`);
      if (entry.status !== 'held') throw new RequestError(409, `reading "${readingId}" is ${entry.status}, not held`);
      const control = heldControlMarker(entry.reading, this.#devices.get(entry.reading.deviceId)?.config.qc);
      if (control !== undefined) {
        throw new RequestError(409, `reading "${readingId}" is a control (QC) result (${control}), never a patient's: discard it`);
      }
      const decision = decideRelease({
        holdReasons: entry.holdReasons,
        observations: entry.reading.observations,
        patient: patient ? 'assigned' : entry.patient ? 'kept' : 'none',
        confirm,
      });
      if (!decision.ok) throw new RequestError(409, `reading "${readingId}" is ${decision.message}`);
      const settled = entry.holdReasons;
      if (patient) {
        entry.patient = patient;
        entry.patientSource = 'assigned';
        const known = this.opts.directory?.byMrn(patient.mrn, patient.assigningAuthority);
        if (known) entry.visit = known.visit;
      }
      // Never under the code found not to fit: what goes out (and what is kept) carries the analyzer's code only.
      entry.reading = withLocalCodesOnly(entry.reading, decision.localCodeOnly);
      if (patient && this.#devices.get(entry.reading.deviceId)?.policy.mode === 'order') this.#fileUnderOrder(entry, patient);
      entry.holdReasons = [];
      entry.updatedAt = now.toISOString();
      queuedTo.push(...this.#release(doc, entry, now));
      return { stored: snapshotReading(entry), settled, overridden: decision.overridden, localCodeOnly: decision.localCodeOnly };
    });
    this.#announce(released.stored, queuedTo);
    return released;
  }

  /**
   * A result of an order-mode device a person assigned: the analyzer's sample and rack ids are not order
   * numbers (orderNumbersAfter); the EHR's are taken when the specimen is on an open order of that patient.
   */
  #fileUnderOrder(entry: StoredReading, patient: PatientRef): void {
    const { order, parts } = assignedOrderNumbers(entry.reading, patient, this.opts.directory);
    const reading = { ...entry.reading };
    if (order) reading.order = order;
    else delete reading.order;
    if (parts) reading.orderParts = parts;
    else delete reading.orderParts;
    entry.reading = reading;
  }

  /**
   * A reading held before its codes were checked (stored by an older version, or held only for its
   * patient) is checked again before it may go out, with the device's code map as it is now: it is
   * never released under a code that does not fit. Likewise a QC rejection raised while it waited
   * holds it as it would a reading arriving now (a release then needs acceptQcFailure). A new hold is
   * stored, so the page shows it; resolves with the new qc holds.
   */
  async #recheck(readingId: string): Promise<HoldReason[]> {
    const entry = this.opts.store.data.readings[readingId];
    if (entry?.status !== 'held') return [];
    const { reading } = entry;
    const codeMap = this.#devices.get(reading.deviceId)?.config.codeMap;
    const missing = [
      ...unheld(entry.holdReasons, 'code', checkCodes(reading, declaredScales(codeMap))),
      ...unheld(entry.holdReasons, 'qc', this.opts.qcHolds?.(reading.deviceId, reading) ?? []),
    ];
    if (missing.length === 0) return [];
    return this.opts.store.update((doc) => {
      const held = doc.readings[readingId];
      if (held?.status !== 'held') return [];
      const qc = unheld(held.holdReasons, 'qc', missing);
      held.holdReasons.push(...unheld(held.holdReasons, 'code', missing), ...qc);
      return qc;
    });
  }

  /**
   * Removes the hold reasons `drop` picks from a held reading (a reviewed QC rejection's, once its
   * test's QC is settled) and adds `add` (another test's QC failed meanwhile), in one update; resolves
   * with what remains, undefined when it is not held. What is left still needs its own release; a
   * reading with nothing left goes out.
   */
  async dropHolds(
    readingId: string,
    drop: (hold: HoldReason, reading: Reading) => boolean,
    add: readonly HoldReason[] = [],
  ): Promise<StoredReading | undefined> {
    const now = this.#now();
    const queuedTo: string[] = [];
    const left = await this.opts.store.update((doc) => {
      const entry = doc.readings[readingId];
      if (entry?.status !== 'held') return undefined;
      const kept = entry.holdReasons.filter((h) => !drop(h, entry.reading));
      const keep = [...kept, ...unheld(kept, 'qc', add)];
      if (keep.length === entry.holdReasons.length && kept.length === keep.length) return snapshotReading(entry);
      entry.holdReasons = keep;
      entry.updatedAt = now.toISOString();
      // Nothing left to wait for (two reviews lifting their holds from one reading at once): it goes out, as each asked.
      if (keep.length === 0) queuedTo.push(...this.#release(doc, entry, now));
      return snapshotReading(entry);
    });
    if (left && queuedTo.length > 0) this.#announce(left, queuedTo);
    else if (left) this.opts.onReading?.(left);
    return left;
  }

  async discard(readingId: string, reason: string, by?: string): Promise<StoredReading> {
    const now = this.#now();
    // Check and mark in one step, so an assignment racing with this cannot send what is recorded as discarded.
    const discarded = await this.opts.store.update((doc) => {
      const entry = doc.readings[readingId];
      if (!entry) throw new RequestError(404, `no reading "${readingId}" waiting in the gateway`);
      if (entry.status !== 'held') throw new RequestError(409, `reading "${readingId}" is ${entry.status}; only held readings can be discarded`);
      entry.status = 'discarded';
      entry.discard = by === undefined ? { reason, at: now.toISOString() } : { reason, by, at: now.toISOString() };
      entry.updatedAt = now.toISOString();
      return snapshotReading(entry);
    });
    // History first: a crash between the two leaves a copy in both, never in neither.
    await this.opts.history.append([{ at: now.toISOString(), reading: discarded, messages: [] }]);
    await this.opts.store.update((doc) => {
      if (doc.readings[readingId]?.status === 'discarded') delete doc.readings[readingId];
    });
    this.opts.onReading?.(discarded);
    return discarded;
  }

  async bind(deviceId: string, patient: PatientRef, minutes?: number): Promise<DeviceBinding> {
    if (!this.#devices.has(deviceId)) throw new RequestError(404, `no device "${deviceId}"`);
    const now = this.#now();
    const binding: DeviceBinding = { patient, createdAt: now.toISOString() };
    if (minutes !== undefined) binding.until = new Date(now.getTime() + minutes * 60_000).toISOString();
    await this.opts.store.update((doc) => {
      doc.bindings[deviceId] = binding;
    });
    return binding;
  }

  async unbind(deviceId: string): Promise<boolean> {
    return this.opts.store.update((doc) => {
      const had = deviceId in doc.bindings;
      delete doc.bindings[deviceId];
      return had;
    });
  }

  /** Builds the message once per destination (its adapter's encode) and queues it; the bytes never change afterwards. */
  #release(doc: StateDoc, entry: StoredReading, now: Date): string[] {
    const patient = entry.patient;
    if (!patient) return [];
    // A LIS configured for QC only (`receives: ['qc']`) never gets a patient's result.
    const destinations = this.opts.config.destinations.filter(receivesPatients);
    if (destinations.length === 0) {
      const why = this.opts.config.destinations.length === 0 ? 'no destination configured' : 'no destination receives patient results';
      entry.holdReasons.push(holdReason('delivery', 'no-destination', why));
      return [];
    }
    let built: Array<{ destinationId: string; controlId: string; body: string }>;
    try {
      built = destinations.map((dest) => {
        const controlId = newId(now);
        return { destinationId: dest.id, controlId, body: this.#encode(entry, patient, dest, controlId, now) };
      });
    } catch (err) {
      // Only values no device should send get here (a non-finite number, an impossible date).
      entry.holdReasons.push(holdReason('delivery', 'encode-failed', `the message for a destination could not be built: ${errorText(err)}`));
      return [];
    }
    for (const b of built) enqueue(doc, { destinationId: b.destinationId, controlId: b.controlId, body: b.body, readingId: entry.reading.id, now });
    entry.status = 'queued';
    return built.map((b) => b.destinationId);
  }

  #encode(entry: StoredReading, patient: PatientRef, dest: DestinationConfig, controlId: string, now: Date): string {
    const device = this.#devices.get(entry.reading.deviceId)?.config;
    const gateway = this.opts.config.gateway ?? {};
    return adapterOf(dest).encode(entry.reading, {
      destination: dest,
      controlId,
      now,
      gateway,
      patient: withAuthority(patient, gateway.assigningAuthority),
      visit: entry.visit,
      device,
      // One local coding system for every message (a device's lab setting overrides the gateway's).
      // Unset: an analyzer's codes keep their own table 0396 local name (L), the gateway's own get 99MDG.
      localCodeSystem: device?.lab?.localCodeSystem ?? gateway.localCodeSystem,
    }).body;
  }

  #announce(stored: StoredReading, queuedTo: string[]): void {
    const r = stored.reading;
    if (stored.status === 'held') {
      // Kind and code only: a reason's text may quote a value.
      this.opts.log.warn({ reading: r.id, device: r.deviceId, reasons: stored.holdReasons.map(holdLabel) }, 'reading held for review');
    } else {
      // At debug: the info line a reading gets is its delivery ('forwarded to EHR'), one per reading.
      this.opts.log.debug({ reading: r.id, device: r.deviceId, observations: r.observations.length, to: queuedTo }, 'reading queued');
    }
    this.opts.log.debug({ reading: r.id, patient: stored.patient, observations: r.observations, holdReasons: stored.holdReasons }, 'reading detail');
    for (const id of queuedTo) this.opts.onQueued(id);
    this.opts.onReading?.(stored);
  }
}

/** The reasons of `kind` among `found` that `had` lacks (the same kind on the same observations). */
function unheld(had: readonly HoldReason[], kind: HoldReason['kind'], found: readonly HoldReason[]): HoldReason[] {
  // By code too: a result kept held after a review (qc-reviewed) is held anew by the test's next failure (qc-failed).
  const key = (r: HoldReason) => `${r.code}\u0000${JSON.stringify(r.observations ?? [])}`;
  const known = new Set(had.filter((r) => r.kind === kind).map(key));
  return found.filter((r) => r.kind === kind && !known.has(key(r)));
}

function equipmentOf(device: DeviceConfigT): string | undefined {
  const e = device.equipment;
  if (!e) return undefined;
  return [e.model, e.serialNumber].filter(Boolean).join(' ') || undefined;
}

function withAuthority(patient: PatientRef, authority: string | undefined): PatientRef {
  return patient.assigningAuthority || !authority ? patient : Object.assign({}, patient, { assigningAuthority: authority });
}
