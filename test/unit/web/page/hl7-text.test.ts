import { describe, expect, it } from 'vitest';
import { ackIsPositive, ackMeaning, fieldNumber, looksLikeHl7, splitSegments } from '../../../../src/web/page/lib/hl7-text.ts';

describe('splitSegments', () => {
  it('splits on CR and keeps MSH-2 as the first MSH field', () => {
    const { separator, segments } = splitSegments('MSH|^~\\&|APP|FAC\rPID|||123^^^DEMO^MR||Doe^Jane\r');
    expect(separator).toBe('|');
    expect(segments).toEqual([
      { name: 'MSH', fields: ['^~\\&', 'APP', 'FAC'] },
      { name: 'PID', fields: ['', '', '123^^^DEMO^MR', '', 'Doe^Jane'] },
    ]);
    expect(fieldNumber('MSH', 1)).toBe(3);
    expect(fieldNumber('PID', 4)).toBe(5);
  });

  it('uses the separator MSH declares and accepts LF line ends', () => {
    const { separator, segments } = splitSegments('MSH#^~\\&#A\nMSA#AA#X1\n');
    expect(separator).toBe('#');
    expect(segments[1]).toEqual({ name: 'MSA', fields: ['AA', 'X1'] });
  });

  it('tells HL7 from a JSON uplink body', () => {
    expect(looksLikeHl7('MSH|^~\\&|')).toBe(true);
    expect(looksLikeHl7('{"a":1}')).toBe(false);
  });
});

describe('ACK codes', () => {
  it('says what each code means and which are positive', () => {
    expect(ackMeaning('AA')).toMatch(/accept/i);
    expect(ackMeaning('AR')).toMatch(/reject/i);
    expect(ackMeaning('CE')).toMatch(/commit error/i);
    expect(ackMeaning('ZZ')).toMatch(/unknown.*ZZ/);
    expect(['AA', 'CA', 'AE', 'AR', 'CE', 'CR'].filter(ackIsPositive)).toEqual(['AA', 'CA']);
  });
});
