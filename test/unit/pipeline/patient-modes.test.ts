// Every binding mode of the patient resolver, rule by rule, against an in-memory directory; then
// properties over random readings, bindings and directories. A reading in the wrong chart is the
// worst thing the gateway can do, so each rule is pinned with its exact hold reason.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HoldCode } from '../../../src/model/hold.ts';
import type { DeviceKind, PatientRef, Reading } from '../../../src/model/reading.ts';
import type { BindingMode, DirectoryEntry, OrderEntry, PatientDirectory } from '../../../src/patients/types.ts';
import { DirectoryIndex } from '../../../src/patients/directory-index.ts';
import { foldName, orderNumbersAfter, resolvePatient, type PatientPolicy, type PatientResolution, type ResolveInput } from '../../../src/pipeline/patient.ts';
import type { DeviceBinding } from '../../../src/store/types.ts';

const now = new Date('2026-11-27T10:00:00Z');
const iso = now.toISOString();
const inMinutes = (m: number): string => new Date(now.getTime() + m * 60_000).toISOString();

/** Keyed by MRN; byMrn follows merges like the real directory (or not, to check the resolver's own guard). */
class FakeDirectory implements PatientDirectory {
  readonly patients = new Map<string, DirectoryEntry>();
  readonly orders = new Map<string, OrderEntry>();
  constructor(private readonly opts: { followsMerges?: boolean; throws?: boolean } = {}) {}

  add(entry: DirectoryEntry): this {
    this.patients.set(entry.patient.mrn, entry);
    return this;
  }

  addOrder(specimenId: string, order: Omit<OrderEntry, 'specimenId' | 'tests' | 'updatedAt'>): this {
    this.orders.set(specimenId, { ...order, specimenId, tests: [], updatedAt: iso });
    return this;
  }

  byMrn(mrn: string, assigningAuthority?: string): DirectoryEntry | undefined {
    this.check();
    let e = this.patients.get(mrn);
    if (e && assigningAuthority && e.patient.assigningAuthority && e.patient.assigningAuthority !== assigningAuthority) return undefined;
    if (this.opts.followsMerges === false) return e;
    for (let i = 0; e?.mergedInto !== undefined && i < 20; i++) e = this.patients.get(e.mergedInto);
    return e;
  }

  byVisit(visitNumber: string): DirectoryEntry | undefined {
    this.check();
    for (const e of this.patients.values()) if (e.visit.visitNumber === visitNumber && e.mergedInto === undefined) return e;
    return undefined;
  }

  byNameAndBirthDate(): DirectoryEntry[] {
    this.check();
    return [];
  }

  orderBySpecimen(specimenId: string): OrderEntry | undefined {
    this.check();
    return this.orders.get(specimenId);
  }

  ordersBySpecimen(specimenId: string): OrderEntry[] {
    const one = this.orderBySpecimen(specimenId);
    return one ? [one] : [];
  }

  orderByNumber(n: string): OrderEntry | undefined {
    this.check();
    return [...this.orders.values()].find((o) => o.placer === n || o.filler === n);
  }

  private check(): void {
    if (this.opts.throws) throw new Error('directory store unreadable');
  }
}

const ALICE: PatientRef = { mrn: 'A1', assigningAuthority: 'HOSP', family: 'Müller', given: 'Anna-Lena', dob: '1980-02-14', sex: 'F' };
const BOB: PatientRef = { mrn: 'B2', assigningAuthority: 'HOSP', family: 'Sample', given: 'Bob', dob: '1975-06-30', sex: 'M' };
const CAROL: PatientRef = { mrn: 'C3', assigningAuthority: 'HOSP', family: 'Jones', given: 'Carol', dob: '1990-01-01' };
const ALICE_VISIT = { visitNumber: 'V1', patientClass: 'O', location: 'CLINIC^1^A', admittedAt: '2026-11-27T08:00:00Z' };
const BOB_VISIT = { visitNumber: 'V2', patientClass: 'I', location: 'WARD^3^7' };
const CAROL_VISIT = { visitNumber: 'V3', patientClass: 'O', admittedAt: '2026-11-26T08:00:00Z', dischargedAt: '2026-11-26T12:00:00Z' };

function directory(opts: { followsMerges?: boolean; throws?: boolean } = {}): FakeDirectory {
  return (
    new FakeDirectory(opts)
      .add({ patient: ALICE, visit: ALICE_VISIT, status: 'active', updatedAt: iso })
      .add({ patient: BOB, visit: BOB_VISIT, status: 'active', updatedAt: iso })
      .add({ patient: CAROL, visit: CAROL_VISIT, status: 'discharged', updatedAt: iso })
      // OLD7 was merged into A1 (A40); her wristband from before the merge still says OLD7.
      .add({
        patient: { mrn: 'OLD7', assigningAuthority: 'HOSP', family: 'Müller', given: 'Anna-Lena' },
        visit: {},
        status: 'active',
        updatedAt: iso,
        mergedInto: 'A1',
      })
      .add({ patient: { mrn: 'LOOP1' }, visit: {}, status: 'active', updatedAt: iso, mergedInto: 'LOOP2' })
      .add({ patient: { mrn: 'LOOP2' }, visit: {}, status: 'active', updatedAt: iso, mergedInto: 'LOOP1' })
      .add({ patient: { mrn: 'GONE' }, visit: {}, status: 'active', updatedAt: iso, mergedInto: 'NOWHERE' })
      .addOrder('S100', { placer: 'PL100', filler: 'FL100', mrn: 'A1', assigningAuthority: 'HOSP', visitNumber: 'V1', status: 'open' })
      .addOrder('S200', { placer: 'PL200', mrn: 'B2', status: 'cancelled' })
      .addOrder('S300', { placer: 'PL300', mrn: 'X9', status: 'open' })
      .addOrder('S400', { filler: 'FL400', mrn: 'OLD7', status: 'open' })
      .addOrder('S500', { placer: 'PL500', mrn: 'A1', visitNumber: 'V0', status: 'open' })
      .addOrder('S600', { placer: 'PL600', mrn: 'A1', visitNumber: 'V2', status: 'open' })
      .addOrder('S700', { mrn: 'B2', status: 'open' })
      .addOrder('S800', { mrn: 'C3', visitNumber: 'V3', status: 'open' })
  );
}

function reading(kind: DeviceKind, extra: Partial<Reading> = {}): Reading {
  return { id: 'R1', deviceId: 'dev-1', kind, observedAt: iso, receivedAt: iso, observations: [], raw: '', ...extra };
}

const nextReading = (patient: PatientRef): DeviceBinding => ({ patient, createdAt: iso });
const timed = (patient: PatientRef, minutes: number): DeviceBinding => ({ patient, createdAt: iso, until: inMinutes(minutes) });
const policy = (mode: BindingMode, verify: boolean): PatientPolicy => ({ mode, verify });

function resolve(input: Partial<ResolveInput> & { reading: Reading; policy: PatientPolicy }): PatientResolution {
  return resolvePatient({ now, ...input });
}

// Each patient hold's code, and the words its text starts with for the person who reads it.
const PATIENT_CODES: ReadonlyArray<readonly [HoldCode, string]> = [
  ['no-patient', 'no patient: '],
  ['unknown-patient-id', 'unknown patient ID: '],
  ['patient-mismatch', 'patient mismatch: '],
  ['no-order', 'no order: '],
];
function codeOf(text: string): HoldCode {
  const found = PATIENT_CODES.find(([, prefix]) => text.startsWith(prefix));
  if (!found) throw new Error(`no patient hold code for "${text}"`);
  return found[0];
}
const hold = (text: string): PatientResolution => ({ holdReason: { kind: 'patient', code: codeOf(text), text } });

describe('mode hold', () => {
  it('holds every reading, whatever the device reported and however it is bound', () => {
    const expected = hold('no patient: this device always waits for a person to assign its readings');
    for (const verify of [true, false]) {
      for (const kind of ['scale', 'lab', 'ekg'] as const) {
        expect(resolve({ reading: reading(kind), policy: policy('hold', verify) })).toEqual(expected);
        expect(
          resolve({ reading: reading(kind, { subject: ALICE }), policy: policy('hold', verify), binding: nextReading(ALICE), directory: directory() }),
        ).toEqual(expected);
        expect(resolve({ reading: reading(kind, { specimen: { id: 'S100' } }), policy: policy('hold', verify), directory: directory() })).toEqual(expected);
      }
    }
  });
});

describe('mode reported, verify false', () => {
  const p = policy('reported', false);

  it('sends the subject exactly as reported, without consulting the directory', () => {
    const subject = { mrn: 'ZZ9', family: 'Nobody', given: 'Known', dob: '2001-01-01' };
    expect(resolve({ reading: reading('lab', { subject }), policy: p })).toEqual({ patient: subject, source: 'reported', consumeBinding: false });
    // Known to the directory with other demographics: still as reported, and no visit added.
    const claimsAlice = { mrn: 'A1', family: 'Someone', given: 'Else' };
    const dir = directory();
    expect(resolve({ reading: reading('lab', { subject: claimsAlice }), policy: p, directory: dir })).toEqual({
      patient: claimsAlice,
      source: 'reported',
      consumeBinding: false,
    });
    // A merged-away ID is not followed either: the device's word is what goes out.
    expect(resolve({ reading: reading('ekg', { subject: { mrn: 'OLD7' } }), policy: p, directory: dir })).toEqual({
      patient: { mrn: 'OLD7' },
      source: 'reported',
      consumeBinding: false,
    });
  });

  it('does not consult the directory even when reading it would fail', () => {
    expect(resolve({ reading: reading('lab', { subject: { mrn: 'A1' } }), policy: p, directory: directory({ throws: true }) })).toMatchObject({
      source: 'reported',
    });
  });

  it('trims the reported ID', () => {
    expect(resolve({ reading: reading('lab', { subject: { mrn: '  A1 ' } }), policy: p })).toMatchObject({ patient: { mrn: 'A1' } });
  });

  it('holds a lab reading without an ID, never falling back to a binding', () => {
    for (const subject of [undefined, { mrn: '' }, { mrn: '   ' }]) {
      expect(resolve({ reading: reading('lab', { subject }), policy: p })).toEqual(hold('no patient: the analyzer sent no patient ID for this specimen'));
      expect(resolve({ reading: reading('lab', { subject }), policy: p, binding: nextReading(ALICE) })).toEqual(
        hold('no patient: the analyzer sent no patient ID for this specimen'),
      );
      expect(resolve({ reading: reading('lab', { subject }), policy: p, binding: timed(ALICE, 30) })).toEqual(
        hold('no patient: the analyzer sent no patient ID for this specimen'),
      );
    }
  });

  it('lets a non-lab reading without an ID take the active binding', () => {
    expect(resolve({ reading: reading('ekg'), policy: p, binding: nextReading(BOB) })).toEqual({ patient: BOB, source: 'binding', consumeBinding: true });
    expect(resolve({ reading: reading('vitals'), policy: p, binding: timed(BOB, 5) })).toEqual({ patient: BOB, source: 'binding', consumeBinding: false });
  });

  it('holds a non-lab reading without an ID when unbound or the binding expired', () => {
    expect(resolve({ reading: reading('ekg'), policy: p })).toEqual(hold('no patient: the device reported none and is not bound'));
    expect(resolve({ reading: reading('ekg', { subject: { mrn: '' } }), policy: p })).toEqual(hold('no patient: the device reported none and is not bound'));
    expect(resolve({ reading: reading('ekg'), policy: p, binding: timed(BOB, -1) })).toEqual(
      hold('no patient: the device reported none and its binding has expired'),
    );
  });

  it('holds when the device reports one patient and is bound to another', () => {
    expect(resolve({ reading: reading('ekg', { subject: { mrn: 'A1' } }), policy: p, binding: timed(BOB, 10) })).toEqual(
      hold('patient mismatch: the device reported a different patient than the one it is bound to'),
    );
    // Same number, different assigning authority: different patients.
    expect(resolve({ reading: reading('ekg', { subject: { mrn: 'A1', assigningAuthority: 'OTHER' } }), policy: p, binding: nextReading(ALICE) })).toEqual(
      hold('patient mismatch: the device reported a different patient than the one it is bound to'),
    );
  });

  it('holds when the reported name disagrees with the bound patient of the same ID', () => {
    expect(resolve({ reading: reading('ekg', { subject: { mrn: 'A1', family: 'Sample' } }), policy: p, binding: nextReading(ALICE) })).toEqual(
      hold('patient mismatch: the reported name does not match the bound patient'),
    );
  });

  it('consumes a next-reading binding that names the reported patient; an expired binding is ignored', () => {
    expect(resolve({ reading: reading('ekg', { subject: { mrn: 'A1' } }), policy: p, binding: nextReading(ALICE) })).toEqual({
      patient: { mrn: 'A1' },
      source: 'reported',
      consumeBinding: true,
    });
    expect(resolve({ reading: reading('ekg', { subject: { mrn: 'A1' } }), policy: p, binding: timed(ALICE, 10) })).toMatchObject({ consumeBinding: false });
    expect(resolve({ reading: reading('ekg', { subject: { mrn: 'A1' } }), policy: p, binding: timed(BOB, -10) })).toEqual({
      patient: { mrn: 'A1' },
      source: 'reported',
      consumeBinding: false,
    });
  });
});

describe('mode reported, verify true', () => {
  const p = policy('reported', true);

  it('sends the directory demographics and visit for a known ID', () => {
    const r = resolve({ reading: reading('lab', { subject: { mrn: 'A1' } }), policy: p, directory: directory() });
    expect(r).toEqual({ patient: ALICE, source: 'directory', consumeBinding: false, visit: ALICE_VISIT });
  });

  it('accepts reported demographics that agree except for case, accents and spacing', () => {
    const subject = { mrn: 'A1', family: 'MULLER', given: 'anna lena', dob: '19800214', sex: 'U' as const };
    expect(resolve({ reading: reading('lab', { subject }), policy: p, directory: directory() })).toEqual({
      patient: ALICE,
      source: 'directory',
      consumeBinding: false,
      visit: ALICE_VISIT,
    });
  });

  it('holds when the reported name disagrees with the directory', () => {
    const expected = hold('patient mismatch: the reported name does not match the directory');
    const dir = directory();
    expect(resolve({ reading: reading('lab', { subject: { mrn: 'A1', family: 'Sample' } }), policy: p, directory: dir })).toEqual(expected);
    expect(resolve({ reading: reading('lab', { subject: { mrn: 'A1', family: 'Müller', given: 'Bob' } }), policy: p, directory: dir })).toEqual(expected);
    expect(resolve({ reading: reading('lab', { subject: { mrn: 'A1', family: 'Miller' } }), policy: p, directory: dir })).toEqual(expected);
  });

  it('holds when the reported birth date disagrees with the directory', () => {
    expect(resolve({ reading: reading('lab', { subject: { mrn: 'A1', dob: '1980-02-15' } }), policy: p, directory: directory() })).toEqual(
      hold('patient mismatch: the reported birth date does not match the directory'),
    );
  });

  it('names both when name and birth date disagree', () => {
    expect(resolve({ reading: reading('lab', { subject: { mrn: 'A1', family: 'Sample', dob: '1975-06-30' } }), policy: p, directory: directory() })).toEqual(
      hold('patient mismatch: the reported name and birth date do not match the directory'),
    );
  });

  it('holds an ID the directory does not know, without quoting it', () => {
    const r = resolve({ reading: reading('lab', { subject: { mrn: 'X9' } }), policy: p, directory: directory() });
    expect(r).toEqual(hold('unknown patient ID: the reported patient ID is not in the directory'));
  });

  it('holds an ID known under another assigning authority', () => {
    expect(resolve({ reading: reading('lab', { subject: { mrn: 'A1', assigningAuthority: 'OTHER' } }), policy: p, directory: directory() })).toEqual(
      hold('unknown patient ID: the reported patient ID is not in the directory'),
    );
  });

  it('follows a merge to the survivor, whose demographics go out', () => {
    const expected = { patient: ALICE, source: 'directory', consumeBinding: false, visit: ALICE_VISIT };
    expect(resolve({ reading: reading('lab', { subject: { mrn: 'OLD7', family: 'Muller' } }), policy: p, directory: directory() })).toEqual(expected);
    // Even when the directory hands back the merged-away entry itself.
    expect(resolve({ reading: reading('lab', { subject: { mrn: 'OLD7' } }), policy: p, directory: directory({ followsMerges: false }) })).toEqual(expected);
  });

  it('holds an ID merged into nothing it knows, or into a cycle', () => {
    const unknown = hold('unknown patient ID: the reported patient ID is not in the directory');
    for (const followsMerges of [true, false]) {
      expect(resolve({ reading: reading('lab', { subject: { mrn: 'GONE' } }), policy: p, directory: directory({ followsMerges }) })).toEqual(unknown);
      expect(resolve({ reading: reading('lab', { subject: { mrn: 'LOOP1' } }), policy: p, directory: directory({ followsMerges }) })).toEqual(unknown);
    }
  });

  it('still matches a discharged patient the directory keeps, with the visit as recorded', () => {
    expect(resolve({ reading: reading('lab', { subject: { mrn: 'C3' } }), policy: p, directory: directory() })).toEqual({
      patient: CAROL,
      source: 'directory',
      consumeBinding: false,
      visit: CAROL_VISIT,
    });
  });

  it('holds when there is no directory to verify against', () => {
    expect(resolve({ reading: reading('lab', { subject: { mrn: 'A1' } }), policy: p })).toEqual(
      hold('unknown patient ID: no patient directory is available to verify the patient ID'),
    );
  });

  it('holds, never throws, when the directory cannot be read', () => {
    expect(resolve({ reading: reading('lab', { subject: { mrn: 'A1' } }), policy: p, directory: directory({ throws: true }) })).toEqual(
      hold('no patient: the patient directory could not be read'),
    );
  });

  it('holds a lab reading without an ID, binding or not', () => {
    expect(resolve({ reading: reading('lab'), policy: p, binding: nextReading(ALICE), directory: directory() })).toEqual(
      hold('no patient: the analyzer sent no patient ID for this specimen'),
    );
  });

  it('lets a non-lab reading without an ID take the binding, verified like any bound patient', () => {
    expect(resolve({ reading: reading('ekg'), policy: p, binding: nextReading({ mrn: 'B2' }), directory: directory() })).toEqual({
      patient: BOB,
      source: 'binding',
      consumeBinding: true,
      visit: BOB_VISIT,
    });
    expect(resolve({ reading: reading('ekg'), policy: p, binding: nextReading({ mrn: 'X9' }), directory: directory() })).toEqual(
      hold('unknown patient ID: the bound patient ID is not in the directory'),
    );
  });

  it('holds when the binding names another patient than the verified one, even via a merge', () => {
    const dir = directory();
    expect(resolve({ reading: reading('ekg', { subject: { mrn: 'A1' } }), policy: p, binding: timed(BOB, 10), directory: dir })).toEqual(
      hold('patient mismatch: the device reported a different patient than the one it is bound to'),
    );
    expect(resolve({ reading: reading('ekg', { subject: { mrn: 'A1' } }), policy: p, binding: timed({ mrn: 'X9' }, 10), directory: dir })).toEqual(
      hold('patient mismatch: the device reported a different patient than the one it is bound to'),
    );
    // The binding under the old ID and the wristband under the new one are the same person.
    expect(resolve({ reading: reading('ekg', { subject: { mrn: 'A1' } }), policy: p, binding: nextReading({ mrn: 'OLD7' }), directory: dir })).toEqual({
      patient: ALICE,
      source: 'directory',
      consumeBinding: true,
      visit: ALICE_VISIT,
    });
  });
});

describe('mode bind', () => {
  it('uses a next-reading binding once and a timed one until it ends', () => {
    const p = policy('bind', false);
    expect(resolve({ reading: reading('scale'), policy: p, binding: nextReading(BOB) })).toEqual({ patient: BOB, source: 'binding', consumeBinding: true });
    expect(resolve({ reading: reading('scale'), policy: p, binding: timed(BOB, 1) })).toEqual({ patient: BOB, source: 'binding', consumeBinding: false });
    expect(resolvePatient({ reading: reading('scale'), policy: p, binding: timed(BOB, 1), now: new Date(now.getTime() + 60_000) })).toEqual(
      hold('no patient: the device binding has expired'),
    );
  });

  it('holds when not bound', () => {
    for (const verify of [true, false]) {
      expect(resolve({ reading: reading('scale'), policy: policy('bind', verify), directory: directory() })).toEqual(
        hold('no patient: the device is not bound to a patient'),
      );
    }
  });

  it('holds a device-reported ID without a binding: in bind mode the device alone never decides', () => {
    expect(resolve({ reading: reading('scale', { subject: { mrn: 'A1' } }), policy: policy('bind', false) })).toEqual(
      hold('no patient: the device is not bound to a patient'),
    );
  });

  it('holds a binding that names no patient ID', () => {
    expect(resolve({ reading: reading('scale'), policy: policy('bind', false), binding: nextReading({ mrn: '  ' }) })).toEqual(
      hold('no patient: the device binding names no patient ID'),
    );
  });

  it('holds when the device reports the bound number under another assigning authority than the directory gives it', () => {
    // Found by the property below (seed -31815385): the binding names A1 without an authority, the
    // directory knows A1 at HOSP, the device reported A1 at OTHER: another namespace, maybe another person.
    const r = resolve({
      reading: reading('scale', { subject: { mrn: ' A1 ', assigningAuthority: 'OTHER' } }),
      policy: policy('bind', false),
      binding: nextReading({ mrn: 'A1' }),
      directory: directory(),
    });
    expect(r).toEqual({ holdReason: { kind: 'patient', code: 'patient-mismatch', text: expect.stringMatching(/^patient mismatch: /) } });
    // The same report under the directory's authority, or with none, goes out.
    for (const assigningAuthority of ['HOSP', undefined]) {
      const ok = resolve({
        reading: reading('scale', { subject: { mrn: 'A1', ...(assigningAuthority ? { assigningAuthority } : {}) } }),
        policy: policy('bind', false),
        binding: nextReading({ mrn: 'A1' }),
        directory: directory(),
      });
      expect(ok).toMatchObject({ patient: { mrn: 'A1', assigningAuthority: 'HOSP' }, source: 'binding' });
    }
  });

  it('fills in demographics and visit from the directory, following merges', () => {
    const dir = directory();
    for (const verify of [true, false]) {
      expect(resolve({ reading: reading('scale'), policy: policy('bind', verify), binding: nextReading({ mrn: 'A1' }), directory: dir })).toEqual({
        patient: ALICE,
        source: 'binding',
        consumeBinding: true,
        visit: ALICE_VISIT,
      });
      expect(resolve({ reading: reading('scale'), policy: policy('bind', verify), binding: timed({ mrn: 'OLD7' }, 5), directory: dir })).toEqual({
        patient: ALICE,
        source: 'binding',
        consumeBinding: false,
        visit: ALICE_VISIT,
      });
    }
  });

  it('holds a bound patient whose typed name or birth date disagrees with the directory', () => {
    const dir = directory();
    expect(
      resolve({ reading: reading('scale'), policy: policy('bind', false), binding: nextReading({ mrn: 'A1', family: 'Sample' }), directory: dir }),
    ).toEqual(hold('patient mismatch: the bound name does not match the directory'));
    expect(
      resolve({ reading: reading('scale'), policy: policy('bind', true), binding: nextReading({ mrn: 'A1', dob: '1980-12-14' }), directory: dir }),
    ).toEqual(hold('patient mismatch: the bound birth date does not match the directory'));
  });

  it('with verify, holds a bound ID the directory does not know (a mistyped MRN)', () => {
    expect(resolve({ reading: reading('scale'), policy: policy('bind', true), binding: nextReading({ mrn: 'A11' }), directory: directory() })).toEqual(
      hold('unknown patient ID: the bound patient ID is not in the directory'),
    );
    expect(resolve({ reading: reading('scale'), policy: policy('bind', true), binding: nextReading({ mrn: 'A1' }) })).toEqual(
      hold('unknown patient ID: no patient directory is available to verify the patient ID'),
    );
  });

  it('without verify, sends a bound ID the directory does not know as typed', () => {
    const typed = { mrn: 'NEW1', family: 'Walkin', given: 'Wanda' };
    expect(resolve({ reading: reading('scale'), policy: policy('bind', false), binding: nextReading(typed), directory: directory() })).toEqual({
      patient: typed,
      source: 'binding',
      consumeBinding: true,
    });
    expect(resolve({ reading: reading('scale'), policy: policy('bind', false), binding: nextReading(typed) })).toEqual({
      patient: typed,
      source: 'binding',
      consumeBinding: true,
    });
  });

  it('holds when the device reports a different patient than the binding', () => {
    const expected = hold('patient mismatch: the device reported a different patient than the one it is bound to');
    expect(resolve({ reading: reading('ekg', { subject: { mrn: 'B2' } }), policy: policy('bind', false), binding: nextReading(ALICE) })).toEqual(expected);
    expect(
      resolve({ reading: reading('ekg', { subject: { mrn: 'B2' } }), policy: policy('bind', true), binding: timed(ALICE, 10), directory: directory() }),
    ).toEqual(expected);
    expect(
      resolve({ reading: reading('ekg', { subject: { mrn: 'X9' } }), policy: policy('bind', true), binding: timed(ALICE, 10), directory: directory() }),
    ).toEqual(expected);
  });

  it('accepts a reported ID that names the bound patient, merges followed, and checks its demographics', () => {
    const dir = directory();
    expect(
      resolve({ reading: reading('ekg', { subject: { mrn: 'OLD7' } }), policy: policy('bind', true), binding: nextReading({ mrn: 'A1' }), directory: dir }),
    ).toEqual({
      patient: ALICE,
      source: 'binding',
      consumeBinding: true,
      visit: ALICE_VISIT,
    });
    expect(
      resolve({
        reading: reading('ekg', { subject: { mrn: 'A1', given: 'Bob' } }),
        policy: policy('bind', true),
        binding: nextReading({ mrn: 'A1' }),
        directory: dir,
      }),
    ).toEqual(hold('patient mismatch: the reported name does not match the directory'));
    expect(resolve({ reading: reading('ekg', { subject: { mrn: 'A1', given: 'Bob' } }), policy: policy('bind', false), binding: nextReading(ALICE) })).toEqual(
      hold('patient mismatch: the reported name does not match the bound patient'),
    );
  });

  it('binds a lab reading when the mode is explicitly bind', () => {
    expect(resolve({ reading: reading('lab'), policy: policy('bind', false), binding: nextReading(BOB) })).toEqual({
      patient: BOB,
      source: 'binding',
      consumeBinding: true,
    });
  });

  it('holds, never throws, when the directory cannot be read', () => {
    expect(resolve({ reading: reading('scale'), policy: policy('bind', false), binding: nextReading(ALICE), directory: directory({ throws: true }) })).toEqual(
      hold('no patient: the patient directory could not be read'),
    );
  });
});

describe('mode order', () => {
  const lab = (specimenId: string | undefined, extra: Partial<Reading> = {}): Reading =>
    reading('lab', { ...(specimenId === undefined ? {} : { specimen: { id: specimenId } }), ...extra });

  it("a result filed under an order carries that order's numbers only, never the analyzer's sample or rack id", () => {
    const fromAnalyzer = { placer: 'TUBE1', filler: 'R4-7', code: { system: '99MDG', code: 'CHEM' } };
    const match = (order?: { placer?: string; filler?: string }) => ({
      patient: ALICE,
      source: 'order' as const,
      consumeBinding: false,
      ...(order ? { order } : {}),
    });
    expect(orderNumbersAfter(fromAnalyzer, match({ placer: 'PL1', filler: 'FL1' }))).toEqual({ placer: 'PL1', filler: 'FL1', code: fromAnalyzer.code });
    // The EHR gave no filler number: none goes out (the ORU then names the specimen), not the rack id.
    expect(orderNumbersAfter(fromAnalyzer, match({ placer: 'PL1' }))).toEqual({ placer: 'PL1', code: fromAnalyzer.code });
    expect(orderNumbersAfter({ placer: 'TUBE1', filler: 'R4-7' }, match())).toBeUndefined();
    // Not filed by order: the device's numbers stand.
    expect(orderNumbersAfter(fromAnalyzer, { patient: ALICE, source: 'reported', consumeBinding: false })).toEqual(fromAnalyzer);
  });

  it('several open orders on one tube: each result carries the numbers of the order whose test it is', () => {
    const order = (placer: string, loinc: string, updatedAt: string, status: OrderEntry['status'] = 'open'): [string, OrderEntry] => [
      `P|${placer}`,
      { placer, specimenId: 'TUBE1', mrn: 'A1', tests: [{ system: 'LN', code: loinc }], status, updatedAt },
    ];
    const dir = new DirectoryIndex({
      entries: new Map([['A1', { patient: ALICE, visit: ALICE_VISIT, status: 'active', updatedAt: iso }]]),
      orders: new Map([
        order('PL-GLU', '2345-7', '2026-12-01T08:00:00Z'),
        order('PL-CREA', '2160-0', '2026-12-01T08:05:00Z'),
        order('PL-K', '2823-3', '2026-12-01T08:10:00Z', 'cancelled'),
      ]),
    });
    const result = (loinc: string) => lab('TUBE1', { observations: [{ code: { loinc, local: { system: '99MDG', code: 'X' } }, value: 1, status: 'F' }] });
    const numbers = (r: Reading) => {
      const m = resolve({ reading: r, policy: policy('order', true), directory: dir });
      return 'order' in m ? m.order : m;
    };
    expect(numbers(result('2345-7'))).toEqual({ placer: 'PL-GLU' });
    expect(numbers(result('2160-0'))).toEqual({ placer: 'PL-CREA' });
    // A test neither order names (a panel ordered under one code): the newest open order, as before.
    expect(numbers(result('2951-2'))).toEqual({ placer: 'PL-CREA' });
  });

  it('one reading answering several open orders on its tube is split by order: each observation under the numbers of the order whose test it is', () => {
    const dir = new DirectoryIndex({
      entries: new Map([['A1', { patient: ALICE, visit: ALICE_VISIT, status: 'active', updatedAt: iso }]]),
      orders: new Map([
        [
          'P|PL-D1',
          {
            placer: 'PL-D1',
            filler: 'FL-D1',
            specimenId: 'SPC-D1',
            mrn: 'A1',
            tests: [{ system: 'LN', code: '20454-5' }],
            status: 'open',
            updatedAt: '2026-12-01T08:00:00Z',
          },
        ],
        [
          'P|PL-D2',
          { placer: 'PL-D2', specimenId: 'SPC-D1', mrn: 'A1', tests: [{ system: 'L', code: 'PH' }], status: 'open', updatedAt: '2026-12-01T08:05:00Z' },
        ],
      ]),
    });
    const obs = (loinc: string, code: string) => ({ code: { loinc, local: { system: '99MDG', code } }, value: 1, status: 'F' as const });
    // Protein by LOINC, pH by the EHR's own code, and a value neither order names (it goes with the newest).
    const m = resolve({
      reading: lab('SPC-D1', { observations: [obs('20454-5', 'PRO'), obs('5803-2', 'PH'), obs('5811-5', 'SG')] }),
      policy: policy('order', true),
      directory: dir,
    });
    expect(m).toMatchObject({
      patient: ALICE,
      order: { placer: 'PL-D2' },
      parts: [
        { placer: 'PL-D1', filler: 'FL-D1', observations: [0] },
        { placer: 'PL-D2', observations: [1, 2] },
      ],
    });
    // All for one order: no parts, as with a single order.
    const one = resolve({ reading: lab('SPC-D1', { observations: [obs('20454-5', 'PRO')] }), policy: policy('order', true), directory: dir });
    expect(one).toMatchObject({ order: { placer: 'PL-D1', filler: 'FL-D1' } });
    expect(one).not.toHaveProperty('parts');
  });

  it('holds a result whose specimen has open orders for different patients, naming neither; a merged ID is the same patient', () => {
    const order = (placer: string, mrn: string, updatedAt: string): [string, OrderEntry] => [
      `P|${placer}`,
      { placer, specimenId: 'TUBE', mrn, tests: [{ system: 'LN', code: '2345-7' }], status: 'open', updatedAt },
    ];
    const entries = new Map<string, DirectoryEntry>([
      ['A1', { patient: ALICE, visit: ALICE_VISIT, status: 'active', updatedAt: iso }],
      ['B2', { patient: BOB, visit: BOB_VISIT, status: 'active', updatedAt: iso }],
      ['OLD7', { patient: { mrn: 'OLD7', family: 'Müller', given: 'Anna-Lena' }, visit: {}, status: 'active', updatedAt: iso, mergedInto: 'A1' }],
    ]);
    const result = lab('TUBE', { observations: [{ code: { loinc: '2345-7' }, value: 1, status: 'F' }] });
    for (const other of ['B2', 'X9']) {
      const dir = new DirectoryIndex({ entries, orders: new Map([order('PL-A', 'A1', '2026-12-01T08:00:00Z'), order('PL-B', other, '2026-12-01T08:05:00Z')]) });
      expect(resolve({ reading: result, policy: policy('order', true), directory: dir })).toEqual(
        hold('patient mismatch: this specimen is ordered for more than one patient'),
      );
    }
    const merged = new DirectoryIndex({
      entries,
      orders: new Map([order('PL-A', 'A1', '2026-12-01T08:00:00Z'), order('PL-O', 'OLD7', '2026-12-01T08:05:00Z')]),
    });
    expect(resolve({ reading: result, policy: policy('order', true), directory: merged })).toMatchObject({ patient: ALICE, order: { placer: 'PL-O' } });
  });

  it("sends the order's patient from the directory, with its visit and order numbers", () => {
    for (const verify of [true, false]) {
      expect(resolve({ reading: lab('S100'), policy: policy('order', verify), directory: directory() })).toEqual({
        patient: ALICE,
        source: 'order',
        consumeBinding: false,
        visit: ALICE_VISIT,
        order: { placer: 'PL100', filler: 'FL100' },
      });
    }
  });

  it('omits order numbers the order does not have', () => {
    expect(resolve({ reading: lab('S700'), policy: policy('order', true), directory: directory() })).toEqual({
      patient: BOB,
      source: 'order',
      consumeBinding: false,
      visit: BOB_VISIT,
    });
  });

  it('holds a reading without a specimen ID', () => {
    expect(resolve({ reading: lab(undefined), policy: policy('order', true), directory: directory() })).toEqual(
      hold('no order: the reading carries no specimen ID'),
    );
    expect(resolve({ reading: lab('  '), policy: policy('order', true), directory: directory() })).toEqual(
      hold('no order: the reading carries no specimen ID'),
    );
  });

  it('holds a specimen without an order, or with a cancelled one', () => {
    expect(resolve({ reading: lab('S999'), policy: policy('order', true), directory: directory() })).toEqual(hold('no order: no open order for this specimen'));
    expect(resolve({ reading: lab('S200'), policy: policy('order', true), directory: directory() })).toEqual(
      hold('no order: the order for this specimen was cancelled'),
    );
  });

  it('holds when there is no directory to look orders up in', () => {
    expect(resolve({ reading: lab('S100'), policy: policy('order', false) })).toEqual(hold('no order: no patient directory is available to look up orders'));
  });

  it("holds when the order's patient is not in the directory", () => {
    expect(resolve({ reading: lab('S300'), policy: policy('order', true), directory: directory() })).toEqual(
      hold("unknown patient ID: the order's patient is not in the directory"),
    );
  });

  it("follows a merge of the order's patient", () => {
    expect(resolve({ reading: lab('S400'), policy: policy('order', true), directory: directory() })).toEqual({
      patient: ALICE,
      source: 'order',
      consumeBinding: false,
      visit: ALICE_VISIT,
      order: { filler: 'FL400' },
    });
  });

  it('holds when the device reported a different patient than the order, or other demographics', () => {
    const dir = directory();
    expect(resolve({ reading: lab('S100', { subject: { mrn: 'B2' } }), policy: policy('order', true), directory: dir })).toEqual(
      hold("patient mismatch: the device reported a different patient than the order's"),
    );
    expect(resolve({ reading: lab('S100', { subject: { mrn: 'X9' } }), policy: policy('order', true), directory: dir })).toEqual(
      hold("patient mismatch: the device reported a different patient than the order's"),
    );
    expect(resolve({ reading: lab('S100', { subject: { mrn: 'A1', dob: '1980-02-15' } }), policy: policy('order', true), directory: dir })).toEqual(
      hold('patient mismatch: the reported birth date does not match the directory'),
    );
  });

  it('accepts a reported ID that names the order patient, merges followed', () => {
    expect(
      resolve({ reading: lab('S100', { subject: { mrn: 'OLD7', family: 'MÜLLER' } }), policy: policy('order', true), directory: directory() }),
    ).toMatchObject({ patient: ALICE, source: 'order' });
  });

  it('ignores device bindings and never consumes them', () => {
    expect(resolve({ reading: lab('S100'), policy: policy('order', true), binding: nextReading(BOB), directory: directory() })).toMatchObject({
      patient: ALICE,
      consumeBinding: false,
    });
    expect(resolve({ reading: lab(undefined), policy: policy('order', true), binding: nextReading(BOB), directory: directory() })).toEqual(
      hold('no order: the reading carries no specimen ID'),
    );
  });

  it('uses the visit the order names: the directory entry for it, or just its number', () => {
    const dir = directory();
    expect(resolve({ reading: lab('S500'), policy: policy('order', true), directory: dir })).toMatchObject({ patient: ALICE, visit: { visitNumber: 'V0' } });
    expect(resolve({ reading: lab('S500'), policy: policy('order', true), directory: dir })).not.toHaveProperty('visit.location');
    expect(resolve({ reading: lab('S800'), policy: policy('order', true), directory: dir })).toMatchObject({ patient: CAROL, visit: CAROL_VISIT });
  });

  it("holds when the order's visit belongs to a different patient", () => {
    expect(resolve({ reading: lab('S600'), policy: policy('order', true), directory: directory() })).toEqual(
      hold("patient mismatch: the order's visit belongs to a different patient"),
    );
  });

  it('holds, never throws, when the directory cannot be read', () => {
    expect(resolve({ reading: lab('S100'), policy: policy('order', true), directory: directory({ throws: true }) })).toEqual(
      hold('no patient: the patient directory could not be read'),
    );
  });
});

describe('robustness', () => {
  it('turns malformed input into a hold, never an exception', () => {
    const bad = { ...reading('lab'), subject: { mrn: 42 } } as unknown as Reading;
    expect(resolve({ reading: bad, policy: policy('reported', true), directory: directory() })).toEqual(
      hold('no patient: the analyzer sent no patient ID for this specimen'),
    );
    expect(resolve({ reading: null as unknown as Reading, policy: policy('reported', true), directory: directory() })).toEqual(
      hold('no patient: the patient could not be resolved (internal error)'),
    );
    expect(resolve({ reading: reading('scale'), policy: { mode: 'whatever' as BindingMode, verify: false }, binding: nextReading(ALICE) })).toEqual(
      hold('no patient: this device always waits for a person to assign its readings'),
    );
  });

  it('returns copies: changing the result does not change the directory or the binding', () => {
    const dir = directory();
    const r = resolve({ reading: reading('lab', { subject: { mrn: 'A1' } }), policy: policy('reported', true), directory: dir });
    if (!r.patient) throw new Error('expected a patient');
    r.patient.family = 'Changed';
    if (r.visit) r.visit.location = 'elsewhere';
    expect(dir.byMrn('A1')?.patient.family).toBe('Müller');
    expect(dir.byMrn('A1')?.visit.location).toBe('CLINIC^1^A');
  });
});

// ---- properties ----

const MRNS = ['A1', 'B2', 'C3', 'OLD7', 'LOOP1', 'GONE', 'X9', 'Q7QX'] as const;
const NAMES = ['Müller', 'MULLER', 'Sample', 'Jones', 'Zyxwv'] as const;
const DOBS = ['1980-02-14', '1975-06-30', '1980', '2001-01-01'] as const;
const SPECIMENS = ['S100', 'S200', 'S300', 'S400', 'S500', 'S600', 'S700', 'S800', 'S999'] as const;

const refArb = fc.record(
  {
    mrn: fc.oneof(fc.constantFrom(...MRNS), fc.constantFrom('', ' A1 ')),
    assigningAuthority: fc.constantFrom('HOSP', 'OTHER'),
    family: fc.constantFrom(...NAMES),
    given: fc.constantFrom('Anna-Lena', 'anna lena', 'Bob', 'Carol'),
    dob: fc.constantFrom(...DOBS),
  },
  { requiredKeys: ['mrn'] },
);

const inputArb = fc.record({
  kind: fc.constantFrom<DeviceKind>('scale', 'bp', 'ekg', 'lab', 'vitals', 'generic'),
  subject: fc.option(refArb, { nil: undefined }),
  specimen: fc.option(fc.constantFrom(...SPECIMENS), { nil: undefined }),
  mode: fc.constantFrom<BindingMode>('reported', 'bind', 'order', 'hold'),
  verify: fc.boolean(),
  binding: fc.option(fc.record({ patient: refArb, minutes: fc.option(fc.integer({ min: -60, max: 60 }), { nil: undefined }) }), { nil: undefined }),
  directory: fc.constantFrom('none', 'following', 'not-following', 'throwing'),
});

type Generated = typeof inputArb extends fc.Arbitrary<infer T> ? T : never;

function build(g: Generated): { input: ResolveInput; dir?: FakeDirectory } {
  const dir = g.directory === 'none' ? undefined : directory({ followsMerges: g.directory !== 'not-following', throws: g.directory === 'throwing' });
  const r = reading(g.kind, { ...(g.subject ? { subject: g.subject } : {}), ...(g.specimen ? { specimen: { id: g.specimen } } : {}) });
  const binding = g.binding ? (g.binding.minutes === undefined ? nextReading(g.binding.patient) : timed(g.binding.patient, g.binding.minutes)) : undefined;
  return { input: { reading: r, policy: policy(g.mode, g.verify), binding, directory: dir, now }, dir };
}

/** The survivor an ID names in the (non-throwing, merge-following) reference directory. */
const reference = directory();
function survivor(ref: PatientRef): string | undefined {
  const e = reference.byMrn(ref.mrn.trim(), ref.assigningAuthority);
  return e && e.mergedInto === undefined ? e.patient.mrn : undefined;
}

describe('properties', () => {
  it('never throws, and every hold is of kind patient with one of the four codes, its text agreeing, quoting no identifier or name', () => {
    fc.assert(
      fc.property(inputArb, (g) => {
        const r = resolvePatient(build(g).input);
        if (r.holdReason === undefined) return;
        expect(r.holdReason.kind).toBe('patient');
        expect(codeOf(r.holdReason.text)).toBe(r.holdReason.code);
        for (const secret of [...MRNS, ...NAMES, ...SPECIMENS, 'PL100', 'FL100', 'V1', 'HOSP']) expect(r.holdReason.text).not.toContain(secret);
      }),
      { numRuns: 2000 },
    );
  });

  it('with verify on, or in order mode, only a patient in the directory goes out (the survivor of a merge)', () => {
    fc.assert(
      fc.property(inputArb, (g) => {
        const r = resolvePatient(build(g).input);
        if (!r.patient || !(g.verify || g.mode === 'order')) return;
        const entry = reference.byMrn(r.patient.mrn, r.patient.assigningAuthority);
        expect(entry?.mergedInto).toBeUndefined();
        expect(entry?.patient).toEqual(r.patient);
      }),
      { numRuns: 2000 },
    );
  });

  it('never sends another patient than the one the device reported', () => {
    fc.assert(
      fc.property(inputArb, (g) => {
        const r = resolvePatient(build(g).input);
        const reported = g.subject?.mrn.trim() ? g.subject : undefined;
        if (!r.patient || !reported) return;
        const same =
          (r.patient.mrn === reported.mrn.trim() &&
            (r.patient.assigningAuthority ?? reported.assigningAuthority) === (reported.assigningAuthority ?? r.patient.assigningAuthority)) ||
          (survivor(reported) !== undefined && survivor(reported) === r.patient.mrn);
        expect(same).toBe(true);
        // Nor one whose name disagrees with what the device reported.
        for (const field of ['family', 'given'] as const) {
          if (reported[field] && r.patient[field]) expect(foldName(r.patient[field])).toBe(foldName(reported[field]));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('uses a binding only while active, only for the patient it names, and never for a lab reading outside bind mode', () => {
    fc.assert(
      fc.property(inputArb, (g) => {
        const { input } = build(g);
        const r = resolvePatient(input);
        if (g.mode === 'hold') expect(r.patient).toBeUndefined();
        if (!r.patient) return;
        if (r.source === 'binding') {
          expect(g.kind !== 'lab' || g.mode === 'bind').toBe(true);
          const b = input.binding;
          expect(b).toBeDefined();
          if (!b) return;
          expect(b.until === undefined || Date.parse(b.until) > now.getTime()).toBe(true);
          expect(r.patient.mrn === b.patient.mrn.trim() || survivor(b.patient) === r.patient.mrn).toBe(true);
        }
        if (r.consumeBinding) {
          expect(input.binding?.until).toBeUndefined();
          expect(input.binding).toBeDefined();
        }
        if (r.source === 'order') expect(g.mode).toBe('order');
        if (g.mode === 'order') expect(r.source).toBe('order');
      }),
      { numRuns: 2000 },
    );
  });
});
