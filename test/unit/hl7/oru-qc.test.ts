// The QC result message for a LIS: ORU^R01 v2.5.1 with no patient, the control specimen marked in
// SPM-11, read back with an independent parser and checked against the v2.5.1 definitions.

import { Message } from 'node-hl7-client';
import { describe, expect, it } from 'vitest';
import { encodeOruQc, type QcOruContext } from '../../../src/hl7/oru-qc.ts';
import { checkMessage, formatViolations } from '../../support/hl7-conformance/check.ts';
import { qcEntry } from '../../support/qc-entry.ts';

const NOW = new Date('2026-12-06T08:15:00.000Z');

function context(over: Partial<QcOruContext> = {}): QcOruContext {
  return { controlId: 'QC00000001', now: NOW, offsetMinutes: 60, sendingApplication: { name: 'MEDGATE' }, receivingApplication: 'LIS', ...over };
}

const entry = qcEntry;

const segments = (text: string) => text.split('\r').filter((s) => s !== '');
const named = (text: string, name: string) => segments(text).filter((s) => s.startsWith(`${name}|`));

describe('encodeOruQc', () => {
  it('is an ORU^R01 v2.5.1 with no PATIENT group, conformant to the v2.5.1 structure and fields', () => {
    const text = encodeOruQc([entry(), entry({ id: 'QCE0000000000002', test: 'K', testName: 'Potassium', loinc: '2823-3', value: 4.1 })], context());
    expect(formatViolations(checkMessage(text))).toBe('');
    expect(segments(text).map((s) => s.slice(0, 3))).toEqual(['MSH', 'OBR', 'NTE', 'OBX', 'NTE', 'SPM', 'OBR', 'NTE', 'OBX', 'NTE', 'SPM']);
    const m = new Message({ text });
    expect(['MSH.9.1', 'MSH.9.2', 'MSH.9.3'].map((p) => m.get(p).toString())).toEqual(['ORU', 'R01', 'ORU_R01']);
    expect(m.get('SPM.11').toString()).toBe('Q');
    expect(m.get('MSH.10').toString()).toBe('QC00000001');
    expect(m.get('MSH.12').toString()).toBe('2.5.1');
    expect(named(text, 'PID')).toEqual([]);
    expect(named(text, 'PV1')).toEqual([]);
    expect(named(text, 'ORC')).toEqual([]);
  });

  it('marks the control specimen: SPM-2 its sample ID, SPM-4 table 0487 QC3, SPM-11 Q; a calibrator C', () => {
    const text = encodeOruQc(
      [entry(), entry({ id: 'QCE2', role: 'calibrator', specimen: 'CAL-1', status: 'not-judged', notJudged: 'a calibrator is not judged' })],
      context(),
    );
    const spm = named(text, 'SPM').map((s) => s.split('|'));
    expect(spm[0]?.[2]).toBe('^QC-LOT-4711&MEDGATE');
    expect(spm[0]?.[4]).toBe('QC3^Quality Control^HL70487');
    expect(spm[0]?.[11]).toBe('Q');
    expect(spm[1]?.[11]).toBe('C');
    expect(spm[1]?.[2]).toBe('^CAL-1&MEDGATE');
  });

  it('carries the value with its UCUM unit, the test as in patient results, and the lot in a note', () => {
    const text = encodeOruQc([entry()], context());
    const obx = named(text, 'OBX')[0]?.split('|') ?? [];
    expect(obx[2]).toBe('NM');
    expect(obx[3]).toBe('2345-7^Glucose^LN^GLU^Glucose^99MDG');
    expect(obx[5]).toBe('5.62');
    expect(obx[6]).toBe('mmol/L^mmol/L^UCUM');
    expect(obx[8] ?? '').toBe('');
    expect(obx[11]).toBe('F');
    expect(obx[14]).toBe('20261206091000+0100');
    const obr = named(text, 'OBR')[0]?.split('|') ?? [];
    expect(obr[3]).toBe('QCE0000000000001^MEDGATE');
    expect(obr[4]).toBe(obx[3]);
    expect(named(text, 'NTE')[0]).toBe('NTE|1|L|control lot 4711, level 2, PreciControl ClinChem Multi 2');
    expect(named(text, 'NTE')[1]).toBe('NTE|1|L|QC accepted; z 0.80; target 5.5 SD 0.15 mmol/L, configured');
  });

  it('flags a rejected result abnormal (OBX-8 A) and names the rules it violated', () => {
    const rejected = entry({
      value: 6.1,
      z: 4,
      status: 'rejected',
      rules: [
        { rule: '1-3s', outcome: 'rejection', scope: 'point', with: [] },
        { rule: '2-2s', outcome: 'rejection', scope: 'across-runs', with: ['QCE0'] },
      ],
    });
    const text = encodeOruQc([rejected], context());
    expect(formatViolations(checkMessage(text))).toBe('');
    expect(named(text, 'OBX')[0]?.split('|')[8]).toBe('A');
    expect(named(text, 'NTE')[1]).toBe('NTE|1|L|QC rejected: 1-3s, 2-2s; z 4.00; target 5.5 SD 0.15 mmol/L, configured');
    // A warning is no abnormal flag: the run is accepted.
    const warned = encodeOruQc([entry({ status: 'warning', z: 2.3, rules: [{ rule: '1-2s', outcome: 'warning', scope: 'point', with: [] }] })], context());
    expect(named(warned, 'OBX')[0]?.split('|')[8] ?? '').toBe('');
  });

  it('escapes what the analyzer and the configuration named', () => {
    const text = encodeOruQc([entry({ lot: 'A|B', specimen: 'QC^1', material: 'Mix & match' })], context());
    expect(formatViolations(checkMessage(text))).toBe('');
    expect(named(text, 'SPM')[0]?.split('|')[2]).toBe('^QC\\S\\1&MEDGATE');
    expect(named(text, 'NTE')[0]).toBe('NTE|1|L|control lot A\\F\\B, level 2, Mix \\T\\ match');
  });

  it('sends a text result as ST and a comparator as SN', () => {
    const text = encodeOruQc(
      [entry({ value: 'POS', unit: undefined, z: undefined, target: undefined, status: 'not-judged' }), entry({ id: 'X2', value: '<0.5' })],
      context(),
    );
    expect(formatViolations(checkMessage(text))).toBe('');
    const obx = named(text, 'OBX').map((s) => s.split('|'));
    expect([obx[0]?.[2], obx[0]?.[5]]).toEqual(['ST', 'POS']);
    expect([obx[1]?.[2], obx[1]?.[5]]).toEqual(['SN', '<^0.5']);
  });

  it('refuses an empty run', () => {
    expect(() => encodeOruQc([], context())).toThrow(RangeError);
  });
});
