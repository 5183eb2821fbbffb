// astm-lis2, control specimens on the wire: O-12 action code `Q` ("treat specimen as a Q/C test
// specimen", ASTM E1394 / CLSI LIS2-A2 order record, field 12) marks the report; a QC transmission with an empty P
// record decodes without a problem or a note about the missing patient, and is acknowledged frame by
// frame like a patient's. Records constructed in the layout host interface manuals print.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../drivers/astm-lis2/decode.ts';
import { driver } from '../../../drivers/astm-lis2/index.ts';
import type { DeviceReport } from '../../../src/model/driver.ts';
import { ACK, ENQ, EOT, framesOf } from '../../support/astm-wire.ts';
import { bytes, chunksAt, logsAboveDebug, oneByteAtATime, open } from './harness.ts';

const H = 'H|\\^&|||CHEM-300^4.1^SN1187|||||MEDGATE||P|LIS2-A2|20250114093015';

/** O record with O-3 specimen, O-5 test, O-12 action code and O-26 report type. */
function order(specimen: string, action: string, reportType = 'F'): string {
  const o = Array<string>(26).fill('');
  o[0] = 'O';
  o[1] = '1';
  o[2] = specimen;
  o[4] = '^^^GLU';
  o[5] = 'R';
  o[11] = action;
  o[15] = 'serum';
  o[25] = reportType;
  return o.join('|');
}

const result = (value: string): string => `R|1|^^^GLU|${value}|mg/dL||N||F||OP1|20250114093000|20250114093010|CHEM-300`;

/** The transmission: an empty P, the control lot as specimen, O-12 Q, one glucose result. */
const qcRecords = [H, 'P|1', order('QC-LOT-4711', 'Q'), result('98'), 'L|1|N'];

describe('astm-lis2 decode: O-12 action code (docs/protocols.md#quality-control-results-on-the-wire)', () => {
  it('an empty P and O-12 Q: a control report, no problem and no note about a missing patient', () => {
    const out = decodeMessage(qcRecords);
    expect(out.problems).toEqual([]);
    expect(out.notes).toEqual([]);
    const [report, ...rest] = out.reports;
    expect(rest).toEqual([]);
    expect(report).toMatchObject({
      control: { role: 'control', marker: 'ASTM O-12 Q' },
      specimen: { id: 'QC-LOT-4711', type: 'serum' },
      order: { placer: 'QC-LOT-4711', code: { system: 'L', code: 'GLU' } },
      observedAt: '2025-01-14T09:30:10',
    });
    expect(report?.subject).toBeUndefined();
    // The wire names no lot, level or material: none is guessed (the core takes the specimen ID).
    expect(report?.control).toEqual({ role: 'control', marker: 'ASTM O-12 Q' });
    expect(report?.measurements.map((m) => [m.code?.local?.code, m.value, m.unit])).toEqual([['GLU', 98, 'mg/dL']]);
    // A duplicate key as for any specimen with result times (sender, H.3, digest of P, O, R).
    expect(report?.resendKey).toBe(decodeMessage(qcRecords.map((r) => (r === H ? H.replace('20250114093015', '20250114093999') : r))).reports[0]?.resendKey);
    expect(report?.resendKey).not.toBe(decodeMessage([H, 'P|1', order('QC-LOT-4711', 'Q'), result('99'), 'L|1|N']).reports[0]?.resendKey);
  });

  // E1394 order record field 12: C cancel, A add, N new, P pending, L reserved, X in process, Q Q/C specimen.
  const actions: Array<[string, boolean]> = [
    ['Q', true],
    ['q', true],
    [' Q ', true],
    ['N', false],
    ['A', false],
    ['', false],
    ['C', false],
    ['P', false],
    ['X', false],
  ];
  for (const [action, control] of actions) {
    it(`O-12 "${action}" -> ${control ? 'control' : 'a patient specimen (no mark)'}`, () => {
      const [report] = decodeMessage([H, 'P|1||PAT-1', order('S1', action), result('98'), 'L|1|N']).reports;
      expect(report?.control).toEqual(control ? { role: 'control', marker: 'ASTM O-12 Q' } : undefined);
    });
  }

  it('O-26 report type Q is "response to query", not a control', () => {
    const [report] = decodeMessage([H, 'P|1||PAT-1', order('S1', 'N', 'Q'), result('98'), 'L|1|N']).reports;
    expect(report?.control).toBeUndefined();
  });

  it('a patient result under an empty P is still noted once; a control under the same P is not', () => {
    const out = decodeMessage([
      H,
      'P|1',
      order('QC-LOT-4711', 'Q'),
      result('98'),
      order('S-77', 'N'),
      result('140'),
      order('S-78', 'N'),
      result('141'),
      'L|1|N',
    ]);
    expect(out.reports.map((r) => [r.specimen?.id, r.control?.marker])).toEqual([
      ['QC-LOT-4711', 'ASTM O-12 Q'],
      ['S-77', undefined],
      ['S-78', undefined],
    ]);
    expect(out.notes).toEqual([{ level: 'info', msg: 'P record 1 carries no patient id: results go out without a reported patient' }]);
  });

  it('a control keeps the patient the P record names (the core never files it as that patient)', () => {
    const [report] = decodeMessage([H, 'P|1||QCPAT', order('QC-LOT-4711', 'Q'), result('98'), 'L|1|N']).reports;
    expect(report).toMatchObject({ subject: { mrn: 'QCPAT' }, control: { role: 'control', marker: 'ASTM O-12 Q' } });
  });
});

describe('astm-lis2 session: a QC transmission is acknowledged like a patient result', () => {
  const transmission = (records: string[]): string => ENQ + framesOf(records).join('') + EOT;
  const patientRecords = [H, 'P|1||PAT-1', order('S-77', 'N'), result('140'), 'L|1|N'];

  async function run(chunks: Uint8Array[]): Promise<{ reports: DeviceReport[]; errors: unknown[]; writes: string; logs: string[] }> {
    const h = open(driver);
    for (const c of chunks) h.session.receive(c);
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    h.session.close();
    return { reports: h.reports, errors: h.errors, writes: h.writes.join(''), logs: logsAboveDebug(h) };
  }

  it('one ACK per ENQ and frame, one control report, nothing logged about a missing patient', async () => {
    const qc = await run([bytes(transmission(qcRecords))]);
    const patient = await run([bytes(transmission(patientRecords))]);
    expect(qc.errors).toEqual([]);
    expect(qc.writes).toBe(ACK.repeat(1 + qcRecords.length));
    expect(qc.writes).toBe(patient.writes);
    expect(qc.reports.map((r) => r.control)).toEqual([{ role: 'control', marker: 'ASTM O-12 Q' }]);
    expect(patient.reports.map((r) => r.control)).toEqual([undefined]);
    expect(qc.logs.join('\n')).not.toMatch(/patient/);
  });

  it('any chunking gives the same reports, errors and replies', async () => {
    const data = bytes(transmission(qcRecords) + transmission(patientRecords));
    const ref = await run([data]);
    expect(ref.reports.map((r) => r.control?.marker)).toEqual(['ASTM O-12 Q', undefined]);
    expect(await run(oneByteAtATime(data))).toEqual(ref);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: data.length }), { maxLength: 30 }), async (cuts) => {
        expect(await run(chunksAt(data, cuts))).toEqual(ref);
      }),
      { numRuns: 40 },
    );
  });
});
