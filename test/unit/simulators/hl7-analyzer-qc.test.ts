// The HL7 analyzer simulator's QC runs on the wire, against a plain MLLP host written here (not the
// driver): one ORU^R01 per control specimen, no PID (a control is nobody's), SPM-2 the control's
// sample ID and SPM-11 `Q` (HL7 v2.5.1 table 0369: control specimen), or SPM-11 empty when the
// analyzer marks QC only by sample ID; values of the run, in or out of control; the schedule.

import { describe, expect, it, onTestFinished } from 'vitest';
import { create, type Hl7AnalyzerSimulator, type Hl7AnalyzerSimulatorOptions } from '../../../simulators/hl7-analyzer.ts';
import { eventually } from '../../support/eventually.ts';

const VT = '\x0b';
const END = '\x1c\r';

type Segment = string[];

/** ACKs every message AA; keeps each message's segments (fields split on `|`, MSH numbered as HL7 does). */
function host(sim: Hl7AnalyzerSimulator): Segment[][] {
  const messages: Segment[][] = [];
  let buf = '';
  sim.start({
    write: (bytes) => {
      buf += Buffer.from(bytes).toString('utf8');
      for (;;) {
        const start = buf.indexOf(VT);
        const end = buf.indexOf(END, start);
        if (start < 0 || end < 0) return;
        const segs = buf
          .slice(start + 1, end)
          .split('\r')
          .filter(Boolean)
          .map((l) => (l.startsWith('MSH|') ? ['MSH', '|', ...l.split('|').slice(1)] : l.split('|')));
        buf = buf.slice(end + 2);
        messages.push(segs);
        const control = segs[0]?.[10] ?? '';
        const ack = `MSH|^~\\&|MEDGATE|CLINIC|SIMLAB|SIMLAB-LAB|20260101100000||ACK^R01^ACK|H${control}|P|2.5.1\rMSA|AA|${control}\r`;
        setTimeout(() => sim.receive(Buffer.from(`${VT}${ack}${END}`, 'utf8')), 1);
      }
    },
  });
  return messages;
}

const seg = (m: Segment[], name: string): Segment[] => m.filter((s) => s[0] === name);

/** A simulator stopped when the test ends. */
function simulator(o: Hl7AnalyzerSimulatorOptions = {}): Hl7AnalyzerSimulator {
  const sim = create({ seed: 5, unsolicited: false, ...o });
  onTestFinished(() => sim.stop());
  return sim;
}

describe('HL7 analyzer simulator: QC', () => {
  it('a run is one ORU^R01 per level: no PID, SPM-2 the control, SPM-11 Q, an OBX per test with the values of the run', async () => {
    const sim = simulator();
    const messages = host(sim);
    const run = sim.sendQcRun();
    await eventually(() => expect(sim.qcDelivered).toBe(2), 5000);
    expect(messages).toHaveLength(2);
    for (const [i, m] of messages.entries()) {
      const lot = i === 0 ? 'QC-4711' : 'QC-4712';
      expect(m[0]![9]).toBe('ORU^R01^ORU_R01');
      expect(m[0]![12]).toBe('2.5.1');
      expect(m.map((s) => s[0])).toEqual(['MSH', 'OBR', 'OBX', 'OBX', 'OBX', 'SPM']);
      expect(seg(m, 'PID')).toEqual([]);
      const spm = seg(m, 'SPM')[0]!;
      expect(spm[2]).toBe(lot);
      expect(spm[4]).toBe('SER^Serum^HL70487');
      expect(spm[11]).toBe('Q');
      const sent = run.results.filter((r) => r.lot === lot);
      expect(seg(m, 'OBX').map((o) => [o[2], o[3]!.split('^')[0], o[5], o[6], o[11]])).toEqual(sent.map((r) => ['NM', r.test, r.value, r.unit, 'F']));
    }
    // QC is not a result: it does not count as one.
    expect(sim.sent).toBe(0);
    expect(sim.acked).toHaveLength(0);
  });

  it('marked only by sample ID: SPM-11 empty', async () => {
    const sim = simulator({ qc: { mark: 'sample-id' } });
    const messages = host(sim);
    sim.sendQcRun();
    await eventually(() => expect(messages).toHaveLength(2), 5000);
    expect(messages.map((m) => seg(m, 'SPM')[0]![11])).toEqual(['', '']);
    expect(messages.map((m) => seg(m, 'SPM')[0]![2])).toEqual(['QC-4711', 'QC-4712']);
  });

  it('out of control on demand: R-4s puts level 1 above +2 SD and level 2 below -2 SD', async () => {
    const sim = simulator();
    const messages = host(sim);
    sim.sendQcRun({ outOfControl: 'R-4s' });
    await eventually(() => expect(messages).toHaveLength(2), 5000);
    const glu = messages.map((m) => Number(seg(m, 'OBX').find((o) => o[3]!.startsWith('GLU^'))![5]));
    expect((glu[0]! - 99) / 2.7).toBeGreaterThan(2);
    expect((glu[1]! - 297) / 7.2).toBeLessThan(-2);
  });

  it('on a schedule, between the rotating panels, which stay those of the seed', async () => {
    const plain = simulator({ unsolicited: true, count: 3, intervalMs: 40 });
    const withQc = simulator({ unsolicited: true, count: 3, intervalMs: 40, qc: { everyMs: 50, outOfControl: { rule: '1-3s', run: 2 } } });
    host(plain);
    const b = host(withQc);
    await Promise.all([plain.done, withQc.done]);
    expect(withQc.acked.map((m) => m.results)).toEqual(plain.acked.map((m) => m.results));
    await eventually(() => expect(withQc.qcRuns.length).toBeGreaterThanOrEqual(2), 5000);
    expect(withQc.qcRuns[1]!.outOfControl).toEqual({ rule: '1-3s', test: 'GLU' });
    expect(b.some((m) => seg(m, 'SPM')[0]?.[11] === 'Q')).toBe(true);
  });
});
