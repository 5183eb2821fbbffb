// Unit spellings -> UCUM, conversions between UCUM units, decimal precision, and UCUM -> MDC units.
// MDC units are partition 4 (DIM) * 65536 + term, REFIDs as IEEE 11073-20601 Annex A names them
// (with its 10408/10415/10417/10441 specialization units, as reproduced in public PHD stacks);
// IHE PCD TF-2 Rev. 9.0 examples use the same codes (266016, 264864, 262688, 263875, 263872,
// 263441, 264338, 264928). Per unit below where another source was needed.

/** Exact spellings, tried first (case matters here: `m` is metre, `M` would be molar). */
const EXACT: Record<string, string> = {
  'mm[Hg]': 'mm[Hg]',
  kPa: 'kPa',
  '/min': '/min',
  '%': '%',
  '[degF]': '[degF]',
  Cel: 'Cel',
  K: 'K',
  '[lb_av]': '[lb_av]',
  '[oz_av]': '[oz_av]',
  kg: 'kg',
  g: 'g',
  mg: 'mg',
  cm: 'cm',
  mm: 'mm',
  m: 'm',
  '[in_i]': '[in_i]',
  '[ft_i]': '[ft_i]',
  'kg/m2': 'kg/m2',
  ms: 'ms',
  s: 's',
  deg: 'deg',
  Ohm: 'Ohm',
  'mg/dL': 'mg/dL',
  'mmol/L': 'mmol/L',
  'g/dL': 'g/dL',
  uV: 'uV',
  mV: 'mV',
  Hz: 'Hz',
  C: 'Cel',
  F: '[degF]',
};

/** Common device spellings, matched case-insensitively after trimming. */
const ALIASES: Record<string, string> = {
  mmhg: 'mm[Hg]',
  'mm hg': 'mm[Hg]',
  'mm[hg]': 'mm[Hg]',
  kpa: 'kPa',
  bpm: '/min',
  'beats/min': '/min',
  'beat/min': '/min',
  '{beats}/min': '/min',
  '{beat}/min': '/min',
  '1/min': '/min',
  'breaths/min': '/min',
  '{breaths}/min': '/min',
  '{breath}/min': '/min',
  brpm: '/min',
  rpm: '/min',
  percent: '%',
  pct: '%',
  degf: '[degF]',
  '°f': '[degF]',
  'º f': '[degF]',
  '° f': '[degF]',
  ºf: '[degF]',
  f: '[degF]',
  fahrenheit: '[degF]',
  degc: 'Cel',
  '°c': 'Cel',
  ºc: 'Cel',
  '° c': 'Cel',
  c: 'Cel',
  cel: 'Cel',
  celsius: 'Cel',
  lb: '[lb_av]',
  lbs: '[lb_av]',
  pound: '[lb_av]',
  pounds: '[lb_av]',
  '[lb_av]': '[lb_av]',
  oz: '[oz_av]',
  kg: 'kg',
  kgs: 'kg',
  g: 'g',
  gr: 'g',
  mg: 'mg',
  cm: 'cm',
  mm: 'mm',
  in: '[in_i]',
  inch: '[in_i]',
  inches: '[in_i]',
  '"': '[in_i]',
  '[in_i]': '[in_i]',
  ft: '[ft_i]',
  'kg/m2': 'kg/m2',
  'kg/m^2': 'kg/m2',
  'kg/m²': 'kg/m2',
  'kg/(m2)': 'kg/m2',
  ms: 'ms',
  msec: 'ms',
  sec: 's',
  deg: 'deg',
  '°': 'deg',
  degrees: 'deg',
  ohm: 'Ohm',
  ohms: 'Ohm',
  Ω: 'Ohm',
  'mg/dl': 'mg/dL',
  'mmol/l': 'mmol/L',
  'g/dl': 'g/dL',
  uv: 'uV',
  µv: 'uV',
  μv: 'uV',
  mv: 'mV',
  hz: 'Hz',
};

/** The UCUM code for a unit as a device spells it, or undefined when the spelling is unknown. */
export function canonicalUnit(spelling: string): string | undefined {
  const trimmed = spelling.trim();
  if (trimmed === '') return undefined;
  return EXACT[trimmed] ?? ALIASES[trimmed.toLowerCase()];
}

interface Scale {
  dimension: string;
  /** value_in_base = value * factor + offset */
  factor: number;
  offset: number;
}

// 1 kPa = 7.50061683 mm[Hg] (the commonly quoted factor; the conventional 133.322387415 Pa/mmHg
// differs in the 7th digit, far below any device resolution).
const MMHG_PER_KPA = 7.50061683;

// Linear (and, for temperature, affine) scales to one base unit per dimension.
// Glucose mg/dL <-> mmol/L is analyte-specific (molar mass) and deliberately absent.
const SCALES: Record<string, Scale> = {
  kg: { dimension: 'mass', factor: 1, offset: 0 },
  g: { dimension: 'mass', factor: 1e-3, offset: 0 },
  mg: { dimension: 'mass', factor: 1e-6, offset: 0 },
  '[lb_av]': { dimension: 'mass', factor: 0.45359237, offset: 0 },
  '[oz_av]': { dimension: 'mass', factor: 0.45359237 / 16, offset: 0 },
  m: { dimension: 'length', factor: 1, offset: 0 },
  cm: { dimension: 'length', factor: 1e-2, offset: 0 },
  mm: { dimension: 'length', factor: 1e-3, offset: 0 },
  '[in_i]': { dimension: 'length', factor: 0.0254, offset: 0 },
  '[ft_i]': { dimension: 'length', factor: 0.3048, offset: 0 },
  'mm[Hg]': { dimension: 'pressure', factor: 1, offset: 0 },
  kPa: { dimension: 'pressure', factor: MMHG_PER_KPA, offset: 0 },
  Cel: { dimension: 'temperature', factor: 1, offset: 0 },
  '[degF]': { dimension: 'temperature', factor: 5 / 9, offset: -32 * (5 / 9) },
  K: { dimension: 'temperature', factor: 1, offset: -273.15 },
  s: { dimension: 'time', factor: 1, offset: 0 },
  ms: { dimension: 'time', factor: 1e-3, offset: 0 },
  uV: { dimension: 'voltage', factor: 1e-6, offset: 0 },
  mV: { dimension: 'voltage', factor: 1e-3, offset: 0 },
};

/** Converts between two UCUM units; undefined when they measure different things or are unknown. */
export function convert(value: number, fromUcum: string, toUcum: string): number | undefined {
  if (fromUcum === toUcum) return value;
  const from = SCALES[fromUcum];
  const to = SCALES[toUcum];
  if (!from || !to || from.dimension !== to.dimension) return undefined;
  return (value * from.factor + from.offset - to.offset) / to.factor;
}

/**
 * Decimals to keep after converting a value that had `decimals` places in `fromUcum`.
 *
 * Rule: the device's resolution step (10^-decimals in its unit) is converted to the target unit,
 * and the output keeps the power of ten nearest to that step on a log scale. The converted value
 * thus claims about the precision the device had, no more and no less: 155.2 lb -> 70.4 kg,
 * 98.6 [degF] -> 37.0 Cel, 16.0 kPa -> 120 mm[Hg], 70500 g -> 70.500 kg, 70.0 in -> 177.8 cm.
 */
export function convertedDecimals(decimals: number, fromUcum: string, toUcum: string): number | undefined {
  if (fromUcum === toUcum) return decimals;
  const from = SCALES[fromUcum];
  const to = SCALES[toUcum];
  if (!from || !to || from.dimension !== to.dimension) return undefined;
  const step = 10 ** -decimals * (from.factor / to.factor);
  return Math.min(9, Math.max(0, Math.round(-Math.log10(step))));
}

/** Decimal places in a numeric text (`0070.50` -> 2, `120` -> 0, `1e-3` -> 3). */
export function decimalsOf(text: string): number {
  const t = text.trim();
  const exp = /[eE]([+-]?\d+)$/.exec(t);
  const mantissa = exp ? t.slice(0, exp.index) : t;
  const dot = mantissa.indexOf('.');
  const frac = dot < 0 ? 0 : mantissa.length - dot - 1;
  return Math.max(0, frac - (exp ? Number(exp[1]) : 0));
}

/** Rounds half away from zero at `decimals` places, avoiding the 1.005 -> 1.00 binary artefact. */
export function roundTo(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** decimals;
  // A couple of ulps of headroom so 1.005 (stored as 1.00499999...) rounds to 1.01.
  const rounded = Math.round(Math.abs(value) * factor * (1 + 4 * Number.EPSILON)) / factor;
  return value < 0 ? -rounded : rounded;
}

/** Fixed-point text with exactly `decimals` places (70.5, 2 -> "70.50"); plain text when undefined. */
export function formatDecimal(value: number, decimals?: number): string {
  if (decimals === undefined || !Number.isFinite(value)) return String(value);
  const text = roundTo(value, decimals).toFixed(decimals);
  return text.startsWith('-') && Number(text) === 0 ? text.slice(1) : text;
}

export interface MdcUnit {
  code: number;
  ref: string;
}

const DIM = 4 * 65536;

const MDC_UNITS: Record<string, MdcUnit> = {
  'mm[Hg]': { code: DIM + 3872, ref: 'MDC_DIM_MMHG' },
  kPa: { code: DIM + 3843, ref: 'MDC_DIM_KILO_PASCAL' },
  '/min': { code: DIM + 2720, ref: 'MDC_DIM_BEAT_PER_MIN' },
  '%': { code: DIM + 544, ref: 'MDC_DIM_PERCENT' },
  Cel: { code: DIM + 6048, ref: 'MDC_DIM_DEGC' },
  '[degF]': { code: DIM + 4416, ref: 'MDC_DIM_FAHR' },
  kg: { code: DIM + 1731, ref: 'MDC_DIM_KILO_G' },
  // Units that take a prefix are named with X (MDC_DIM_X_G, MDC_DIM_X_M), as 20601 and TF-2 write them.
  g: { code: DIM + 1728, ref: 'MDC_DIM_X_G' },
  '[lb_av]': { code: DIM + 1760, ref: 'MDC_DIM_LB' },
  cm: { code: DIM + 1297, ref: 'MDC_DIM_CENTI_M' },
  m: { code: DIM + 1280, ref: 'MDC_DIM_X_M' },
  '[in_i]': { code: DIM + 1376, ref: 'MDC_DIM_INCH' },
  'kg/m2': { code: DIM + 1952, ref: 'MDC_DIM_KG_PER_M_SQ' },
  ms: { code: DIM + 2194, ref: 'MDC_DIM_MILLI_SEC' },
  deg: { code: DIM + 736, ref: 'MDC_DIM_ANG_DEG' },
  // 4::4288 is not in 20601; the code of the LNI 11073 nomenclature list, named with X as OpenICE does.
  Ohm: { code: DIM + 4288, ref: 'MDC_DIM_X_OHM' },
  'mg/dL': { code: DIM + 2130, ref: 'MDC_DIM_MILLI_G_PER_DL' },
  'mmol/L': { code: DIM + 4722, ref: 'MDC_DIM_MILLI_MOLE_PER_L' },
  // A waveform's sample rate (IHE PCD WCM rows): 4::2496, the 20601 dimension table's hertz.
  Hz: { code: DIM + 2496, ref: 'MDC_DIM_HZ' },
};

const RESP_PER_MIN: MdcUnit = { code: DIM + 2784, ref: 'MDC_DIM_RESP_PER_MIN' };

/**
 * The MDC unit for a UCUM unit. `/min` is beats per minute except for respiration metrics
 * (REFID containing `RESP`), which MDC counts in breaths per minute.
 */
export function mdcUnit(ucum: string, metricRef?: string): MdcUnit | undefined {
  if (ucum === '/min' && metricRef?.includes('RESP')) return RESP_PER_MIN;
  return MDC_UNITS[ucum];
}
