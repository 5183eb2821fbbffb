import { describe, it, expect } from 'vitest';
import { canonicalUnit, convert, convertedDecimals, decimalsOf, formatDecimal, mdcUnit, roundTo } from '../../../src/model/units.ts';

describe('canonicalUnit', () => {
  const cases: Array<[string, string]> = [
    ['mmHg', 'mm[Hg]'],
    ['mm Hg', 'mm[Hg]'],
    ['mmhg', 'mm[Hg]'],
    ['MMHG', 'mm[Hg]'],
    ['mm[Hg]', 'mm[Hg]'],
    ['kPa', 'kPa'],
    ['KPA', 'kPa'],
    ['bpm', '/min'],
    ['BPM', '/min'],
    ['beats/min', '/min'],
    ['/min', '/min'],
    ['{beats}/min', '/min'],
    ['{beat}/min', '/min'],
    ['%', '%'],
    ['percent', '%'],
    ['degF', '[degF]'],
    ['°F', '[degF]'],
    ['F', '[degF]'],
    ['[degF]', '[degF]'],
    ['degC', 'Cel'],
    ['°C', 'Cel'],
    ['C', 'Cel'],
    ['Cel', 'Cel'],
    ['lb', '[lb_av]'],
    ['lbs', '[lb_av]'],
    ['LB', '[lb_av]'],
    ['kg', 'kg'],
    ['KG', 'kg'],
    [' kg ', 'kg'],
    ['g', 'g'],
    ['cm', 'cm'],
    ['in', '[in_i]'],
    ['m', 'm'],
    ['kg/m2', 'kg/m2'],
    ['kg/m^2', 'kg/m2'],
    ['ms', 'ms'],
    ['deg', 'deg'],
    ['Ohm', 'Ohm'],
    ['ohm', 'Ohm'],
    ['mg/dL', 'mg/dL'],
    ['mg/dl', 'mg/dL'],
    ['mmol/L', 'mmol/L'],
    ['mmol/l', 'mmol/L'],
  ];
  it.each(cases)('%s -> %s', (spelling, ucum) => {
    expect(canonicalUnit(spelling)).toBe(ucum);
  });

  it('returns undefined for spellings it does not know', () => {
    expect(canonicalUnit('stone')).toBeUndefined();
    expect(canonicalUnit('')).toBeUndefined();
    expect(canonicalUnit('   ')).toBeUndefined();
    expect(canonicalUnit('furlongs')).toBeUndefined();
    // Upper-case M is molar in UCUM, not metre: do not guess.
    expect(canonicalUnit('M')).toBeUndefined();
  });
});

describe('convert', () => {
  it('uses the exact avoirdupois pound', () => {
    expect(convert(1, '[lb_av]', 'kg')).toBe(0.45359237);
    expect(convert(155.2, '[lb_av]', 'kg')).toBeCloseTo(70.397535824, 9);
  });
  it('converts grams, inches, metres', () => {
    expect(convert(70500, 'g', 'kg')).toBeCloseTo(70.5, 12);
    expect(convert(70, '[in_i]', 'cm')).toBeCloseTo(177.8, 12);
    expect(convert(1.72, 'm', 'cm')).toBeCloseTo(172, 12);
    expect(convert(172, 'cm', '[in_i]')).toBeCloseTo(67.7165354, 6);
  });
  it('converts temperature with its offset', () => {
    expect(convert(98.6, '[degF]', 'Cel')).toBeCloseTo(37, 12);
    expect(convert(32, '[degF]', 'Cel')).toBeCloseTo(0, 12);
    expect(convert(-40, '[degF]', 'Cel')).toBeCloseTo(-40, 12);
    expect(convert(37, 'Cel', '[degF]')).toBeCloseTo(98.6, 12);
  });
  it('converts kPa to mm[Hg] at 7.50061683', () => {
    expect(convert(1, 'kPa', 'mm[Hg]')).toBeCloseTo(7.50061683, 8);
    expect(convert(16, 'kPa', 'mm[Hg]')).toBeCloseTo(120.01, 2);
  });
  it('is the identity when the units are equal, even unknown ones', () => {
    expect(convert(12.34, 'kg', 'kg')).toBe(12.34);
    expect(convert(5, '10*3/uL', '10*3/uL')).toBe(5);
  });
  it('refuses glucose mg/dL <-> mmol/L (analyte-specific) and mismatched dimensions', () => {
    expect(convert(100, 'mg/dL', 'mmol/L')).toBeUndefined();
    expect(convert(5.5, 'mmol/L', 'mg/dL')).toBeUndefined();
    expect(convert(70, 'kg', 'cm')).toBeUndefined();
    expect(convert(70, 'stone', 'kg')).toBeUndefined();
  });
});

describe('precision', () => {
  it('keeps the device resolution in the converted unit', () => {
    expect(convertedDecimals(1, '[lb_av]', 'kg')).toBe(1);
    expect(convertedDecimals(1, '[degF]', 'Cel')).toBe(1);
    expect(convertedDecimals(1, 'kPa', 'mm[Hg]')).toBe(0);
    expect(convertedDecimals(0, 'g', 'kg')).toBe(3);
    expect(convertedDecimals(1, '[in_i]', 'cm')).toBe(1);
    expect(convertedDecimals(2, 'kg', 'kg')).toBe(2);
    expect(convertedDecimals(1, 'kg', 'cm')).toBeUndefined();
  });
  it('gives the brief examples end to end', () => {
    const kg = roundTo(convert(155.2, '[lb_av]', 'kg') ?? NaN, 1);
    expect(formatDecimal(kg, 1)).toBe('70.4');
    const cel = roundTo(convert(98.6, '[degF]', 'Cel') ?? NaN, 1);
    expect(formatDecimal(cel, 1)).toBe('37.0');
  });
  it('counts decimals in device text', () => {
    expect(decimalsOf('0070.50')).toBe(2);
    expect(decimalsOf('120')).toBe(0);
    expect(decimalsOf('+12.')).toBe(0);
    expect(decimalsOf('1.5e-3')).toBe(4);
    expect(decimalsOf('15e2')).toBe(0);
  });
  it('rounds half away from zero without binary artefacts', () => {
    expect(roundTo(1.005, 2)).toBe(1.01);
    expect(roundTo(-1.005, 2)).toBe(-1.01);
    expect(roundTo(70.397535824, 1)).toBe(70.4);
    expect(roundTo(2.5, 0)).toBe(3);
  });
  it('formats with exactly the precision asked', () => {
    expect(formatDecimal(70.5, 2)).toBe('70.50');
    expect(formatDecimal(120, 0)).toBe('120');
    expect(formatDecimal(-0.01, 1)).toBe('0.0');
    expect(formatDecimal(36.8)).toBe('36.8');
  });
});

describe('mdcUnit', () => {
  it('names prefixable units with X, as IEEE 11073-20601 and IHE PCD TF-2 do; hertz for sample rates', () => {
    expect(mdcUnit('g')).toEqual({ code: 263872, ref: 'MDC_DIM_X_G' });
    expect(mdcUnit('m')).toEqual({ code: 263424, ref: 'MDC_DIM_X_M' });
    expect(mdcUnit('Ohm')).toEqual({ code: 266432, ref: 'MDC_DIM_X_OHM' });
    expect(mdcUnit('Hz')).toEqual({ code: 264640, ref: 'MDC_DIM_HZ' });
    expect(mdcUnit('uV')).toBeUndefined(); // no published code at hand: UCUM only
  });
  it('maps UCUM to the MDC dimension codes of docs/protocols.md#vital-sign-codes', () => {
    expect(mdcUnit('mm[Hg]')).toEqual({ code: 266016, ref: 'MDC_DIM_MMHG' });
    expect(mdcUnit('%')).toEqual({ code: 262688, ref: 'MDC_DIM_PERCENT' });
    expect(mdcUnit('Cel')).toEqual({ code: 268192, ref: 'MDC_DIM_DEGC' });
    expect(mdcUnit('kg')).toEqual({ code: 263875, ref: 'MDC_DIM_KILO_G' });
    expect(mdcUnit('cm')).toEqual({ code: 263441, ref: 'MDC_DIM_CENTI_M' });
    expect(mdcUnit('kg/m2')).toEqual({ code: 264096, ref: 'MDC_DIM_KG_PER_M_SQ' });
    expect(mdcUnit('[lb_av]')).toEqual({ code: 263904, ref: 'MDC_DIM_LB' });
    expect(mdcUnit('[in_i]')).toEqual({ code: 263520, ref: 'MDC_DIM_INCH' });
    expect(mdcUnit('ms')).toEqual({ code: 264338, ref: 'MDC_DIM_MILLI_SEC' });
    expect(mdcUnit('deg')).toEqual({ code: 262880, ref: 'MDC_DIM_ANG_DEG' });
  });
  it('tells beats from breaths per minute by the metric', () => {
    expect(mdcUnit('/min', 'MDC_PULS_RATE_NON_INV')).toEqual({ code: 264864, ref: 'MDC_DIM_BEAT_PER_MIN' });
    expect(mdcUnit('/min', 'MDC_RESP_RATE')).toEqual({ code: 264928, ref: 'MDC_DIM_RESP_PER_MIN' });
  });
  it('has no MDC unit for what it does not know', () => {
    expect(mdcUnit('10*3/uL')).toBeUndefined();
  });
});
