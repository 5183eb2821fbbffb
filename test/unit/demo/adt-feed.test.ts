// The demo EHR's registrations are ADT^A04 the gateway's own inbound parser accepts, with the patient
// as configured (delimiters in a name escaped, not splitting it).

import { describe, expect, it } from 'vitest';
import { demoRegistration } from '../../../src/demo/adt-feed.ts';
import { parseInbound } from '../../../src/inbound/parse.ts';

describe('demo registrations', () => {
  it('parse as an outpatient registration of the configured patient', () => {
    const r = parseInbound(
      demoRegistration({ mrn: 'DEMO1004', family: 'Demo', given: 'Dana', dob: '1990-11-23', sex: 'F' }, 'DEMOADT0001', new Date('2026-12-06T08:00:00Z')),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r).toMatchObject({ controlId: 'DEMOADT0001', messageType: 'ADT^A04', warnings: [] });
    expect(r.event).toMatchObject({
      kind: 'admit',
      trigger: 'A04',
      patient: { mrn: 'DEMO1004', assigningAuthority: 'DEMO', family: 'Demo', given: 'Dana', dob: '1990-11-23', sex: 'F' },
    });
    expect(r.event.kind === 'admit' && r.event.visit).toMatchObject({ visitNumber: 'VDEMO1004', patientClass: 'O' });
  });

  it('escape HL7 delimiters in what the configuration says', () => {
    const r = parseInbound(demoRegistration({ mrn: 'D|7', family: 'O^Brien&Co', given: 'Ann' }, 'DEMOADT0002', new Date()));
    expect(r.ok && r.event.kind === 'admit' && r.event.patient).toMatchObject({ mrn: 'D|7', family: 'O^Brien&Co', given: 'Ann' });
  });
});
