import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { driver } from '../../../drivers/ekg-serial/index.ts';
import { EkgBlockAssembler } from '../../../drivers/ekg-serial/decode.ts';
import { bytes, chunksAt, oneByteAtATime, open, outcome } from './harness.ts';

const BLOCK =
  [
    'ECG REPORT',
    'ID: MRN4711',
    'NAME: Doe, Jane',
    'DOB: 1970-01-01',
    'SEX: F',
    'DATE: 2026-11-27 09:41',
    'DEVICE: CardioSim 12 SN0042',
    'HR: 72 bpm',
    'PR: 160 ms',
    'QRS: 92 ms',
    'QT/QTc: 380/402 ms',
    'AXES P/QRS/T: 45/30/-15',
    'INTERP: Sinus rhythm',
    'INTERP: Normal ECG',
    'END',
  ].join('\r\n') + '\r\n';

const EXPECTED_MEASUREMENTS = [
  { type: 'ecg.heart_rate', value: 72, valueText: '72', unit: 'bpm' },
  { type: 'ecg.pr', value: 160, valueText: '160', unit: 'ms' },
  { type: 'ecg.qrs', value: 92, valueText: '92', unit: 'ms' },
  { type: 'ecg.qt', value: 380, valueText: '380', unit: 'ms' },
  { type: 'ecg.qtc', value: 402, valueText: '402', unit: 'ms' },
  { type: 'ecg.p_axis', value: 45, valueText: '45' },
  { type: 'ecg.qrs_axis', value: 30, valueText: '30' },
  { type: 'ecg.t_axis', value: -15, valueText: '-15' },
  { code: { loinc: '8601-7', mdc: { ref: 'MDC_ECG_INTERPRETATION' }, display: 'EKG impression' }, value: 'Sinus rhythm\nNormal ECG' },
];

describe('ekg-serial: a report block', () => {
  it('becomes one report with subject, time, device, measurements and interpretation', () => {
    const h = open(driver);
    h.feed(BLOCK);
    expect(h.errors).toEqual([]);
    expect(h.reports).toEqual([
      {
        measurements: EXPECTED_MEASUREMENTS,
        observedAt: '2026-11-27T09:41:00',
        equipment: 'CardioSim 12 SN0042',
        subject: { mrn: 'MRN4711', family: 'Doe', given: 'Jane', dob: '1970-01-01', sex: 'F' },
        raw: BLOCK.trimEnd(),
      },
    ]);
  });

  it('gives the same reports and errors in any chunking', () => {
    const stream = bytes(`noise\r\n${BLOCK}${BLOCK.replace('MRN4711', 'MRN4712').slice(0, 60)}\n${BLOCK.replace('72 bpm', '61 bpm')}`);
    const whole = outcome(driver, {}, [stream]);
    expect(whole.reports).toHaveLength(2);
    expect(whole.errors.map((e) => e.reason)).toEqual([
      'text outside an ECG REPORT block ignored',
      // The cut block ends in "S" (the start of "SEX: F").
      'line 5 of the report is not "KEY: value": ignored',
      'report block cut off (no END before the next ECG REPORT): discarded',
    ]);
    expect(outcome(driver, {}, oneByteAtATime(stream))).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 30 }), (cuts) => {
        expect(outcome(driver, {}, chunksAt(stream, cuts))).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it('accepts LF-only line ends, lower-case keys, separate QT and QTc and unmeasured values', () => {
    const h = open(driver);
    h.feed('ECG REPORT\nhr: 58 /min\nQT: 420 ms\nQTc: 413 ms\nPR: --- ms\nAXES P/QRS/T: 60/---/50\nEND\n');
    expect(h.errors).toEqual([]);
    expect(h.reports[0]?.measurements).toEqual([
      { type: 'ecg.heart_rate', value: 58, valueText: '58', unit: '/min' },
      { type: 'ecg.qt', value: 420, valueText: '420', unit: 'ms' },
      { type: 'ecg.qtc', value: 413, valueText: '413', unit: 'ms' },
      { type: 'ecg.p_axis', value: 60, valueText: '60' },
      { type: 'ecg.t_axis', value: 50, valueText: '50' },
    ]);
  });
});

describe('ekg-serial: what goes wrong', () => {
  it('reports a block without ID or DATE without a subject and without device time', () => {
    const h = open(driver);
    h.feed('ECG REPORT\r\nNAME: Doe, Jane\r\nHR: 72 bpm\r\nEND\r\n');
    expect(h.reports).toHaveLength(1);
    expect(h.reports[0]?.subject).toBeUndefined();
    expect(h.reports[0]?.observedAt).toBeUndefined();
  });

  it('names a bad value and keeps the rest of the block', () => {
    const h = open(driver);
    h.feed('ECG REPORT\r\nHR: 7?2 bpm\r\nQT/QTc: 380 ms\r\nQRS: 92 ms\r\nEND\r\n');
    expect(h.errors.map((e) => e.reason)).toEqual(['HR: value is not a number', 'QT/QTC: value does not have 2 values']);
    expect(h.errors.map((e) => e.detail)).toEqual(['HR: "7?2 bpm" is not a number', 'QT/QTC: "380 ms" does not have 2 values']);
    expect(h.reports[0]?.measurements).toEqual([{ type: 'ecg.qrs', value: 92, valueText: '92', unit: 'ms' }]);
  });

  it('ignores a garbage line inside a block with an error, and garbage before a header', () => {
    const h = open(driver);
    h.feed('\x00\x13\xffECG REPORT\r\n\x07\x02zz\r\nHR: 72 bpm\r\nEND\r\n');
    expect(h.errors.map((e) => e.reason)).toEqual(['garbage before the report header discarded', 'line 2 of the report is not "KEY: value": ignored']);
    expect(h.reports).toHaveLength(1);
  });

  it('discards a block cut by a new header, and one cut by the link going down', () => {
    const h = open(driver);
    h.feed('ECG REPORT\r\nID: A1\r\nHR: 72 bpm\r\nECG REPORT\r\nID: A2\r\nHR: 80 bpm\r\nEND\r\nECG REPORT\r\nHR: 99');
    h.session.linkDown?.();
    h.feed(' bpm\r\nEND\r\n');
    expect(h.reports.map((r) => r.subject?.mrn)).toEqual(['A2']);
    expect(h.errors.map((e) => e.reason)).toEqual([
      'report block cut off (no END before the next ECG REPORT): discarded',
      'link dropped in the middle of a report block: discarded',
      'text outside an ECG REPORT block ignored',
      'text outside an ECG REPORT block ignored',
    ]);
    // The device runner logs refused bytes: who the patient was stays out of them.
    expect(h.errors[0]?.bytes).toBe('ECG REPORT\r\nID: ***\r\nHR: 72 bpm');
  });

  it('refuses an empty block and a runaway block without END', () => {
    const h = open(driver);
    h.feed('ECG REPORT\r\nID: A1\r\nEND\r\n');
    h.feed('ECG REPORT\r\n' + 'INTERP: x\r\n'.repeat(120));
    expect(h.reports).toEqual([]);
    expect(h.errors.map((e) => e.reason)).toContain('report block without measurements or interpretation: nothing to report');
    expect(h.errors.map((e) => e.reason)).toContain('report block longer than 100 lines without END: discarded');
  });

  it('never throws on random bytes and emits only reports built from whole blocks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (data) => {
        const h = open(driver);
        expect(() => h.session.receive(data)).not.toThrow();
        for (const r of h.reports) expect(r.raw.startsWith('ECG REPORT')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('ekg-serial: header words inside free text', () => {
  it('an interpretation that ends in "ECG report" stays in its block', () => {
    const a = new EkgBlockAssembler();
    const lines = ['ECG REPORT', 'ID: MRN4711', 'HR: 72 bpm', 'INTERP: Unconfirmed ECG report', 'INTERP: Sinus rhythm', 'END'];
    const events = lines.flatMap((l) => a.push(l));
    expect(events.filter((e) => e.kind === 'error')).toEqual([]);
    const reports = events.filter((e) => e.kind === 'report');
    expect(reports).toHaveLength(1);
    expect(JSON.stringify(reports[0])).toContain('MRN4711');
    expect(JSON.stringify(reports[0])).toContain('Unconfirmed ECG report');
  });
});
