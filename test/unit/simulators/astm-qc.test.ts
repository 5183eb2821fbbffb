// The ASTM analyzer simulator's QC runs on the wire, against a plain E1381 receiver written here
// (not the driver): one transmission per control specimen with an empty P record, O-3 the control's
// sample ID and O-12 `Q` (E1394 8.4.12 "treat specimen as a Q/C test specimen"), or `N` when the
// analyzer marks QC only by sample ID; a run per level, in or out of control; the schedule.

import { describe, expect, it, onTestFinished } from 'vitest';
import { create, type AstmSimulatedDevice, type AstmSimulatorOptions } from '../../../simulators/astm-lis2.ts';
import { ACK, ENQ, EOT, checksum } from '../../support/astm-wire.ts';
import { eventually } from '../../support/eventually.ts';

/** ACKs the simulator's ENQ and every frame with a good checksum; keeps each transmission's records. */
function receiver(sim: AstmSimulatedDevice): string[][] {
  const transmissions: string[][] = [];
  const records: string[] = [];
  let partial = '';
  let buf = '';
  sim.start({
    write: (bytes) => {
      buf += Buffer.from(bytes).toString('latin1');
      for (;;) {
        const c = buf[0];
        if (c === undefined) return;
        if (c === ENQ || c === EOT) {
          buf = buf.slice(1);
          if (c === ENQ) sim.receive(Buffer.from(ACK, 'latin1'));
          else transmissions.push(records.splice(0));
          continue;
        }
        const end = buf.indexOf('\r\n');
        if (end < 0) return;
        const body = buf.slice(1, end - 2);
        expect(checksum(body)).toBe(buf.slice(end - 2, end));
        buf = buf.slice(end + 2);
        const text = partial + body.slice(1, -1);
        if (body.endsWith('\x03')) {
          records.push(...text.split('\r').filter(Boolean));
          partial = '';
        } else partial = text;
        sim.receive(Buffer.from(ACK, 'latin1'));
      }
    },
  });
  return transmissions;
}

const field = (record: string, n: number): string => record.split('|')[n - 1] ?? '';

/** A simulator stopped when the test ends. */
function simulator(o: AstmSimulatorOptions = {}): AstmSimulatedDevice {
  const sim = create({ seed: 5, unsolicited: false, ...o });
  onTestFinished(() => sim.stop());
  return sim;
}

describe('ASTM analyzer simulator: QC', () => {
  it('a run is one transmission per level: empty P, O-3 the control, O-12 Q, an R per test with the values of the run', async () => {
    const sim = simulator();
    const tx = receiver(sim);
    const run = sim.sendQcRun();
    await eventually(() => expect(sim.qcDelivered).toBe(2), 5000);
    expect(tx).toHaveLength(2);
    for (const [i, records] of tx.entries()) {
      const lot = i === 0 ? 'QC-LOT-4711' : 'QC-LOT-4712';
      expect(records.map((r) => r[0])).toEqual(['H', 'P', 'O', 'R', 'R', 'R', 'L']);
      expect(records[1]).toBe('P|1');
      const o = records[2]!;
      expect(field(o, 3)).toBe(lot);
      expect(field(o, 5)).toBe('^^^GLU\\^^^NA\\^^^K');
      expect(field(o, 12)).toBe('Q');
      expect(field(o, 16)).toBe('serum');
      expect(field(o, 26)).toBe('F');
      const sent = run.results.filter((r) => r.lot === lot);
      expect(records.filter((r) => r.startsWith('R|')).map((r) => [field(r, 3), field(r, 4), field(r, 5), field(r, 9)])).toEqual(
        sent.map((r) => [`^^^${r.test}`, r.value, r.unit, 'F']),
      );
    }
    // QC is not a result: it does not count as one.
    expect(sim.sent).toBe(0);
    expect(sim.completed).toHaveLength(0);
    expect(sim.qcRuns).toEqual([run]);
  });

  it('marked only by sample ID: O-12 N, everything else alike', async () => {
    const sim = simulator({ qc: { mark: 'sample-id' } });
    const tx = receiver(sim);
    sim.sendQcRun();
    await eventually(() => expect(tx).toHaveLength(2), 5000);
    expect(tx.map((r) => field(r[2]!, 12))).toEqual(['N', 'N']);
    expect(tx.map((r) => field(r[2]!, 3))).toEqual(['QC-LOT-4711', 'QC-LOT-4712']);
  });

  it('sendQc sends exactly the values given, for the sample ID given', async () => {
    const sim = simulator();
    const tx = receiver(sim);
    sim.sendQc({ sampleId: 'QC1-A7', lot: 'A7', level: '1', results: [{ test: 'GLU', value: '131.0', unit: 'mg/dL' }] });
    await eventually(() => expect(tx).toHaveLength(1), 5000);
    expect(field(tx[0]![2]!, 3)).toBe('QC1-A7');
    expect(tx[0]!.filter((r) => r.startsWith('R|'))).toHaveLength(1);
    expect(field(tx[0]![3]!, 4)).toBe('131.0');
  });

  it('out of control on demand: 1-3s puts level 1 glucose beyond 3 SD on the wire', async () => {
    const sim = simulator();
    const tx = receiver(sim);
    const run = sim.sendQcRun({ outOfControl: '1-3s' });
    await eventually(() => expect(tx).toHaveLength(2), 5000);
    const glu = tx[0]!.find((r) => r.startsWith('R|') && field(r, 3) === '^^^GLU')!;
    expect((Number(field(glu, 4)) - 99) / 2.7).toBeGreaterThan(3);
    expect(run.outOfControl).toEqual({ rule: '1-3s', test: 'GLU' });
  });

  it('on a schedule: a run soon after the first connection, then every everyMs; the planned run out of control', async () => {
    const sim = simulator({ qc: { everyMs: 150, outOfControl: { rule: '2-2s', run: 2 } } });
    const tx = receiver(sim);
    await eventually(() => expect(sim.qcRuns.length).toBeGreaterThanOrEqual(3), 5000);
    expect(sim.qcRuns.slice(0, 3).map((r) => r.outOfControl?.rule)).toEqual([undefined, '2-2s', undefined]);
    await eventually(() => expect(tx.length).toBeGreaterThanOrEqual(6), 5000);
  });

  it('QC goes between patient transmissions and leaves them as the seed makes them', async () => {
    const plain = simulator({ unsolicited: true, count: 2, intervalMs: 50 });
    const withQc = simulator({ unsolicited: true, count: 2, intervalMs: 50, qc: { everyMs: 60 } });
    const a = receiver(plain);
    const b = receiver(withQc);
    await Promise.all([plain.done, withQc.done]);
    // Patient, specimen and values (not the times, taken from the clock).
    const patients = (tx: string[][]) =>
      tx
        .filter((r) => field(r[2] ?? '', 12) !== 'Q')
        .map((r) => [field(r[1]!, 3), field(r[2]!, 3), ...r.filter((x) => x.startsWith('R|')).map((x) => field(x, 4))]);
    expect(patients(b).slice(0, 2)).toEqual(patients(a).slice(0, 2));
    expect(withQc.sent).toBe(2);
  });
});
