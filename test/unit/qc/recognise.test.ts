// Which reports are control material, and which lot and level they are: the wire's mark first, then
// the device's control lot IDs, then its sample-ID pattern with named groups.

import { describe, expect, it } from 'vitest';
import type { ControlMark } from '../../../src/model/control-mark.ts';
import type { DeviceQcT } from '../../../src/model/qc-settings.ts';
import { compileSampleIdPattern, qcIdentityOf, type QcIdentity } from '../../../src/qc/recognise.ts';

const ASTM_Q: ControlMark = { role: 'control', marker: 'ASTM O-12 Q' };
const LOTS: DeviceQcT = {
  lots: [
    { id: 'QC-LOT-4711', level: '1', material: 'PreciControl ClinChem Multi 1', expires: '2027-03-31' },
    { id: 'L2-0815', level: '2' },
  ],
};
const PATTERN: DeviceQcT = { sampleIdPattern: '^QC(?<level>[123])-(?<lot>.+)$' };
const PLAIN_PATTERN: DeviceQcT = { sampleIdPattern: '^QC' };

const cases: Array<{ name: string; specimen?: string; control?: ControlMark; qc?: DeviceQcT; expected: Partial<QcIdentity> | undefined }> = [
  { name: 'a patient specimen, no settings', specimen: 'S-1001', expected: undefined },
  { name: 'a patient specimen, a pattern that does not match', specimen: 'S-1001', qc: PATTERN, expected: undefined },
  { name: 'a patient specimen, lots that do not list it', specimen: 'S-1001', qc: LOTS, expected: undefined },
  {
    name: 'ASTM O-12 Q with no settings: the specimen ID is the lot',
    specimen: 'QC-LOT-4711',
    control: ASTM_Q,
    expected: { role: 'control', marker: 'ASTM O-12 Q', lot: 'QC-LOT-4711' },
  },
  {
    name: 'ASTM O-12 Q on a configured lot: its level, material and expiry',
    specimen: 'QC-LOT-4711',
    control: ASTM_Q,
    qc: LOTS,
    expected: { marker: 'ASTM O-12 Q', lot: 'QC-LOT-4711', level: '1', material: 'PreciControl ClinChem Multi 1', expires: '2027-03-31' },
  },
  {
    name: 'the wire names the lot and level apart from the sample ID',
    specimen: 'CTRL 7',
    control: { role: 'control', marker: 'HL7 SPM-11 Q', lot: 'L2-0815', level: 'high' },
    qc: LOTS,
    expected: { lot: 'L2-0815', level: 'high' },
  },
  {
    name: 'a calibrator (HL7 SPM-11 C)',
    specimen: 'CAL-1',
    control: { role: 'calibrator', marker: 'HL7 SPM-11 C' },
    expected: { role: 'calibrator', marker: 'HL7 SPM-11 C', lot: 'CAL-1' },
  },
  { name: 'a control with no specimen ID at all', control: ASTM_Q, expected: { lot: 'unknown' } },
  {
    name: 'unmarked, but in the lot list',
    specimen: 'L2-0815',
    qc: LOTS,
    expected: { role: 'control', marker: 'control lot list', lot: 'L2-0815', level: '2' },
  },
  {
    name: 'unmarked, the pattern with lot and level groups',
    specimen: 'QC3-ABC99',
    qc: PATTERN,
    expected: { marker: 'sample ID pattern', lot: 'ABC99', level: '3' },
  },
  {
    name: 'unmarked, a pattern with no groups: the sample ID is the lot',
    specimen: 'QC-N1',
    qc: PLAIN_PATTERN,
    expected: { marker: 'sample ID pattern', lot: 'QC-N1' },
  },
  {
    name: "the pattern's lot group finds a configured lot and its level",
    specimen: 'QC9-L2-0815',
    qc: { sampleIdPattern: '^QC\\d-(?<lot>.+)$', lots: LOTS.lots },
    expected: { lot: 'L2-0815', level: '2' },
  },
  {
    name: 'a literal dash written "\\-" (valid config) recognises the control and its lot',
    specimen: 'QC-4711',
    qc: { sampleIdPattern: '^QC\\-(?<lot>\\d+)' },
    expected: { marker: 'sample ID pattern', lot: '4711' },
  },
  { name: 'an escaped underscore "\\_" recognises the control', specimen: 'QC_7', qc: { sampleIdPattern: '^QC\\_' }, expected: { lot: 'QC_7' } },
  { name: 'a sample ID of blanks is no sample ID', specimen: '   ', qc: PLAIN_PATTERN, expected: undefined },
];

describe('qcIdentityOf', () => {
  for (const c of cases) {
    it(c.name, () => {
      const report = { ...(c.specimen === undefined ? {} : { specimen: { id: c.specimen } }), ...(c.control ? { control: c.control } : {}) };
      const got = qcIdentityOf(report, c.qc);
      if (c.expected === undefined) expect(got).toBeUndefined();
      else expect(got).toMatchObject(c.expected);
    });
  }

  it('says so when the pattern does not compile, never "not QC" in silence', () => {
    expect(() => qcIdentityOf({ specimen: { id: 'QC1-A' } }, { sampleIdPattern: '^QC(' })).toThrow(/qc\.sampleIdPattern does not compile/);
  });

  it('accepts at recognition every pattern the config check accepts', () => {
    for (const pattern of ['^QC\\-(?<lot>\\d+)', '^QC\\_', '^QC{', '^QC[\\-]']) {
      expect(compileSampleIdPattern(pattern)).toBeInstanceOf(RegExp);
      expect(() => qcIdentityOf({ specimen: { id: 'QC-1' } }, { sampleIdPattern: pattern })).not.toThrow();
    }
  });

  it('keeps the configured lot (its targets) with the identity', () => {
    const qc: DeviceQcT = { lots: [{ id: 'QC-LOT-4711', targets: { GLU: { mean: 5.5, sd: 0.15 } } }] };
    expect(qcIdentityOf({ specimen: { id: 'QC-LOT-4711' }, control: ASTM_Q }, qc)?.configuredLot?.targets).toEqual({ GLU: { mean: 5.5, sd: 0.15 } });
  });

  it('cuts a lot longer than the API can filter to 64 characters', () => {
    expect(qcIdentityOf({ specimen: { id: 'Q'.repeat(100) }, control: ASTM_Q }, undefined)?.lot).toBe('Q'.repeat(64));
  });
});
