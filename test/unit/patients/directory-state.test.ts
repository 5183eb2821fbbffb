import { describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../../src/inbound/events.ts';
import { parseInbound } from '../../../src/inbound/parse.ts';
import { apply, emptyDirectory, fromDoc, prune, resolveEntry, toDoc, type DirectoryState } from '../../../src/patients/directory-state.ts';
import { a01, a03, a04, a08, a11, a40, oml, ormCancel, ormNew } from '../inbound/fixtures.ts';

const T0 = new Date('2025-01-14T15:00:00Z');
const hours = (h: number): Date => new Date(T0.getTime() + h * 3_600_000);

function ev(text: string): InboundEvent {
  const r = parseInbound(text);
  if (!r.ok) throw new Error(`fixture rejected: ${r.reason}`);
  return r.event;
}

function run(...steps: Array<[string, Date?]>): DirectoryState {
  let s = emptyDirectory();
  for (const [text, at] of steps) s = apply(s, ev(text), at ?? T0);
  return s;
}

describe('apply: ADT', () => {
  it('an admit creates an active entry with the visit', () => {
    const s = run([a01()]);
    expect(s.entries.get('MRN1001')).toEqual({
      patient: { mrn: 'MRN1001', assigningAuthority: 'CLINIC_A', family: 'DOE', given: 'JANE', dob: '1980-01-02', sex: 'F' },
      visit: { patientClass: 'I', location: '3W^301^B^CLINIC_A', visitNumber: 'V5001', admittedAt: '2025-01-14T09:00:00.000-05:00' },
      status: 'active',
      updatedAt: T0.toISOString(),
    });
  });

  it('does not change the state it is given', () => {
    const before = run([a01()]);
    const snapshot = JSON.stringify(toDoc(before));
    apply(before, ev(a03()), hours(1));
    expect(JSON.stringify(toDoc(before))).toBe(snapshot);
  });

  it('an update changes demographics and the same visit, keeping what it does not mention', () => {
    const e = run([a01()], [a08(), hours(1)]).entries.get('MRN1001')!;
    expect(e.patient).toMatchObject({ family: 'SMITH-DOE', given: 'JANE', dob: '1980-01-02' });
    expect(e.visit).toMatchObject({ visitNumber: 'V5001', location: '3W^302^A^CLINIC_A', admittedAt: '2025-01-14T09:00:00.000-05:00' });
    expect(e.status).toBe('active');
  });

  it('an update for an unknown patient with a visit creates it (a missed admit); without one it changes nothing', () => {
    expect(run([a08()]).entries.get('MRN1001')?.status).toBe('active');
    const s0 = emptyDirectory();
    const noVisit: InboundEvent = { kind: 'update', patient: { mrn: 'X1', family: 'A' } };
    expect(apply(s0, noVisit, T0)).toBe(s0);
  });

  it('a discharge marks the entry discharged with the time sent, or the time received', () => {
    const e = run([a01()], [a03(), hours(20)]).entries.get('MRN1001')!;
    expect(e.status).toBe('discharged');
    expect(e.visit.dischargedAt).toBe('2025-01-15T11:55:00.000-05:00');
    const noTime: InboundEvent = { kind: 'discharge', patient: { mrn: 'MRN1001' }, visit: {} };
    const e2 = apply(run([a01()]), noTime, hours(2)).entries.get('MRN1001')!;
    expect(e2.visit.dischargedAt).toBe(hours(2).toISOString());
  });

  it('a discharge of another visit does not end the current one', () => {
    const e = run([a01()], [a03('D1', 'MRN1001', 'V-OLD'), hours(1)]).entries.get('MRN1001')!;
    expect(e.status).toBe('active');
    expect(e.visit.visitNumber).toBe('V5001');
  });

  it('a re-admit of a discharged patient is active again with the new visit', () => {
    const e = run([a01()], [a03(), hours(20)], [a01('A2', 'MRN1001', 'V5002'), hours(30)]).entries.get('MRN1001')!;
    expect(e.status).toBe('active');
    expect(e.visit.visitNumber).toBe('V5002');
    expect(e.visit.dischargedAt).toBeUndefined();
    expect(e.previous).toMatchObject({ status: 'discharged', visit: { visitNumber: 'V5001' } });
  });

  it('the same admit twice (a resend) is one visit', () => {
    const s = run([a01()], [a01(), hours(1)]);
    expect(s.entries.size).toBe(1);
    expect(s.entries.get('MRN1001')!.previous).toBeUndefined();
  });

  it('a cancel admit removes an entry that came only from that admit', () => {
    const s = run([a04()], [a11(), hours(1)]);
    expect(s.entries.has('MRN2002')).toBe(false);
  });

  it('a cancel admit of a re-admit puts the previous (discharged) visit back', () => {
    const s = run([a01()], [a03(), hours(20)], [a01('A2', 'MRN1001', 'V5002'), hours(30)], [a11('C1', 'MRN1001', 'V5002'), hours(31)]);
    const e = s.entries.get('MRN1001')!;
    expect(e.status).toBe('discharged');
    expect(e.visit.visitNumber).toBe('V5001');
    expect(e.previous).toBeUndefined();
  });

  it('a cancel admit of another visit, or of an unknown patient, changes nothing', () => {
    const s = run([a04()]);
    expect(apply(s, ev(a11('C1', 'MRN2002', 'V-OTHER')), hours(1))).toBe(s);
    expect(apply(s, ev(a11('C2', 'NOBODY', 'V6002')), hours(1))).toBe(s);
  });
});

describe('apply: merge (A40)', () => {
  it('moves the prior entry into a survivor that had none, and leaves a forwarding address without a visit', () => {
    const s = run([a01('A1', 'MRN3003', 'V9')], [a40(), hours(1)]);
    const survivor = s.entries.get('MRN1001')!;
    expect(survivor).toMatchObject({ status: 'active', visit: { visitNumber: 'V9' }, patient: { mrn: 'MRN1001', family: 'SMITH-DOE' } });
    expect(survivor.mergedInto).toBeUndefined();
    const prior = s.entries.get('MRN3003')!;
    expect(prior.mergedInto).toBe('MRN1001');
    expect(prior.visit).toEqual({});
    expect(resolveEntry(s.entries, 'MRN3003')).toBe(survivor);
  });

  it('keeps the survivor visit when both are active; takes the prior one when only it is active', () => {
    const both = run([a01()], [a01('A2', 'MRN3003', 'V9')], [a40(), hours(1)]);
    expect(both.entries.get('MRN1001')!.visit.visitNumber).toBe('V5001');
    const onlyPrior = run([a01()], [a03(), hours(1)], [a01('A2', 'MRN3003', 'V9'), hours(2)], [a40(), hours(3)]);
    expect(onlyPrior.entries.get('MRN1001')).toMatchObject({ status: 'active', visit: { visitNumber: 'V9' } });
  });

  it('moves the orders of the prior MRN to the survivor', () => {
    const s = run([ormNew('O1', 'MRN3003')], [a40(), hours(1)]);
    const order = [...s.orders.values()][0]!;
    expect(order.mrn).toBe('MRN1001');
    expect(order.patient?.mrn).toBe('MRN1001');
  });

  it('follows chains (A->B, then B->C) and never loops when the EHR merges back (C->A)', () => {
    const merge = (survivor: string, prior: string): InboundEvent => ({ kind: 'merge', merges: [{ survivor: { mrn: survivor }, prior: [{ mrn: prior }] }] });
    let s = run([a01('A1', 'A', 'V1')]);
    s = apply(s, merge('B', 'A'), hours(1));
    s = apply(s, merge('C', 'B'), hours(2));
    expect(resolveEntry(s.entries, 'A')?.patient.mrn).toBe('C');
    expect(s.entries.get('A')!.mergedInto).toBe('C'); // the chain was shortened
    s = apply(s, merge('A', 'C'), hours(3));
    expect(resolveEntry(s.entries, 'C')?.patient.mrn).toBe('A');
    expect(resolveEntry(s.entries, 'B')?.patient.mrn).toBe('A');
    expect(resolveEntry(s.entries, 'A')?.mergedInto).toBeUndefined();
    // A merge into a survivor that only exists as a forwarding address cannot close a loop either.
    s = apply(s, merge('Z', 'Y'), hours(4));
    s = apply(s, merge('Y', 'Z'), hours(5));
    expect(resolveEntry(s.entries, 'Y')).toBeUndefined();
    expect(resolveEntry(s.entries, 'Z')).toBeUndefined();
  });

  it('resolves a hand-made loop to nothing instead of spinning', () => {
    const loop: DirectoryState = {
      entries: new Map([
        ['P', { patient: { mrn: 'P' }, visit: {}, status: 'active', updatedAt: T0.toISOString(), mergedInto: 'Q' }],
        ['Q', { patient: { mrn: 'Q' }, visit: {}, status: 'active', updatedAt: T0.toISOString(), mergedInto: 'P' }],
      ]),
      orders: new Map(),
    };
    expect(resolveEntry(loop.entries, 'P')).toBeUndefined();
  });

  it('an admit under a merged-away MRN revives it (the EHR has the last word)', () => {
    const s = run([a01()], [a40(), hours(1)], [a01('A9', 'MRN3003', 'V77'), hours(2)]);
    expect(s.entries.get('MRN3003')).toMatchObject({ status: 'active', visit: { visitNumber: 'V77' } });
    expect(s.entries.get('MRN3003')!.mergedInto).toBeUndefined();
  });
});

describe('apply: orders', () => {
  it('opens an order with its tests and specimen, then cancels it by placer number', () => {
    let s = run([ormNew()]);
    expect([...s.orders.values()]).toEqual([
      {
        mrn: 'MRN1001',
        assigningAuthority: 'CLINIC_A',
        patient: { mrn: 'MRN1001', assigningAuthority: 'CLINIC_A', family: 'DOE', given: 'JANE', dob: '1980-01-02', sex: 'F' },
        placer: 'PL7001',
        filler: 'FL7001',
        specimenId: 'SP7001',
        visitNumber: 'V5001',
        tests: [
          { system: 'L', code: 'CBC', display: 'Complete blood count' },
          { system: 'L', code: 'BMP', display: 'Basic metabolic panel' },
        ],
        orderedAt: '2025-01-14T09:45:00.000-05:00',
        status: 'open',
        control: 'NW',
        updatedAt: T0.toISOString(),
      },
    ]);
    s = apply(s, ev(ormCancel()), hours(1));
    expect(s.orders.size).toBe(1);
    const o = [...s.orders.values()][0]!;
    expect(o).toMatchObject({ status: 'cancelled', control: 'CA', filler: 'FL7001', specimenId: 'SP7001' });
    // The cancel named one test; the order keeps the ones it had.
    expect(o.tests).toHaveLength(1);
  });

  it('a cancel for an order never seen is kept as cancelled (a late specimen is then recognized)', () => {
    const s = run([ormCancel('X', 'MRN1001', 'PL-UNSEEN')]);
    expect([...s.orders.values()][0]).toMatchObject({ placer: 'PL-UNSEEN', status: 'cancelled' });
  });

  it('an OML order keeps its SPM specimen', () => {
    expect([...run([oml()]).orders.values()][0]).toMatchObject({ placer: 'PL8001', specimenId: 'SP8001', mrn: 'MRN2002', status: 'open' });
  });
});

describe('prune (retention)', () => {
  it('drops discharged entries 48 h after the discharge by default, keeps active ones', () => {
    const s = run([a01()], [a04()], [a03(), hours(1)]);
    expect(prune(s, hours(48)).removed).toBe(0);
    const later = prune(s, hours(49.01));
    expect(later.removed).toBe(1);
    expect(later.state.entries.has('MRN1001')).toBe(false);
    expect(later.state.entries.has('MRN2002')).toBe(true);
  });

  it('honours retentionHours, and drops active entries with no news past activeRetentionHours', () => {
    const s = run([a01()], [a04()], [a03(), hours(1)]);
    expect(prune(s, hours(3), { retentionHours: 1 }).state.entries.has('MRN1001')).toBe(false);
    const stale = prune(s, hours(25), { activeRetentionHours: 24 }).state;
    expect(stale.entries.has('MRN2002')).toBe(false);
    expect(stale.entries.has('MRN1001')).toBe(true); // discharged: its own 48 h
  });

  it('returns the same state when nothing aged out', () => {
    const s = run([a01()]);
    expect(prune(s, hours(1)).state).toBe(s);
  });

  it('keeps a forwarding address while its survivor is there, and drops it once old and leading nowhere', () => {
    const s = run([a01('A1', 'MRN3003', 'V9')], [a40(), hours(1)], [a03('D', 'MRN1001', 'V9'), hours(2)]);
    expect(prune(s, hours(40)).state.entries.get('MRN3003')?.mergedInto).toBe('MRN1001');
    const gone = prune(s, hours(51)).state;
    expect(gone.entries.size).toBe(0);
  });

  it('drops cancelled orders after retentionHours and open ones after orderRetentionHours (14 days by default)', () => {
    const s = run([ormNew()], [oml(), hours(1)], [ormCancel(), hours(2)]);
    expect(prune(s, hours(2 + 48.5)).state.orders.size).toBe(1);
    expect(prune(s, hours(1 + 14 * 24 + 1)).state.orders.size).toBe(0);
    const short = prune(s, hours(10), { orderRetentionHours: 5 }).state;
    expect([...short.orders.values()].map((o) => o.status)).toEqual(['cancelled']);
  });
});

describe('document round trip', () => {
  it('toDoc / fromDoc keep entries, forwarding addresses and orders', () => {
    const s = run([a01('A1', 'MRN3003', 'V9')], [a40(), hours(1)], [ormNew(), hours(2)], [oml(), hours(3)]);
    const back = fromDoc('directory.json', JSON.parse(JSON.stringify(toDoc(s))));
    expect(toDoc(back)).toEqual(toDoc(s));
  });

  it('refuses a document of another shape, naming what is wrong', () => {
    expect(() => fromDoc('d.json', { version: 2, entries: [], orders: [] })).toThrow(/d\.json: unsupported directory version 2/);
    expect(() => fromDoc('d.json', { version: 1, entries: [{ nope: 1 }], orders: [] })).toThrow(/entries\[0\]/);
    expect(() => fromDoc('d.json', [])).toThrow(/not a JSON object/);
  });
});
