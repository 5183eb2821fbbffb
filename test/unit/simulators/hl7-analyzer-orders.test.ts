// The HL7 analyzer simulator's orders side against a tiny host written here (not the driver): the
// QBP^Q11 query (QPD-1 WOS), RSP^K11 OK then the order message, NF, downloads and cancels (OML^O21, ORM^O01),
// refused and malformed downloads, and results carrying the host's numbers and patient.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { create, type Hl7AnalyzerSimulator, type Hl7AnalyzerSimulatorOptions } from '../../../simulators/hl7-analyzer.ts';

const VT = '\x0b';
const END = '\x1c\r';

interface Msg {
  text: string;
  seg(name: string, n?: number): string[];
  all(name: string): string[][];
}

function msg(text: string): Msg {
  const lines = text.split('\r').filter(Boolean);
  const all = (name: string) =>
    lines.filter((l) => l.startsWith(`${name}|`)).map((l) => (name === 'MSH' ? ['MSH', '|', ...l.split('|').slice(1)] : l.split('|')));
  return { text, all, seg: (name, n = 0) => all(name)[n] ?? [] };
}

/** The host: ACKs every ORU AA, answers each QBP with `answer`, and can send order messages. */
class Host {
  readonly fromSim: Msg[] = [];
  answer: (qbp: Msg) => string[] = () => [];
  #buf = '';

  constructor(readonly sim: Hl7AnalyzerSimulator) {
    sim.start({ write: (bytes) => this.#read(Buffer.from(bytes).toString('utf8')) });
  }

  send(text: string): void {
    const bytes = Buffer.from(`${VT}${text}${END}`, 'utf8');
    setTimeout(() => this.sim.receive(bytes), 1);
  }

  #read(text: string): void {
    this.#buf += text;
    for (;;) {
      const start = this.#buf.indexOf(VT);
      const end = this.#buf.indexOf(END, start);
      if (start < 0 || end < 0) return;
      const m = msg(this.#buf.slice(start + 1, end));
      this.#buf = this.#buf.slice(end + 2);
      this.fromSim.push(m);
      const type = m.seg('MSH')[9] ?? '';
      const control = m.seg('MSH')[10] ?? '';
      if (type.startsWith('ORU')) this.send(`MSH|^~\\&|MEDGATE|CLINIC|SIMLAB|SIMLAB-LAB|20260101100000||ACK^R01^ACK|H${control}|P|2.5.1\rMSA|AA|${control}\r`);
      if (type.startsWith('QBP')) for (const reply of this.answer(m)) this.send(reply);
    }
  }

  oru(): Msg[] {
    return this.fromSim.filter((m) => (m.seg('MSH')[9] ?? '').startsWith('ORU'));
  }

  acks(): Msg[] {
    return this.fromSim.filter((m) => (m.seg('MSH')[9] ?? '').startsWith('ACK'));
  }
}

const MSH = (type: string, control: string) => `MSH|^~\\&|MEDGATE|CLINIC|SIMLAB|SIMLAB-LAB|20260101100000||${type}|${control}|P|2.5.1`;

function rsp(qbp: Msg, status: 'OK' | 'NF'): string {
  const qpd = qbp.seg('QPD');
  return (
    [MSH('RSP^K11^RSP_K11', 'RSP1'), `MSA|AA|${qbp.seg('MSH')[10]}`, `QAK|${qpd[2]}|${status}|WOS^Work Order Step^IHE_LABTF`, qpd.join('|')].join('\r') + '\r'
  );
}

interface OrderOpts {
  control: string;
  specimen: string;
  tests: string[];
  orc?: 'NW' | 'CA';
  structure?: 'OML' | 'ORM';
  placer?: string;
  filler?: string;
}

/** The order message the gateway sends an analyzer: one ORC/OBR per test, SPM (OML) or OBR-3 (ORM) with the specimen. */
function orderMessage(o: OrderOpts): string {
  const oml = (o.structure ?? 'OML') === 'OML';
  const segs = [MSH(oml ? 'OML^O21^OML_O21' : 'ORM^O01^ORM_O01', o.control), 'PID|1||MRN555^^^CLINIC^MR||Roe^Rita||19700405|F'];
  o.tests.forEach((t, i) => {
    segs.push(`ORC|${o.orc ?? 'NW'}|${o.placer ?? 'PL1^EPIC'}|${o.filler ?? 'FL1^LAB'}`);
    segs.push(`OBR|${i + 1}|${o.placer ?? 'PL1^EPIC'}|${oml ? (o.filler ?? 'FL1^LAB') : o.specimen}|${t}^^99MDG`);
    if (oml) segs.push(`SPM|1|${o.specimen}||SER`);
  });
  return segs.join('\r') + '\r';
}

function simulator(o: Hl7AnalyzerSimulatorOptions = {}): Hl7AnalyzerSimulator {
  return create({ seed: 4, unsolicited: false, runMs: 500, ackTimeoutMs: 3000, ...o });
}

describe('hl7-analyzer simulator: orders', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('QBP^Q11 (QPD-1 WOS) with QPD-3 the specimen; OK then the order: ACK AA, ORU for exactly its tests with the numbers and patient', async () => {
    const sim = simulator();
    const host = new Host(sim);
    host.answer = (qbp) => [rsp(qbp, 'OK'), orderMessage({ control: 'ORD1', specimen: 'SPEC1', tests: ['GLU', 'K'] })];
    sim.scan('SPEC1');
    await vi.advanceTimersByTimeAsync(50);
    const qbp = host.fromSim[0]!;
    expect(qbp.seg('MSH')[9]).toBe('QBP^Q11^QBP_Q11');
    expect(qbp.seg('QPD')[1]).toBe('WOS^Work Order Step^IHE_LABTF');
    expect(qbp.seg('QPD')[3]).toBe('SPEC1');
    expect(host.acks().map((a) => a.seg('MSA').slice(1, 3))).toEqual([['AA', 'ORD1']]);
    expect(sim.queries).toEqual([{ specimenId: 'SPEC1', answer: 'orders', tests: ['GLU', 'K'] }]);
    await vi.advanceTimersByTimeAsync(600);
    const [oru] = host.oru();
    expect(oru).toBeDefined();
    expect(oru!.seg('PID')[3]).toBe('MRN555^^^CLINIC^MR');
    expect(oru!.all('ORC').map((s) => [s[2], s[3]])).toEqual([
      ['PL1^EPIC', 'FL1^LAB'],
      ['PL1^EPIC', 'FL1^LAB'],
    ]);
    expect(oru!.all('OBR').map((s) => [s[2], s[3], s[4]?.split('^')[0]])).toEqual([
      ['PL1^EPIC', 'FL1^LAB', 'GLU'],
      ['PL1^EPIC', 'FL1^LAB', 'K'],
    ]);
    expect(oru!.all('OBX').map((s) => s[3]?.split('^')[0])).toEqual(['GLU', 'K']);
    expect(oru!.all('SPM').map((s) => s[2])).toEqual(['SPEC1', 'SPEC1']);
    await vi.advanceTimersByTimeAsync(100);
    expect(sim.sent).toBe(1);
    sim.stop();
  });

  it('QAK-2 NF: nothing runs; with resultsForUnknown an ORU for the specimen without a patient', async () => {
    for (const resultsForUnknown of [false, true]) {
      const sim = simulator({ resultsForUnknown });
      const host = new Host(sim);
      host.answer = (qbp) => [rsp(qbp, 'NF')];
      sim.scan('NOPE');
      await vi.advanceTimersByTimeAsync(2000);
      expect(sim.queries).toEqual([{ specimenId: 'NOPE', answer: 'no-information', tests: [] }]);
      expect(host.oru()).toHaveLength(resultsForUnknown ? 1 : 0);
      if (resultsForUnknown) {
        expect(host.oru()[0]!.seg('PID')[3]).toBe('');
        expect(host.oru()[0]!.seg('SPM')[2]).toBe('NOPE');
      }
      sim.stop();
    }
  });

  it('no RSP within its wait: the query times out and the next scan goes', async () => {
    const sim = simulator({ hostQueryWaitMs: 3000 });
    const host = new Host(sim);
    sim.scan('A1');
    sim.scan('B2');
    await vi.advanceTimersByTimeAsync(2900);
    expect(host.fromSim).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(sim.queries).toEqual([{ specimenId: 'A1', answer: 'timeout', tests: [] }]);
    expect(host.fromSim[1]!.seg('QPD')[3]).toBe('B2');
    sim.stop();
  });

  it('downloads (OML and ORM) fill the worklist; CA cancels; runWorklist sends an ORU per specimen', async () => {
    const sim = simulator();
    const host = new Host(sim);
    host.send(orderMessage({ control: 'D1', specimen: 'S1', tests: ['GLU', 'NA'] }));
    host.send(orderMessage({ control: 'D2', specimen: 'S2', tests: ['HGB'], structure: 'ORM', placer: 'PL2', filler: 'FL2' }));
    await vi.advanceTimersByTimeAsync(50);
    expect(host.acks().map((a) => a.seg('MSA').slice(1, 3))).toEqual([
      ['AA', 'D1'],
      ['AA', 'D2'],
    ]);
    expect(sim.worklist.map((w) => [w.specimenId, w.tests])).toEqual([
      ['S1', ['GLU', 'NA']],
      ['S2', ['HGB']],
    ]);
    host.send(orderMessage({ control: 'D3', specimen: 'S1', tests: ['GLU', 'NA'], orc: 'CA' }));
    await vi.advanceTimersByTimeAsync(50);
    expect(sim.worklist.map((w) => w.specimenId)).toEqual(['S2']);
    expect(sim.runWorklist()).toBe(1);
    expect(sim.worklist).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    const [oru] = host.oru();
    expect(oru!.seg('OBR')[2]).toBe('PL2');
    expect(oru!.seg('OBR')[3]).toBe('FL2');
    expect(oru!.seg('SPM')[2]).toBe('S2');
    expect(host.oru()).toHaveLength(1);
    sim.stop();
  });

  it('a download run 5 minutes later: analysed then (OBX-14), from a tube collected when it came (OBR-7, SPM-17), not before', async () => {
    const sim = simulator();
    const host = new Host(sim);
    host.send(orderMessage({ control: 'D1', specimen: 'S1', tests: ['GLU'] }));
    await vi.advanceTimersByTimeAsync(50);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(sim.runWorklist()).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    const [oru] = host.oru();
    const second = (ts: string | undefined) => ts?.slice(0, 14);
    // The download came at 10:00:00Z; the run ends a minute before the ORU (10:05).
    expect(second(oru!.seg('OBR')[7])).toBe('20260101100000');
    expect(second(oru!.seg('SPM')[17])).toBe('20260101100000');
    expect(second(oru!.seg('OBX')[14])).toBe('20260101100400');
    sim.stop();
  });

  it('refuses downloads with AR and its reason when told to; AE naming the problem for a malformed one', async () => {
    const sim = simulator({ refuseDownloads: 'AR', refuseReason: 'LIS download disabled' });
    const host = new Host(sim);
    host.send(orderMessage({ control: 'D1', specimen: 'S1', tests: ['GLU'] }));
    await vi.advanceTimersByTimeAsync(50);
    const ar = host.acks()[0]!;
    expect(ar.seg('MSA').slice(1, 4)).toEqual(['AR', 'D1', 'LIS download disabled']);
    expect(ar.seg('ERR')[8]).toBe('LIS download disabled');
    expect(sim.worklist).toEqual([]);
    sim.stop();

    const sim2 = simulator();
    const host2 = new Host(sim2);
    host2.send([MSH('OML^O21^OML_O21', 'BAD1'), 'PID|1||MRN1', 'ORC|NW|P1', 'OBR|1|P1||GLU'].join('\r'));
    await vi.advanceTimersByTimeAsync(50);
    expect(host2.acks()[0]!.seg('MSA').slice(1, 3)).toEqual(['AE', 'BAD1']);
    expect(host2.acks()[0]!.seg('MSA')[3]).toMatch(/specimen/);
    expect(sim2.worklist).toEqual([]);
    sim2.stop();
  });
});
