import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../src/model/reading.ts';
import { resolvePatient } from '../../../src/pipeline/patient.ts';

const now = new Date('2026-11-27T10:00:00Z');
const reading: Reading = { id: 'R1', deviceId: 'd', kind: 'scale', observedAt: now.toISOString(), receivedAt: now.toISOString(), observations: [], raw: '' };
const alice = { mrn: 'A1', family: 'Example', given: 'Alice' };
const bob = { mrn: 'B2', family: 'Sample', given: 'Bob' };

describe('resolvePatient', () => {
  it('prefers the patient the device reported over a binding', () => {
    const r = resolvePatient({ ...reading, subject: bob }, { patient: alice, createdAt: now.toISOString() }, now);
    expect(r).toEqual({ patient: bob, source: 'reported', consumeBinding: false });
  });

  it('uses a binding for the next reading only when it has no end time', () => {
    expect(resolvePatient(reading, { patient: alice, createdAt: now.toISOString() }, now)).toEqual({ patient: alice, source: 'binding', consumeBinding: true });
  });

  it('uses a timed binding until it ends, then holds', () => {
    const binding = { patient: alice, createdAt: now.toISOString(), until: new Date(now.getTime() + 60_000).toISOString() };
    expect(resolvePatient(reading, binding, now)).toMatchObject({ patient: alice, consumeBinding: false });
    const later = new Date(now.getTime() + 60_001);
    expect(resolvePatient(reading, binding, later)).toEqual({ holdReason: expect.stringMatching(/expired/) });
  });

  it('holds when there is neither', () => {
    expect(resolvePatient(reading, undefined, now)).toEqual({ holdReason: expect.stringMatching(/^no patient/) });
  });
});

describe('resolvePatient for analyzers', () => {
  it('never files a lab result without its own patient ID under the device binding', () => {
    const lab: Reading = { ...reading, kind: 'lab' };
    expect(resolvePatient(lab, { patient: alice, createdAt: now.toISOString() }, now)).toEqual({ holdReason: expect.stringMatching(/analyzer sent no patient ID/) });
    expect(resolvePatient({ ...lab, subject: bob }, { patient: alice, createdAt: now.toISOString() }, now)).toMatchObject({ patient: bob, source: 'reported' });
  });
});
