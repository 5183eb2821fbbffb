import { describe, it, expect } from 'vitest';
import type { HoldCode, HoldReason } from '../../../src/model/hold.ts';
import type { Observation, Reading } from '../../../src/model/reading.ts';
import { checkPlausibility } from '../../../src/pipeline/plausibility.ts';
import { normalize } from '../../../src/pipeline/normalize.ts';

const SYS = { mdc: { ref: 'MDC_PRESS_BLD_NONINV_SYS', code: 150021 }, loinc: '8480-6' };
const DIA = { mdc: { ref: 'MDC_PRESS_BLD_NONINV_DIA', code: 150022 }, loinc: '8462-4' };
const MEAN = { mdc: { ref: 'MDC_PRESS_BLD_NONINV_MEAN', code: 150023 }, loinc: '8478-0' };

function reading(observations: Observation[]): Reading {
  return {
    id: 'R1',
    deviceId: 'bp-1',
    kind: 'bp',
    observedAt: '2026-11-27T09:41:00.000-05:00',
    receivedAt: '2026-11-27T09:41:01.000-05:00',
    observations,
    raw: '',
  };
}

/** A value hold, about the observations at `observations`. */
function value(code: HoldCode, text: string, observations: number[]): HoldReason {
  return { kind: 'value', code, text, observations };
}

function mmHg(code: Observation['code'], value: number): Observation {
  return { code, value, unit: 'mm[Hg]', precision: 0, status: 'F' };
}

describe('checkPlausibility', () => {
  it('passes a normal blood pressure', () => {
    expect(checkPlausibility(reading([mmHg(SYS, 120), mmHg(DIA, 80), mmHg(MEAN, 93)]))).toEqual([]);
  });

  it('names measurement, value, unit and range when out of range', () => {
    expect(checkPlausibility(reading([mmHg(SYS, 400), mmHg(DIA, 80)]))).toEqual([
      value('implausible', 'implausible: Systolic blood pressure 400 mm[Hg] outside 20–300', [0]),
    ]);
    const weight: Observation = {
      code: { loinc: '29463-7' },
      value: 700.25,
      precision: 2,
      unit: 'kg',
      status: 'F',
    };
    expect(checkPlausibility(reading([weight]))).toEqual([value('implausible', 'implausible: Body weight 700.25 kg outside 0.2–650', [0])]);
  });

  it('cross-checks diastolic against systolic and mean against both', () => {
    expect(checkPlausibility(reading([mmHg(SYS, 80), mmHg(DIA, 120)]))).toEqual([
      value('implausible', 'implausible: diastolic 120 mm[Hg] is not below systolic 80 mm[Hg]', [0, 1]),
    ]);
    expect(checkPlausibility(reading([mmHg(SYS, 120), mmHg(DIA, 120)]))).toHaveLength(1);
    expect(checkPlausibility(reading([mmHg(DIA, 80), mmHg(MEAN, 150), mmHg(SYS, 120)]))).toEqual([
      value('implausible', 'implausible: mean 150 mm[Hg] outside diastolic–systolic 80–120 mm[Hg]', [2, 0, 1]),
    ]);
    expect(checkPlausibility(reading([mmHg(SYS, 120), mmHg(DIA, 80), mmHg(MEAN, 60)]))).toHaveLength(1);
  });

  it('flags NaN and Infinity, even on codes it does not know', () => {
    expect(checkPlausibility(reading([mmHg(SYS, Number.NaN)]))).toEqual([
      value('not-a-number', 'implausible: Systolic blood pressure NaN is not a finite number', [0]),
    ]);
    const odd: Observation = { code: { local: { system: 'X', code: 'Y' } }, value: Infinity, status: 'F' };
    expect(checkPlausibility(reading([mmHg(SYS, 120), odd]))).toEqual([value('not-a-number', 'implausible: Y Infinity is not a finite number', [1])]);
  });

  it('flags a known measurement that is not in its canonical unit or not a number', () => {
    const stone: Observation = { code: { loinc: '29463-7' }, value: 11, unit: 'stone', status: 'F' };
    expect(checkPlausibility(reading([stone]))).toEqual([value('unit', 'implausible: Body weight 11 stone cannot be checked: expected kg', [0])]);
    const text: Observation = { code: SYS, value: '---', status: 'F' };
    expect(checkPlausibility(reading([text]))).toEqual([value('not-a-number', "implausible: Systolic blood pressure '---' is not a number", [0])]);
  });

  it('ignores observations outside the vocabulary', () => {
    const lab: Observation = { code: { local: { system: 'UA', code: 'GLU' } }, value: 5000, unit: 'mg/dL', status: 'F' };
    expect(checkPlausibility(reading([lab]))).toEqual([]);
  });

  it('holds a systolic of 900 that came through normalize', () => {
    const { reading: r, problems } = normalize(
      {
        measurements: [
          { type: 'bp.systolic', value: 900, unit: 'mmHg' },
          { type: 'bp.diastolic', value: 80, unit: 'mmHg' },
        ],
        raw: '',
      },
      { deviceId: 'bp-1', kind: 'bp', receivedAt: new Date() },
    );
    expect(problems).toEqual([]);
    expect(checkPlausibility(r)).toEqual([value('implausible', 'implausible: Systolic blood pressure 900 mm[Hg] outside 20–300', [0])]);
  });
});

describe('plausibility with a driver-specific code', () => {
  it('still checks the range of the vocabulary type the value was normalized against', () => {
    const { reading } = normalize(
      {
        measurements: [
          { type: 'temperature', code: { mdc: { ref: 'MDC_TEMP_ORAL' } }, value: 95, unit: 'Cel' },
          { type: 'bp.systolic', code: { local: { system: 'VENDOR', code: 'SYS' } }, value: 900, unit: 'mmHg' },
          { type: 'bp.diastolic', code: { local: { system: 'VENDOR', code: 'DIA' } }, value: 950, unit: 'mmHg' },
        ],
        raw: 'x',
      },
      { deviceId: 'd', kind: 'vitals', receivedAt: new Date('2026-11-27T10:00:00Z') },
    );
    const reasons = checkPlausibility(reading).map((r) => r.text);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^implausible: Body temperature 95 Cel/),
        expect.stringMatching(/^implausible: Systolic blood pressure 900/),
        expect.stringMatching(/^implausible: diastolic 950 mm\[Hg\] is not below systolic 900/),
      ]),
    );
  });
});
