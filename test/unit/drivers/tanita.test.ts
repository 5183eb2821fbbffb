import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import tanitaDefault, { driver } from '../../../drivers/tanita/index.ts';
import { decodeTanitaLine, equipmentOf } from '../../../drivers/tanita/decode.ts';
import { bytes, chunksAt, oneByteAtATime, open, outcome } from './harness.ts';

// Verbatim SC-240 sample (Tanita SC-240 manual p.24; docs/protocols.md#tanita-csv-record).
const SC240 =
  '{0,16,~0,1,~1,1,~2,1,MO,"SC-240",SN,"00000002",Bt,0,GE,1,AG,30,Hm,170,Pt,0.0,Wk,82.7,FW,18.6,fW,15.4,MW,67.3,mW,64.0,sW,19,bW,3.3,wW,48.0,ww,58.0,MI,28.6,Sw,63.6,OV,30.0,IF,6,rb,8255,rB,1973,rJ,12,rA,28,ZF,369.4,CS,FD';
const WB3000 = '{0,16,~0,1,~1,1,~2,1,MO,"WB-3000",Hm,172.5,Wk,070.4,MI,23.7,CS,4E';

describe('tanita decode', () => {
  it('decodes the verbatim SC-240 record', () => {
    const r = decodeTanitaLine(SC240);
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.model).toBe('SC-240');
    expect(r.value.serial).toBe('00000002');
    expect(r.value.checksum).toBe('FD');
    expect(equipmentOf(r.value)).toBe('Tanita SC-240 SN00000002');
    expect(r.value.measurements).toEqual([
      { type: 'weight', value: 82.7, unit: 'kg', valueText: '82.7' },
      { type: 'height', value: 170, unit: 'cm', valueText: '170' },
      { type: 'body.fat.percent', value: 18.6, unit: '%', valueText: '18.6' },
      { type: 'body.fat.mass', value: 15.4, unit: 'kg', valueText: '15.4' },
      { type: 'body.fatfree.mass', value: 67.3, unit: 'kg', valueText: '67.3' },
      { type: 'body.muscle.mass', value: 64, unit: 'kg', valueText: '64.0' },
      { type: 'body.bone.mass', value: 3.3, unit: 'kg', valueText: '3.3' },
      { type: 'body.water.mass', value: 48, unit: 'kg', valueText: '48.0' },
      { type: 'body.water.percent', value: 58, unit: '%', valueText: '58.0' },
      { type: 'bmi', value: 28.6, unit: 'kg/m2', valueText: '28.6' },
      { type: 'body.impedance', value: 369.4, unit: 'Ohm', valueText: '369.4' },
    ]);
  });

  it('decodes the medical scale form and lb mode', () => {
    const wb = decodeTanitaLine(WB3000);
    expect(wb.ok && wb.value.measurements.map((m) => [m.type, m.value, m.unit])).toEqual([
      ['weight', 70.4, 'kg'],
      ['height', 172.5, 'cm'],
      ['bmi', 23.7, 'kg/m2'],
    ]);
    expect(wb.ok && equipmentOf(wb.value)).toBe('Tanita WB-3000');
    const lb = decodeTanitaLine('{0,16,~0,2,~1,2,~2,2,MO,"SC-240",Wp,182.4,fW,34.0,FW,18.6,CS,11');
    expect(lb.ok && lb.value.measurements.map((m) => [m.type, m.unit])).toEqual([
      ['weight', 'lb'],
      ['body.fat.mass', 'lb'],
      ['body.fat.percent', '%'],
    ]);
  });

  it('names what is wrong', () => {
    const reason = (l: string) => {
      const r = decodeTanitaLine(l);
      return r.ok ? 'decoded' : r.reason;
    };
    expect(reason(SC240.replace('Wk,82.7', 'Wk,8A.7'))).toBe('value of Wk is not a number');
    expect(decodeTanitaLine(SC240.replace('Wk,82.7', 'Wk,8A.7'))).toMatchObject({ detail: 'value "8A.7" of Wk is not a number' });
    expect(reason('{0,16,MO,"SC-240",Hm,170,CS,00')).toBe('record has no weight field (Wk, Wp or Wg)');
    expect(reason('{0,16,MO,"SC-240,Wk,80.0')).toBe('unterminated quoted field');
    expect(reason('{0,16,MO')).toMatch(/^odd number of fields/);
    expect(reason('MO,"SC-240",Wk,80.0')).toBe('record does not start with "{"');
    expect(reason('{0,16,Wk,80.0,Wk,81.0')).toBe('field name 3 appears twice');
    expect(decodeTanitaLine('{0,16,Wk,80.0,Wk,81.0')).toMatchObject({ detail: 'field Wk appears twice' });
    expect(reason(SC240.slice(0, 120) + SC240)).toBe('record contains the start of another record');
  });
});

describe('tanita session', () => {
  it('reports one reading per record with the equipment identity and no device time', () => {
    expect(tanitaDefault).toBe(driver);
    const h = open(driver);
    h.feed(`${SC240}\r\n`);
    h.feed('\x00'); // the stray signal ~0.1 s later
    h.feed(`${WB3000}\r\n`);
    expect(h.errors).toEqual([]);
    expect(h.reports).toHaveLength(2);
    expect(h.reports[0]?.equipment).toBe('Tanita SC-240 SN00000002');
    expect(h.reports[0]?.raw).toBe(SC240);
    expect(h.reports[0]?.observedAt).toBeUndefined();
    expect(h.reports[1]?.raw).toBe(WB3000);
  });

  it('ignores unknown codes and date/time fields', () => {
    const h = open(driver);
    h.feed('{0,16,~0,1,MO,"BC-418",Da,"14/01/2025",TI,"09:30",XX,whatever,Wk,70.0,CS,00\r\n');
    expect(h.errors).toEqual([]);
    expect(h.reports[0]?.measurements).toEqual([{ type: 'weight', value: 70, unit: 'kg', valueText: '70.0' }]);
  });

  it('a cut record is reported and the next record still comes through whole', () => {
    const h = open(driver);
    const fragment = SC240.slice(0, 83); // ends in the middle of "Wk,82.7"
    h.feed(fragment);
    h.feed(`${WB3000}\r\n`);
    expect(h.errors).toEqual([{ reason: 'incomplete record fragment discarded', bytes: fragment }]);
    expect(h.reports.map((r) => r.raw)).toEqual([WB3000]);
  });

  it('a corrupted value rejects the record instead of sending part of it', () => {
    const h = open(driver);
    h.feed(`${SC240.replace('FW,18.6', 'FW,1?.6')}\r\n`);
    expect(h.reports).toEqual([]);
    expect(h.errors.map((e) => e.reason)).toEqual(['value of FW is not a number']);
    expect(h.errors.map((e) => e.detail)).toEqual(['value "1?.6" of FW is not a number']);
  });

  it('discards lines over 1024 bytes', () => {
    const h = open(driver);
    h.feed(`{0,${'9'.repeat(1100)}\r\n${SC240}\r\n`);
    expect(h.errors.map((e) => e.reason)).toEqual(['line over 1024 bytes discarded']);
    expect(h.reports).toHaveLength(1);
  });

  it('gives the same outcome for any chunking', () => {
    const data = bytes(`${SC240}\r\n\x00garbage\r\n${SC240.slice(0, 50)}${WB3000}\n${SC240}\r`);
    const whole = outcome(driver, {}, [data]);
    expect(whole.reports).toHaveLength(3);
    expect(whole.errors).toHaveLength(2);
    expect(outcome(driver, {}, oneByteAtATime(data))).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: data.length })), (cuts) => {
        expect(outcome(driver, {}, chunksAt(data, cuts))).toEqual(whole);
      }),
    );
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (noise) => {
        const h = open(driver);
        h.session.receive(noise);
        h.feed(`\r\n${SC240}\r\n`);
        expect(h.reports.at(-1)?.raw).toBe(SC240);
      }),
    );
  });
});
