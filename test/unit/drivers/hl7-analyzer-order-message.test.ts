// The order messages the hl7-analyzer driver sends: exact segments of OML^O21 and ORM^O01 for a new
// order, added tests and a cancellation, read back by an independent parser (node-hl7-client).

import { Message } from 'node-hl7-client';
import { describe, expect, it } from 'vitest';
import { buildOrderMessage, type OrderMessageOptions } from '../../../drivers/hl7-analyzer/order-message.ts';
import type { WorkOrder } from '../../../src/model/work-order.ts';

const now = new Date('2025-01-14T09:30:00Z');

const order: WorkOrder = {
  action: 'new',
  specimenId: 'SPC-0042',
  specimenType: 'SER',
  placer: 'ORD777',
  filler: 'F-9001',
  patient: { mrn: '123456', assigningAuthority: 'CLINIC', family: 'Doe', given: 'Jane', birthDate: '1970-03-15', sex: 'F' },
  tests: [
    { code: 'GLU', ordered: { system: 'http://loinc.org', code: '2345-7', display: 'Glucose' } },
    { code: 'CREA', ordered: { system: 'LN', code: '2160-0' } },
  ],
  priority: 'stat',
  collectedAt: '2025-01-14T08:15:00+01:00',
};

const opts = (structure: OrderMessageOptions['structure']): OrderMessageOptions => ({
  structure,
  controlId: 'MG1',
  now,
  sender: { application: 'MEDGATE', facility: 'CLINIC' },
  receiver: { application: 'C311', facility: 'CHEMLAB' },
  codingSystem: '99MDG',
});

const lines = (text: string): string[] => text.split('\r').filter((l) => l !== '');

/** The segments after MSH and PID for the example order changed by `change`. */
const groups = (structure: OrderMessageOptions['structure'], change: Partial<WorkOrder>): string[] =>
  lines(buildOrderMessage({ ...order, ...change }, opts(structure))).slice(2);
const ADD: Partial<WorkOrder> = { action: 'add', tests: [{ code: 'UA' }], priority: undefined };
const CANCEL: Partial<WorkOrder> = { action: 'cancel', tests: [{ code: 'GLU' }], priority: 'routine' };

describe('OML^O21', () => {
  it('writes a new order: PID, then per test ORC NW, TQ1 priority, OBR with the analyzer code, SPM with the specimen', () => {
    const text = buildOrderMessage(order, opts('OML^O21'));
    expect(text.endsWith('\r')).toBe(true);
    expect(lines(text)).toEqual([
      'MSH|^~\\&|MEDGATE|CLINIC|C311|CHEMLAB|20250114093000+0000||OML^O21^OML_O21|MG1|P|2.5.1',
      'PID|1||123456^^^CLINIC^MR||Doe^Jane||19700315|F',
      'ORC|NW|ORD777|F-9001|ORD777|||||20250114093000+0000',
      'TQ1|1||||||||S',
      'OBR|1|ORD777|F-9001|GLU^^99MDG^2345-7^Glucose^LN|||20250114081500+0100',
      'SPM|1|SPC-0042||SER|||||||||||||20250114081500+0100',
      'ORC|NW|ORD777|F-9001|ORD777|||||20250114093000+0000',
      'TQ1|1||||||||S',
      'OBR|2|ORD777|F-9001|CREA^^99MDG^2160-0^^LN|||20250114081500+0100',
      'SPM|1|SPC-0042||SER|||||||||||||20250114081500+0100',
    ]);
    const m = new Message({ text });
    expect(m.get('MSH.9.3').toString()).toBe('OML_O21');
    expect(m.get('PID.3.1').toString()).toBe('123456');
    expect(m.get('PID.3.5').toString()).toBe('MR');
    expect(m.get('SPM.2').toString()).toBe('SPC-0042');
    expect(m.get('OBR.4.1').toString()).toBe('GLU');
  });

  it('adds tests to a specimen the analyzer has (OBR-11 A) and cancels (ORC-1 CA) with the same numbers', () => {
    expect(groups('OML^O21', ADD)).toEqual([
      'ORC|NW|ORD777|F-9001|ORD777|||||20250114093000+0000',
      'OBR|1|ORD777|F-9001|UA^^99MDG|||20250114081500+0100||||A',
      'SPM|1|SPC-0042||SER|||||||||||||20250114081500+0100',
    ]);
    expect(groups('OML^O21', CANCEL)).toEqual([
      'ORC|CA|ORD777|F-9001|ORD777|||||20250114093000+0000',
      'TQ1|1||||||||R',
      'OBR|1|ORD777|F-9001|GLU^^99MDG|||20250114081500+0100',
      'SPM|1|SPC-0042||SER|||||||||||||20250114081500+0100',
    ]);
  });

  it('escapes delimiters in every value, so a parser reads back what was meant', () => {
    const odd: WorkOrder = {
      action: 'new',
      specimenId: 'S|1^2',
      patient: { mrn: 'M&1', family: "O'Brien^Smith", given: 'Ann~Marie' },
      tests: [{ code: 'A\\B' }],
    };
    const text = buildOrderMessage(odd, { ...opts('OML^O21'), sender: { application: 'GW^X', facility: '' } });
    expect(lines(text)).toEqual([
      'MSH|^~\\&|GW^X||C311|CHEMLAB|20250114093000+0000||OML^O21^OML_O21|MG1|P|2.5.1',
      "PID|1||M\\T\\1^^^^MR||O'Brien\\S\\Smith^Ann\\R\\Marie",
      'ORC|NW||||||||20250114093000+0000',
      'OBR|1|||A\\E\\B^^99MDG',
      'SPM|1|S\\F\\1\\S\\2',
    ]);
    const m = new Message({ text });
    expect(m.get('SPM.2').toString()).toBe('S|1^2');
    expect(m.get('PID.5.1').toString()).toBe("O'Brien^Smith");
  });

  it('leaves out the EHR code when its system is not a coding-system name (a URI other than LOINC)', () => {
    const text = buildOrderMessage({ ...order, tests: [{ code: 'HBA1C', ordered: { system: 'urn:oid:1.2.3', code: 'X1' } }] }, opts('OML^O21'));
    expect(lines(text)[4]).toBe('OBR|1|ORD777|F-9001|HBA1C^^99MDG|||20250114081500+0100');
  });
});

describe('ORM^O01', () => {
  it('has no TQ1 and no SPM (neither in its 2.5.1 ORDER group): the specimen ID is ORC-3 and OBR-3 alike, priority OBR-27.6, type OBR-15', () => {
    const text = buildOrderMessage(order, opts('ORM^O01'));
    const group = (i: number, code: string): string[] => [
      'ORC|NW|ORD777|SPC-0042|ORD777|||||20250114093000+0000',
      `OBR|${i}|ORD777|SPC-0042|${code}|||20250114081500+0100||||||||SER||||||||||||^^^^^S`,
    ];
    expect(lines(text)).toEqual([
      'MSH|^~\\&|MEDGATE|CLINIC|C311|CHEMLAB|20250114093000+0000||ORM^O01^ORM_O01|MG1|P|2.5.1',
      'PID|1||123456^^^CLINIC^MR||Doe^Jane||19700315|F',
      ...group(1, 'GLU^^99MDG^2345-7^Glucose^LN'),
      ...group(2, 'CREA^^99MDG^2160-0^^LN'),
    ]);
    const m = new Message({ text });
    expect(m.get('MSH.9.3').toString()).toBe('ORM_O01');
    // HL7 v2.5.1 4.5.3.3: OBR-3 is identical to ORC-3; the EHR's filler number F-9001 is not sent.
    expect(m.get('ORC.3').toString()).toBe(m.get('OBR.3').toString());
    expect(m.get('OBR.3').toString()).toBe('SPC-0042');
    expect(m.get('OBR.27.6').toString()).toBe('S');
    expect(text).not.toContain('F-9001');
    expect(text).not.toContain('TQ1');
  });

  it('adds (OBR-11 A) and cancels (ORC-1 CA); no priority leaves OBR-27 out', () => {
    expect(groups('ORM^O01', { ...ADD, filler: undefined })).toEqual([
      'ORC|NW|ORD777|SPC-0042|ORD777|||||20250114093000+0000',
      'OBR|1|ORD777|SPC-0042|UA^^99MDG|||20250114081500+0100||||A||||SER',
    ]);
    expect(groups('ORM^O01', CANCEL)).toEqual([
      'ORC|CA|ORD777|SPC-0042|ORD777|||||20250114093000+0000',
      'OBR|1|ORD777|SPC-0042|GLU^^99MDG|||20250114081500+0100||||||||SER||||||||||||^^^^^R',
    ]);
  });
});
