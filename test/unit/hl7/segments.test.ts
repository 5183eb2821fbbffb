import { describe, it, expect } from 'vitest';
import { Message } from 'node-hl7-client';
import { patientName, administrativeSex, locationField, orderNumber, patientIdentifier, pv1, UNKNOWN_PATIENT_CLASS } from '../../../src/hl7/segments.ts';

describe('patientIdentifier (PID-3)', () => {
  it('writes the MRN with its assigning authority and type MR', () => {
    expect(patientIdentifier({ mrn: 'HO2009001', assigningAuthority: 'NIST' })).toBe('HO2009001^^^NIST^MR');
  });

  it('keeps CX-4 empty, and the type in CX-5, when there is no authority', () => {
    expect(patientIdentifier({ mrn: 'A-77' })).toBe('A-77^^^^MR');
    expect(patientIdentifier({ mrn: 'A-77', assigningAuthority: '' })).toBe('A-77^^^^MR');
    const msg = new Message({ text: `MSH|^~\\&|A|B|C|D|20260101||ORU^R01|1|P|2.6\rPID|||${patientIdentifier({ mrn: 'A-77' })}\r` });
    expect(msg.get('PID.3.1').toString()).toBe('A-77');
    expect(msg.get('PID.3.4').toString()).toBe('');
    expect(msg.get('PID.3.5').toString()).toBe('MR');
  });

  it('escapes delimiters in the MRN and the authority', () => {
    expect(patientIdentifier({ mrn: 'M|1^2', assigningAuthority: 'A&B' })).toBe('M\\F\\1\\S\\2^^^A\\T\\B^MR');
  });
});

describe('patientName (PID-5)', () => {
  it('is never empty: PID-5 is required in v2.5.1 and v2.6; an unknown name is name type U alone', () => {
    expect(patientName({ mrn: 'A-1' })).toBe('^^^^^^U');
    expect(patientName({ mrn: 'A-1', family: 'Doe' })).toBe('Doe^^^^^^L');
    expect(patientName({ mrn: 'A-1', family: 'O|Brien', given: 'Ann' })).toBe('O\\F\\Brien^Ann^^^^^L');
  });
});

describe('administrativeSex (PID-8, table 0001)', () => {
  it('passes the table codes through, in upper case', () => {
    expect(['M', 'F', 'O', 'U', 'A', 'N'].map(administrativeSex)).toEqual(['M', 'F', 'O', 'U', 'A', 'N']);
    expect(['m', 'f', ' o ', 'u'].map(administrativeSex)).toEqual(['M', 'F', 'O', 'U']);
  });

  it('maps the words people type to their codes', () => {
    expect(['male', 'Female', 'OTHER', 'unknown', 'ambiguous'].map(administrativeSex)).toEqual(['M', 'F', 'O', 'U', 'A']);
  });

  it('sends anything else as U, and nothing when not given', () => {
    expect(administrativeSex('X')).toBe('U');
    expect(administrativeSex('2')).toBe('U');
    expect(administrativeSex('M|F')).toBe('U');
    expect(administrativeSex(undefined)).toBe('');
    expect(administrativeSex('  ')).toBe('');
  });
});

describe('locationField (PV1-3)', () => {
  it('keeps ^ as the component separator and escapes each component', () => {
    expect(locationField('ICU^2^23')).toBe('ICU^2^23');
    expect(locationField('Labor & Delivery^R|1^B~2')).toBe('Labor \\T\\ Delivery^R\\F\\1^B\\R\\2');
    expect(locationField('A\\B\rC')).toBe('A\\E\\B\\X0D\\C');
  });

  it('keeps inner empty components and drops trailing ones', () => {
    expect(locationField('CLINIC^^3')).toBe('CLINIC^^3');
    expect(locationField('CLINIC^^')).toBe('CLINIC');
    expect(locationField('')).toBe('');
  });
});

describe('pv1', () => {
  const fields = (text: string): string[] => {
    expect(text.endsWith('\r')).toBe(true);
    expect(text.slice(0, -1)).not.toContain('\r');
    return text.slice(0, -1).split('|');
  };

  it('writes set id, class, location, visit number and admit time in their fields', () => {
    const f = fields(pv1({ patientClass: 'O', location: 'CLINIC^EXAM^3', visitNumber: 'V100234', admittedAt: '2026-11-27T08:15:00-05:00' }));
    expect(f[0]).toBe('PV1');
    expect(f[1]).toBe('1');
    expect(f[2]).toBe('O');
    expect(f[3]).toBe('CLINIC^EXAM^3');
    expect(f.slice(4, 19).every((x) => x === '')).toBe(true);
    expect(f[19]).toBe('V100234');
    expect(f.slice(20, 44).every((x) => x === '')).toBe(true);
    expect(f[44]).toBe('20261127081500-0500');
    expect(f).toHaveLength(45);
  });

  it('uses U (unknown) when the visit has no class, PV1-2 being required', () => {
    expect(UNKNOWN_PATIENT_CLASS).toBe('U');
    expect(pv1({ visitNumber: 'V1' })).toBe('PV1|1|U|||||||||||||||||V1\r');
    expect(pv1({ patientClass: '  ', location: 'ER' })).toBe('PV1|1|U|ER\r');
  });

  it('writes the discharge time in PV1-45', () => {
    const f = fields(pv1({ patientClass: 'I', admittedAt: '2026-11-20T10:00:00Z', dischargedAt: '2026-11-27T11:30:00Z' }));
    expect(f[44]).toBe('20261120100000+0000');
    expect(f[45]).toBe('20261127113000+0000');
  });

  it('accepts times in HL7 form as an ADT carries them, and leaves out what is not a time', () => {
    expect(fields(pv1({ patientClass: 'E', admittedAt: '202611270815-0500' }))[44]).toBe('20261127081500-0500');
    expect(fields(pv1({ patientClass: 'E', admittedAt: '20261127' }))[44]).toBe('20261127');
    expect(pv1({ patientClass: 'E', admittedAt: 'yesterday' })).toBe('PV1|1|E\r');
    expect(pv1({ patientClass: 'E', admittedAt: '20261341' })).toBe('PV1|1|E\r');
  });

  it('sends nothing for a visit that says nothing', () => {
    expect(pv1({})).toBe('');
    expect(pv1({ patientClass: '', location: '', visitNumber: '' })).toBe('');
    expect(pv1({ admittedAt: 'not a time' })).toBe('');
  });

  it('escapes the class and the visit number', () => {
    const f = fields(pv1({ patientClass: 'I|O', visitNumber: 'V^1&2~3' }));
    expect(f[2]).toBe('I\\F\\O');
    expect(f[19]).toBe('V\\S\\1\\T\\2\\R\\3');
  });
});

describe('orderNumber', () => {
  it('gives the number escaped, without a namespace, or undefined when there is none', () => {
    expect(orderNumber('ORD-4471')).toBe('ORD-4471');
    expect(orderNumber('P^1&2')).toBe('P\\S\\1\\T\\2');
    expect(orderNumber('')).toBeUndefined();
    expect(orderNumber(undefined)).toBeUndefined();
  });
});
