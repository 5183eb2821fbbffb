import { describe, expect, it } from 'vitest';
import { knownLoincCodes, loincAdmitsSpecimen, loincScale, loincSpecimens } from '../../../src/model/loinc.ts';
import { sameSpecimen, specimenCode, specimenType } from '../../../src/model/specimen.ts';

describe('specimen types', () => {
  it('reads table 0487 codes and the words analyzers write', () => {
    expect(['SER', 'ser', 'serum', 'Serum', ' SERUM '].map(specimenCode)).toEqual(['SER', 'SER', 'SER', 'SER', 'SER']);
    expect(['urine', 'UR', 'Urine'].map(specimenCode)).toEqual(['UR', 'UR', 'UR']);
    expect(['whole blood', 'Whole-Blood', 'BLD', 'WB'].map(specimenCode)).toEqual(['WB', 'WB', 'WB', 'WB']);
    expect(specimenType('capillary blood')).toEqual({ code: 'BLDC', display: 'Blood capillary', system: 'HL70070' });
    expect(specimenCode('swab of the moon')).toBeUndefined();
    expect(specimenCode('')).toBeUndefined();
  });

  it('keeps a word it does not know as sent, without claiming a code system', () => {
    expect(specimenType('serum')).toEqual({ code: 'SER', display: 'Serum', system: 'HL70487' });
    expect(specimenType('NASAL-WASH')).toEqual({ code: 'NASAL-WASH' });
    expect(specimenType('  ')).toBeUndefined();
  });

  it('matches a mapping specimen by code, by word, or literally for unknown words', () => {
    const urine = specimenType('urine')!;
    expect(sameSpecimen('UR', urine)).toBe(true);
    expect(sameSpecimen('Urine', urine)).toBe(true);
    expect(sameSpecimen('SER', urine)).toBe(false);
    expect(sameSpecimen('nasal-wash', specimenType('NASAL-WASH')!)).toBe(true);
  });
});

describe('LOINC scale and system', () => {
  it('knows the shipped codes, ordinal urine strips apart from quantitative chemistry', () => {
    expect(loincScale('2345-7')).toBe('Qn');
    expect(loincScale('25428-4')).toBe('Ord');
    expect(loincSpecimens('2345-7')).toEqual(['SER', 'PLAS']);
    expect(loincSpecimens('25428-4')).toContain('UR');
    for (const [code, k] of knownLoincCodes()) {
      expect(code).toMatch(/^\d{1,7}-\d$/);
      // The known name and the name-based judgement agree wherever the name says anything.
      const byName = loincScale('0-0', k.name);
      if (byName !== undefined) expect([code, byName]).toEqual([code, k.scale === 'OrdQn' ? byName : k.scale]);
    }
  });

  it('judges an unknown code by its long common name, and leaves it alone when the name says nothing', () => {
    expect(loincScale('99999-9', 'Albumin [Mass/volume] in Urine')).toBe('Qn');
    expect(loincScale('99999-9', 'Bilirubin.total [Presence] in Urine by Test strip')).toBe('Ord');
    expect(loincScale('99999-9', 'Something')).toBeUndefined();
    expect(loincScale('99999-9')).toBeUndefined();
    expect(loincSpecimens('99999-9', 'Albumin [Mass/volume] in Urine')).toEqual(['UR', 'URC', 'URT']);
    expect(loincSpecimens('99999-9', 'Lactate [Moles/volume] in Capillary blood')).toEqual(['BLDC']);
  });

  it('refuses a specimen only when both sides are certain', () => {
    expect(loincAdmitsSpecimen('2345-7', undefined, specimenType('urine'))).toBe(false);
    expect(loincAdmitsSpecimen('2345-7', undefined, specimenType('plasma'))).toBe(true);
    expect(loincAdmitsSpecimen('2345-7', undefined, specimenType('NASAL-WASH'))).toBe(true);
    expect(loincAdmitsSpecimen('2345-7', undefined, undefined)).toBe(true);
    expect(loincAdmitsSpecimen('99999-9', 'Something', specimenType('urine'))).toBe(true);
  });
});
