// The lab analyzer simulators' control specimens fed straight into the drivers (in process; the
// two were written apart): marked on the wire, every control comes out as one report carrying the
// control mark, the control's sample ID and exactly the values of the run; marked only by sample
// ID, the same reports without a mark (the device's `qc` settings recognise those in the core).

import { describe, expect, it } from 'vitest';
import type { DeviceReport, ProtocolError } from '../../../src/model/driver.ts';
import { asQcSending, createSimulator, type AnalyzerOrderOptions, type AnalyzerQcOptions, type SimulatorOptions } from '../../../simulators/index.ts';
import type { QcMark } from '../../../simulators/qc-material.ts';
import type { QcRunSent } from '../../../simulators/qc-runs.ts';
import { openDriverUnderTest } from '../../support/driver-under-test.ts';
import { eventually } from '../../support/eventually.ts';

async function qcRoundtrip(id: string, mark: QcMark): Promise<{ run: QcRunSent; reports: DeviceReport[]; errors: ProtocolError[] }> {
  const options: SimulatorOptions & AnalyzerOrderOptions & AnalyzerQcOptions = { seed: 4, unsolicited: false, qc: { mark } };
  const sim = asQcSending(createSimulator(id, options))!;
  const { session, reports, errors } = openDriverUnderTest(id, (bytes) => sim.receive(bytes));
  sim.start({ write: (bytes) => session.receive(bytes) });
  session.linkUp?.();
  try {
    const run = sim.sendQcRun({ outOfControl: '2-2s' });
    await eventually(() => expect(sim.qcDelivered).toBe(2), 10_000);
    await eventually(() => expect(reports).toHaveLength(2), 5000);
    return { run, reports, errors };
  } finally {
    sim.stop();
    session.close();
  }
}

const markers: Record<string, string> = { 'astm-lis2': 'ASTM O-12 Q', 'hl7-analyzer': 'HL7 SPM-11 Q' };

describe('QC: simulator -> driver', () => {
  for (const id of ['astm-lis2', 'hl7-analyzer']) {
    it(`${id}: a control marked on the wire is a control report with the run's values`, async () => {
      const { run, reports, errors } = await qcRoundtrip(id, 'wire');
      expect(errors).toEqual([]);
      for (const r of reports) {
        expect(r.control).toMatchObject({ role: 'control', marker: markers[id] });
        const lot = r.specimen?.id;
        const sent = run.results.filter((x) => x.sampleId === lot);
        expect(sent).toHaveLength(3);
        expect(r.measurements.map((m) => [m.code?.local?.code, m.valueText ?? String(m.value), m.unit])).toEqual(sent.map((x) => [x.test, x.value, x.unit]));
      }
      expect(reports.map((r) => r.specimen?.id).sort()).toEqual([...new Set(run.results.map((x) => x.sampleId))].sort());
    });

    it(`${id}: a control marked only by its sample ID carries no mark`, async () => {
      const { reports, errors } = await qcRoundtrip(id, 'sample-id');
      expect(errors).toEqual([]);
      expect(reports.map((r) => r.control)).toEqual([undefined, undefined]);
      expect(reports.every((r) => r.specimen?.id.startsWith('QC-'))).toBe(true);
    });
  }
});
