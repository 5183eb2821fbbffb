import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../../src/inbound/events.ts';
import { parseInbound, type ParseAccepted, type ParseRejected } from '../../../src/inbound/parse.ts';
import { a01, a01WithoutPid3, a03, a04, a08, a11, a31, a40, hl7, oml, ormCancel, ormNew, seg, siu } from './fixtures.ts';

function accepted(text: string): ParseAccepted {
  const r = parseInbound(text);
  if (!r.ok) throw new Error(`rejected: ${r.code} ${r.errorCode} ${r.reason}`);
  return r;
}

function rejected(text: string): ParseRejected {
  const r = parseInbound(text);
  if (r.ok) throw new Error(`accepted as ${r.event.kind}`);
  return r;
}

function eventOf<K extends InboundEvent['kind']>(text: string, kind: K): Extract<InboundEvent, { kind: K }> {
  const { event } = accepted(text);
  expect(event.kind).toBe(kind);
  return event as Extract<InboundEvent, { kind: K }>;
}

const MSH = 'MSH|^~\\&|EPIC|CLINIC_A|MEDGATE|CLINIC_A|20250114093016||';

describe('parseInbound: ADT', () => {
  it('reads an inpatient A01: the MR identifier among several, name, birth date, sex, PV1 location, visit and admit time', () => {
    const r = accepted(a01());
    expect(r.controlId).toBe('ADT0001');
    expect(r.messageType).toBe('ADT^A01');
    expect(r.warnings).toEqual([]);
    expect(r.event).toEqual({
      kind: 'admit',
      trigger: 'A01',
      patient: { mrn: 'MRN1001', assigningAuthority: 'CLINIC_A', family: 'DOE', given: 'JANE', dob: '1980-01-02', sex: 'F' },
      visit: { patientClass: 'I', location: '3W^301^B^CLINIC_A', visitNumber: 'V5001', admittedAt: '2025-01-14T09:00:00.000-05:00' },
    });
  });

  it('reads an outpatient A04 (v2.3) with accented names kept as sent', () => {
    const e = eventOf(a04(), 'admit');
    expect(e.trigger).toBe('A04');
    expect(e.patient).toMatchObject({ mrn: 'MRN2002', family: 'Müller', given: 'José', dob: '1975-12-31', sex: 'M' });
    expect(e.visit).toEqual({ patientClass: 'O', location: 'CLINIC^EXAM2', visitNumber: 'V6002' });
  });

  it('takes the first identifier when none is typed MR, and its authority from the universal ID when there is no namespace', () => {
    const e = eventOf(hl7(`${MSH}ADT^A01|C1|P|2.5`, 'PID|1||4711^^^&1.2.840.99&ISO^PI~4712^^^X^PI||DOE^JOHN', 'PV1|1|O'), 'admit');
    expect(e.patient).toMatchObject({ mrn: '4711', assigningAuthority: '1.2.840.99' });
  });

  it('reads an A08 name change: the legal (L) name of the repeating PID-5, not the maiden one', () => {
    const e = eventOf(a08(), 'update');
    expect(e.patient).toMatchObject({ mrn: 'MRN1001', family: 'SMITH-DOE', given: 'JANE' });
    expect(e.visit).toEqual({ patientClass: 'I', location: '3W^302^A^CLINIC_A' });
  });

  it('reads an A08 without PV1 as demographics only', () => {
    const e = eventOf(hl7(`${MSH}ADT^A08|C2|P|2.5`, 'PID|1||MRN1001^^^CLINIC_A^MR||DOE^JANE'), 'update');
    expect(e.visit).toBeUndefined();
  });

  it('unescapes names (\\S\\, \\T\\) and treats "" (HL7 null) as empty', () => {
    const e = eventOf(hl7(`${MSH}ADT^A08|C3|P|2.5`, 'PID|1||MRN1^^^A^MR||O\\T\\BRIEN^ANN||""|""'), 'update');
    expect(e.patient).toEqual({ mrn: 'MRN1', assigningAuthority: 'A', family: 'O&BRIEN', given: 'ANN' });
  });

  it('reads an A03 discharge with its discharge time', () => {
    const e = eventOf(a03(), 'discharge');
    expect(e.visit).toMatchObject({ visitNumber: 'V5001', dischargedAt: '2025-01-15T11:55:00.000-05:00' });
  });

  it('reads an A11 cancel admit with the visit it cancels', () => {
    const e = eventOf(a11(), 'cancelAdmit');
    expect(e.patient.mrn).toBe('MRN2002');
    expect(e.visit.visitNumber).toBe('V6002');
  });

  it('reads an A40: PID is the survivor, MRG-1 the MR identifier merged away (not the PI one)', () => {
    const e = eventOf(a40(), 'merge');
    expect(e.merges).toEqual([
      {
        survivor: { mrn: 'MRN1001', assigningAuthority: 'CLINIC_A', family: 'SMITH-DOE', given: 'JANE', dob: '1980-01-02', sex: 'F' },
        prior: [{ mrn: 'MRN3003', assigningAuthority: 'CLINIC_A' }],
      },
    ]);
  });

  it('reads an A40 with two patient groups as two merges, in order', () => {
    const e = eventOf(
      hl7(`${MSH}ADT^A40^ADT_A39|C4|P|2.5`, 'EVN|A40', 'PID|1||S1^^^A^MR||ONE^A', 'MRG|P1^^^A^MR', 'PID|2||S2^^^A^MR||TWO^B', 'MRG|P2^^^A^MR'),
      'merge',
    );
    expect(e.merges.map((m) => [m.survivor.mrn, m.prior.map((p) => p.mrn)])).toEqual([
      ['S1', ['P1']],
      ['S2', ['P2']],
    ]);
  });

  it('takes the event from EVN-1 when MSH-9 has none', () => {
    expect(accepted(hl7(`${MSH}ADT|C5|P|2.3`, 'EVN|A03|20250114', 'PID|1||M1^^^A^MR||DOE^J', 'PV1|1|O')).event.kind).toBe('discharge');
  });

  it('tolerates LF segment ends and blank lines, and keeps the reading of unreadable dates as warnings without values', () => {
    const text = [`${MSH}ADT^A01|C6|P|2.5`, '', 'PID|1||M1^^^A^MR||DOE^J||19801399|Q', seg('PV1', { 2: 'I', 19: 'V1', 44: 'yesterday' })].join('\n');
    const r = accepted(text);
    const e = r.event as Extract<InboundEvent, { kind: 'admit' }>;
    expect(e.patient).toEqual({ mrn: 'M1', assigningAuthority: 'A', family: 'DOE', given: 'J' });
    expect(e.visit).toEqual({ patientClass: 'I', visitNumber: 'V1' });
    expect(r.warnings).toHaveLength(3);
    expect(r.warnings.join(' ')).not.toMatch(/19801399|yesterday/);
  });
});

describe('parseInbound: orders', () => {
  it('reads an ORM^O01 NW: placer and filler, tests of every OBR, specimen from OBR-20, order time, visit', () => {
    const e = eventOf(ormNew(), 'order');
    expect(e.patient.mrn).toBe('MRN1001');
    expect(e.visitNumber).toBe('V5001');
    expect(e.orders).toEqual([
      {
        control: 'NW',
        action: 'open',
        placer: 'PL7001',
        filler: 'FL7001',
        tests: [
          { system: 'L', code: 'CBC', display: 'Complete blood count' },
          { system: 'L', code: 'BMP', display: 'Basic metabolic panel' },
        ],
        specimenIds: ['SP7001'],
        orderedAt: '2025-01-14T09:45:00.000-05:00',
      },
    ]);
  });

  it('reads an ORM^O01 CA as a cancel', () => {
    const e = eventOf(ormCancel(), 'order');
    expect(e.orders[0]).toMatchObject({ control: 'CA', action: 'cancel', placer: 'PL7001' });
  });

  it('reads an OML^O21: LOINC-coded test and the specimen ID from SPM-2', () => {
    const e = eventOf(oml(), 'order');
    expect(e.orders).toHaveLength(1);
    expect(e.orders[0]).toMatchObject({
      control: 'NW',
      placer: 'PL8001',
      tests: [{ system: 'LN', code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' }],
      specimenIds: ['SP8001'],
    });
    expect(e.orders[0]!.filler).toBeUndefined();
  });

  it('reads the specimen type (SPM-4, else OBR-15) and the priority (TQ1-9, else OBR-27.6, else ORC-7.6) where sent', () => {
    const e = eventOf(
      hl7(
        `${MSH}OML^O21|C20|P|2.5.1`,
        'PID|1||M1^^^A^MR||DOE^J',
        'ORC|NW|PA',
        seg('TQ1', { 1: '1', 9: 'S^Stat^HL70485' }),
        seg('OBR', { 1: '1', 2: 'PA', 4: '2345-7^^LN', 15: 'UR^Urine' }),
        'SPM|1|S1||SER^Serum^HL70487',
        'ORC|NW|PB',
        seg('OBR', { 1: '1', 2: 'PB', 4: '2345-7^^LN', 15: 'UR^Urine', 27: '^^^^^R' }),
        seg('ORC', { 1: 'NW', 2: 'PC', 7: '^^^^^A' }),
        'OBR|1|PC||2345-7^^LN',
        'ORC|NW|PD',
        'OBR|1|PD||2345-7^^LN',
      ),
      'order',
    );
    expect(e.orders.map((o) => [o.placer, o.specimenType, o.priority])).toEqual([
      ['PA', 'SER', 'stat'],
      ['PB', 'UR', 'routine'],
      ['PC', undefined, 'stat'],
      ['PD', undefined, undefined],
    ]);
    expect('specimenType' in e.orders[3]! || 'priority' in e.orders[3]!).toBe(false);
  });

  it('reads each ORC group of one message as its own order, numbers from OBR when ORC has none', () => {
    const e = eventOf(hl7(`${MSH}ORM^O01|C7|P|2.3`, 'PID|1||M1^^^A^MR||DOE^J', 'ORC|NW|PA', 'OBR|1|PA||T1^One^L', 'ORC|XO', 'OBR|1|PB|FB|T2^Two^L'), 'order');
    expect(e.orders.map((o) => [o.control, o.action, o.placer, o.filler, o.tests.map((t) => t.code)])).toEqual([
      ['NW', 'open', 'PA', undefined, ['T1']],
      ['XO', 'open', 'PB', 'FB', ['T2']],
    ]);
  });

  it('rejects an order with no numbers, an unknown ORC-1, an OBR before ORC, and an order without PID (AE)', () => {
    const cases: Array<[string, string]> = [
      [hl7(`${MSH}ORM^O01|C8|P|2.3`, 'PID|1||M1^^^A^MR', 'ORC|NW', 'OBR|1|||T1'), '101'],
      [hl7(`${MSH}ORM^O01|C9|P|2.3`, 'PID|1||M1^^^A^MR', 'ORC|HD|P1', 'OBR|1|P1||T1'), '103'],
      [hl7(`${MSH}ORM^O01|C10|P|2.3`, 'PID|1||M1^^^A^MR', 'OBR|1|P1||T1'), '100'],
      [hl7(`${MSH}ORM^O01|C11|P|2.3`, 'ORC|NW|P1', 'OBR|1|P1||T1'), '100'],
    ];
    for (const [text, errorCode] of cases) {
      const r = rejected(text);
      expect(r.code, text).toBe('AE');
      expect(r.errorCode, text).toBe(errorCode);
    }
  });
});

describe('parseInbound: rejections', () => {
  it('answers an unsupported ADT event (A31) AR 201, naming it', () => {
    const r = rejected(a31());
    expect(r).toMatchObject({ code: 'AR', errorCode: '201', controlId: 'ADT0099', messageType: 'ADT^A31' });
    expect(r.reason).toContain('A31');
  });

  it('answers an unsupported message type (SIU) AR 200', () => {
    expect(rejected(siu())).toMatchObject({ code: 'AR', errorCode: '200', controlId: 'SIU0001' });
  });

  it('answers an unsupported order event (ORM^O02) AR 201', () => {
    expect(rejected(hl7(`${MSH}ORM^O02|C12|P|2.3`, 'PID|1||M1^^^A^MR'))).toMatchObject({ code: 'AR', errorCode: '201' });
  });

  it('answers a missing PID-3 AE 101 without quoting the patient', () => {
    const r = rejected(a01WithoutPid3());
    expect(r).toMatchObject({ code: 'AE', errorCode: '101', controlId: 'ADT0098' });
    expect(r.reason).toContain('PID-3');
    expect(r.reason).not.toContain('DOE');
  });

  it('answers an A40 without MRG, or whose MRG names only the survivor, AE', () => {
    expect(rejected(hl7(`${MSH}ADT^A40|C13|P|2.5`, 'PID|1||S1^^^A^MR'))).toMatchObject({ code: 'AE', errorCode: '100' });
    expect(rejected(hl7(`${MSH}ADT^A40|C14|P|2.5`, 'PID|1||S1^^^A^MR', 'MRG|S1^^^A^MR'))).toMatchObject({ code: 'AE', errorCode: '101' });
  });

  it('answers an A01 without PID AE 100', () => {
    expect(rejected(hl7(`${MSH}ADT^A01|C15|P|2.5`, 'PV1|1|I'))).toMatchObject({ code: 'AE', errorCode: '100' });
  });

  it('answers garbage, an empty message and a batch header AR 100', () => {
    for (const text of ['', 'hello world', '\x00\x01\x02', 'FHS|^~\\&\rMSH|^~\\&|A']) {
      expect(rejected(text), JSON.stringify(text)).toMatchObject({ code: 'AR', errorCode: '100' });
    }
  });

  it('answers an MSH without MSH-10 or MSH-12 AR 101, and a v3 version AR 203', () => {
    expect(rejected(`${MSH}ADT^A01||P|2.5\rPID|1||M1`)).toMatchObject({ code: 'AR', errorCode: '101' });
    expect(rejected(`${MSH}ADT^A01|C16`)).toMatchObject({ code: 'AR', errorCode: '101', controlId: 'C16' });
    expect(rejected(`${MSH}ADT^A01|C17|P|3.0\rPID|1||M1`)).toMatchObject({ code: 'AR', errorCode: '203' });
  });

  it('answers a segment ID that is not 3 characters AR 100 (the library would read "PIDX" as PID)', () => {
    expect(rejected(`${MSH}ADT^A01|C18|P|2.5\rPIDX|1||M1`)).toMatchObject({ code: 'AR', errorCode: '100', controlId: 'C18', messageType: 'ADT^A01' });
    expect(rejected(`${MSH}ADT^A01|C19|P|2.5\rpid|1||M1`)).toMatchObject({ code: 'AR', errorCode: '100' });
  });

  it('answers unusable MSH-2 encoding characters AR 102', () => {
    expect(rejected('MSH|^~|A|B|C|D|2025||ADT^A01|C20|P|2.5\rPID|1||M1')).toMatchObject({ code: 'AR', errorCode: '102', controlId: 'C20' });
  });

  it('answers what node-hl7-client refuses (two MSH: a batch without its headers) AR 102 instead of throwing', () => {
    const r = rejected(`${MSH}ADT^A01|C21|P|2.5\rPID|1||M1\r${MSH}ADT^A01|C22|P|2.5`);
    expect(r).toMatchObject({ code: 'AR', errorCode: '102', controlId: 'C21', messageType: 'ADT^A01' });
    expect(r.reason).toContain('could not be parsed');
  });

  it('never throws, whatever the text', () => {
    const prefix = fc.constantFrom('', `${MSH}ADT^A01|C|P|2.5\r`, `${MSH}ORM^O01|C|P|2.3\rPID|1||M^^^A^MR\r`, 'MSH|');
    fc.assert(
      fc.property(prefix, fc.string({ unit: 'binary', maxLength: 300 }), (p, rest) => {
        const r = parseInbound(p + rest);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 400 },
    );
  });
});
