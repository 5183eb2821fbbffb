import { describe, it, expect } from 'vitest';
import { ECG_ELEC_POTL, ecgLeadCode, STANDARD_LEADS } from '../../../src/model/ecg-leads.ts';

describe('ecgLeadCode (IEEE 11073-10101 MDC_ECG_ELEC_POTL_*)', () => {
  it('gives each of the 12 leads its own code: 2::256 + the lead term of DICOM CID 3001', () => {
    expect(STANDARD_LEADS.map((l) => [l, ecgLeadCode(l).code, ecgLeadCode(l).ref])).toEqual([
      ['I', 131329, 'MDC_ECG_ELEC_POTL_I'],
      ['II', 131330, 'MDC_ECG_ELEC_POTL_II'],
      ['III', 131389, 'MDC_ECG_ELEC_POTL_III'],
      ['aVR', 131390, 'MDC_ECG_ELEC_POTL_AVR'],
      ['aVL', 131391, 'MDC_ECG_ELEC_POTL_AVL'],
      ['aVF', 131392, 'MDC_ECG_ELEC_POTL_AVF'],
      ['V1', 131331, 'MDC_ECG_ELEC_POTL_V1'],
      ['V2', 131332, 'MDC_ECG_ELEC_POTL_V2'],
      ['V3', 131333, 'MDC_ECG_ELEC_POTL_V3'],
      ['V4', 131334, 'MDC_ECG_ELEC_POTL_V4'],
      ['V5', 131335, 'MDC_ECG_ELEC_POTL_V5'],
      ['V6', 131336, 'MDC_ECG_ELEC_POTL_V6'],
    ]);
    expect(ECG_ELEC_POTL).toEqual({ ref: 'MDC_ECG_ELEC_POTL', code: 131328 });
  });

  it('is case-insensitive, and gives another lead its REFID without a made-up number', () => {
    expect(ecgLeadCode('avf').code).toBe(131392);
    expect(ecgLeadCode('V3R')).toEqual({ ref: 'MDC_ECG_ELEC_POTL_V3R' });
  });
});
