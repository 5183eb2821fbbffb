// The ASTM analyzer simulator's orders side against a tiny host written here (not the driver): the
// host query and its answer, "no information", downloads and cancellations filling and emptying
// the worklist, refused downloads, and E1381 contention with the instrument's priority.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { create, type AstmSimulatedDevice, type AstmSimulatorOptions } from '../../../simulators/astm-lis2.ts';
import { astmTime } from '../../../simulators/astm-lis2/content.ts';
import { ACK, ENQ, EOT, NAK, checksum, framesOf } from '../../support/astm-wire.ts';

const STX = '\x02';

/** The host end of the line: a receiver that ACKs good frames, and a sender of whole transmissions. */
class Host {
  readonly transmissions: string[][] = [];
  /** Everything the simulator wrote, in order. */
  readonly wire: string[] = [];
  /** Answer the simulator's next ENQ with ENQ (the host also bidding), once. */
  contendNext = false;
  #buf = '';
  #records: string[] | null = null;
  #partial = '';
  #waiter: ((c: string) => void) | null = null;

  constructor(readonly sim: AstmSimulatedDevice) {
    sim.start({ write: (bytes) => this.#fromSim(Buffer.from(bytes).toString('latin1')) });
  }

  #toSim(text: string): void {
    this.sim.receive(Buffer.from(text, 'latin1'));
  }

  #fromSim(text: string): void {
    this.#buf += text;
    for (;;) {
      const c = this.#buf[0];
      if (c === undefined) return;
      if (c !== STX) {
        this.#buf = this.#buf.slice(1);
        this.wire.push(c);
        if (this.#waiter) {
          const w = this.#waiter;
          this.#waiter = null;
          w(c);
        } else if (c === ENQ) {
          if (this.contendNext) {
            this.contendNext = false;
            this.#toSim(ENQ);
          } else {
            this.#records = [];
            this.#toSim(ACK);
          }
        } else if (c === EOT && this.#records) {
          this.transmissions.push(this.#records);
          this.#records = null;
        }
        continue;
      }
      const end = this.#buf.indexOf('\r\n');
      if (end < 0) return;
      const f = this.#buf.slice(0, end + 2);
      this.#buf = this.#buf.slice(end + 2);
      this.wire.push(f);
      const body = f.slice(1, -4);
      if (checksum(body) !== f.slice(-4, -2)) {
        this.#toSim(NAK);
        continue;
      }
      const text = this.#partial + body.slice(1, -1);
      if (body.endsWith('\x03')) {
        this.#records?.push(...text.split('\r').filter(Boolean));
        this.#partial = '';
      } else this.#partial = text;
      this.#toSim(ACK);
    }
  }

  #reply(): Promise<string> {
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** ENQ, each frame after the previous ACK, EOT. Returns the simulator's answers; stops at ENQ (contention) or NAK to ENQ. */
  async send(records: string[], opts: { badChecksumAt?: number } = {}): Promise<string[]> {
    const answers: string[] = [];
    this.#toSim(ENQ);
    const first = await this.#reply();
    answers.push(first);
    if (first !== ACK) return answers;
    const frames = framesOf(records);
    for (const [i, f] of frames.entries()) {
      for (let attempt = 0; attempt < 6; attempt++) {
        const bad = opts.badChecksumAt === i && attempt === 0;
        this.#toSim(bad ? f.replace(/..\r\n$/, (cs) => `${cs[0] === '0' ? '1' : '0'}${cs.slice(1)}`) : f);
        const r = await this.#reply();
        answers.push(r);
        if (r === ACK) break;
      }
    }
    this.#toSim(EOT);
    return answers;
  }
}

function simulator(o: AstmSimulatorOptions = {}): AstmSimulatedDevice {
  return create({ seed: 3, unsolicited: false, runMs: 500, replyTimeoutMs: 3000, retryDelayMs: 2000, ...o });
}

const field = (record: string, n: number): string => record.split('|')[n - 1] ?? '';

/** The order records a host sends for one specimen. */
function order(specimen: string, tests: string[], action: 'N' | 'A' | 'C' = 'N', patient = 'MRN42'): string[] {
  const o = `O|1|${specimen}||${tests.map((t) => `^^^${t}`).join('\\')}|R||20260101093000||||${action}||||SER||||||||||O`;
  return [`P|1|${patient}|||Roe^Rita||19700405|F`, o];
}

const H = 'H|\\^&|||MEDGATE|||||||P|LIS2-A2|20260101100000';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date(2026, 0, 1, 10, 0, 0) });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('astm-lis2 simulator: host query', () => {
  it('sends H, Q (Q-3 ^specimen, Q-13 O), L; runs exactly the tests the answer gives; reports them for that patient and specimen', async () => {
    const sim = simulator();
    const host = new Host(sim);
    sim.scan('SPEC77');
    await vi.advanceTimersByTimeAsync(100);
    expect(host.transmissions).toHaveLength(1);
    const query = host.transmissions[0]!;
    expect(query.map((r) => r[0])).toEqual(['H', 'Q', 'L']);
    expect(field(query[1]!, 3)).toBe('^SPEC77');
    expect(field(query[1]!, 13)).toBe('O');

    const answered = host.send([H, ...order('SPEC77', ['GLU', 'K']), 'L|1|N']);
    await vi.advanceTimersByTimeAsync(100);
    expect((await answered).every((a) => a === ACK)).toBe(true);
    expect(sim.queries).toEqual([{ specimenId: 'SPEC77', answer: 'orders', tests: ['GLU', 'K'] }]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(host.transmissions).toHaveLength(2);
    const results = host.transmissions[1]!;
    expect(field(results.find((r) => r.startsWith('P|'))!, 3)).toBe('MRN42');
    expect(field(results.find((r) => r.startsWith('O|'))!, 3)).toBe('SPEC77');
    expect(results.filter((r) => r.startsWith('R|')).map((r) => field(r, 3))).toEqual(['^^^GLU', '^^^K']);
    expect(sim.sent).toBe(1);
    expect(sim.completed[0]!.orders[0]!.specimenId).toBe('SPEC77');
    sim.stop();
  });

  it('analyses what it was given no earlier than the answer came, from a tube collected no later (not half an hour before)', async () => {
    const sim = simulator();
    const host = new Host(sim);
    sim.scan('SPEC78');
    await vi.advanceTimersByTimeAsync(100);
    const givenAt = astmTime(new Date());
    void host.send([H, ...order('SPEC78', ['GLU']), 'L|1|N']);
    await vi.advanceTimersByTimeAsync(1100);
    const results = host.transmissions[1]!;
    const o = results.find((r) => r.startsWith('O|'))!;
    // O-8 collection, O-15 received; R-12 started, R-13 completed (ASTM E1394 sections 9.4, 10.1).
    expect([field(o, 8), field(o, 15)]).toEqual([givenAt, givenAt]);
    for (const r of results.filter((x) => x.startsWith('R|'))) {
      expect(field(r, 12) >= givenAt && field(r, 13) >= field(r, 12)).toBe(true);
    }
    sim.stop();
  });

  it('"no information" (L-3 I): runs nothing; with resultsForUnknown, its default tests without a patient ID', async () => {
    for (const resultsForUnknown of [false, true]) {
      const sim = simulator({ resultsForUnknown });
      const host = new Host(sim);
      sim.scan('NOPE1');
      await vi.advanceTimersByTimeAsync(100);
      void host.send([H, 'L|1|I']);
      await vi.advanceTimersByTimeAsync(5000);
      expect(sim.queries).toEqual([{ specimenId: 'NOPE1', answer: 'no-information', tests: [] }]);
      if (!resultsForUnknown) expect(host.transmissions).toHaveLength(1);
      else {
        expect(host.transmissions).toHaveLength(2);
        const results = host.transmissions[1]!;
        expect(field(results.find((r) => r.startsWith('P|'))!, 3)).toBe('');
        expect(field(results.find((r) => r.startsWith('O|'))!, 3)).toBe('NOPE1');
        expect(results.filter((r) => r.startsWith('R|')).length).toBeGreaterThan(0);
      }
      sim.stop();
    }
  });

  it('gives up after its host-query wait time, then scans the next specimen', async () => {
    const sim = simulator({ hostQueryWaitMs: 4000 });
    const host = new Host(sim);
    sim.scan('SLOW1');
    sim.scan('NEXT2');
    await vi.advanceTimersByTimeAsync(3900);
    expect(host.transmissions).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(sim.queries).toEqual([{ specimenId: 'SLOW1', answer: 'timeout', tests: [] }]);
    expect(host.transmissions).toHaveLength(2);
    expect(field(host.transmissions[1]![1]!, 3)).toBe('^NEXT2');
    sim.stop();
  });

  it('NAKs a frame with a bad checksum and takes it when sent again', async () => {
    const sim = simulator();
    const host = new Host(sim);
    sim.scan('SPEC5');
    await vi.advanceTimersByTimeAsync(100);
    const answers = host.send([H, ...order('SPEC5', ['NA']), 'L|1|N'], { badChecksumAt: 1 });
    await vi.advanceTimersByTimeAsync(100);
    expect(await answers).toEqual([ACK, ACK, NAK, ACK, ACK, ACK]);
    expect(sim.queries[0]?.tests).toEqual(['NA']);
    sim.stop();
  });
});

describe('astm-lis2 simulator: downloads', () => {
  it('a download fills the worklist; a cancel of its tests empties it; runWorklist sends results for what is left', async () => {
    const sim = simulator();
    const host = new Host(sim);
    void host.send([H, ...order('S1', ['GLU', 'NA']), ...order('S2', ['HGB'], 'N', 'MRN7'), 'L|1|N']);
    await vi.advanceTimersByTimeAsync(100);
    expect(sim.worklist.map((w) => [w.specimenId, w.patientId, w.tests])).toEqual([
      ['S1', 'MRN42', ['GLU', 'NA']],
      ['S2', 'MRN7', ['HGB']],
    ]);
    void host.send([H, ...order('S1', ['GLU', 'NA'], 'C'), 'L|1|N']);
    await vi.advanceTimersByTimeAsync(100);
    expect(sim.worklist.map((w) => w.specimenId)).toEqual(['S2']);
    void host.send([H, ...order('S2', ['HCT'], 'A', 'MRN7'), 'L|1|N']);
    await vi.advanceTimersByTimeAsync(100);
    expect(sim.worklist[0]?.tests).toEqual(['HGB', 'HCT']);
    expect(sim.runWorklist()).toBe(1);
    expect(sim.worklist).toEqual([]);
    await vi.advanceTimersByTimeAsync(500);
    const results = host.transmissions.at(-1)!;
    expect(field(results.find((r) => r.startsWith('O|'))!, 3)).toBe('S2');
    expect(results.filter((r) => r.startsWith('R|')).map((r) => field(r, 3))).toEqual(['^^^HGB', '^^^HCT']);
    sim.stop();
  });

  it('a cancel naming no test removes the specimen; runWorklistAfterMs runs a download by itself', async () => {
    const sim = simulator({ runWorklistAfterMs: 2000 });
    const host = new Host(sim);
    void host.send([H, ...order('S1', ['GLU']), ...order('S3', ['K']), 'L|1|N']);
    await vi.advanceTimersByTimeAsync(100);
    void host.send([H, ...order('S1', [], 'C'), 'L|1|N']);
    await vi.advanceTimersByTimeAsync(100);
    expect(sim.worklist.map((w) => w.specimenId)).toEqual(['S3']);
    await vi.advanceTimersByTimeAsync(2500);
    expect(sim.worklist).toEqual([]);
    expect(host.transmissions.map((t) => field(t.find((r) => r.startsWith('O|'))!, 3))).toEqual(['S3']);
    sim.stop();
  });

  it.each([
    ['nak', [ACK, NAK, NAK, NAK, NAK, NAK, NAK]],
    ['eot', [ACK, EOT]],
    ['busy', [NAK]],
  ] as const)('refusing downloads (%s): the worklist stays empty', async (refuseDownloads, expected) => {
    const sim = simulator({ refuseDownloads });
    const host = new Host(sim);
    const answers = host.send([H, ...order('S1', ['GLU']), 'L|1|N']);
    await vi.advanceTimersByTimeAsync(100);
    expect((await answers).slice(0, expected.length)).toEqual(expected);
    expect(sim.worklist).toEqual([]);
    sim.stop();
  });
});

describe('astm-lis2 simulator: contention (E1381, the instrument has priority)', () => {
  it('crossNextEnq: the host ENQ is met with ENQ; the analyzer waits, bids again and sends its query', async () => {
    const sim = simulator({ contentionWaitMs: 1000 });
    const host = new Host(sim);
    sim.crossNextEnq('SPEC9');
    const answers = host.send([H, ...order('S1', ['GLU']), 'L|1|N']);
    await vi.advanceTimersByTimeAsync(10);
    expect(await answers).toEqual([ENQ]);
    expect(sim.contentions).toBe(1);
    await vi.advanceTimersByTimeAsync(900);
    expect(host.transmissions).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(host.transmissions).toHaveLength(1);
    expect(field(host.transmissions[0]![1]!, 3)).toBe('^SPEC9');
    sim.stop();
  });

  it('crossNextEnq: a host that yields by acknowledging the crossed ENQ gets the frames at once', async () => {
    const sim = simulator({ contentionWaitMs: 1000 });
    const wire: string[] = [];
    sim.start({ write: (bytes) => void wire.push(Buffer.from(bytes).toString('latin1')) });
    sim.crossNextEnq('SPEC11');
    sim.receive(Buffer.from(ENQ, 'latin1'));
    await vi.advanceTimersByTimeAsync(10);
    expect(wire).toEqual([ENQ]);
    sim.receive(Buffer.from(ACK, 'latin1'));
    await vi.advanceTimersByTimeAsync(10);
    expect(wire[1]).toMatch(/^\x021H\|/);
    sim.stop();
  });

  it('its own ENQ answered with ENQ: it waits its contention time and sends ENQ again', async () => {
    const sim = simulator({ contentionWaitMs: 1000 });
    const host = new Host(sim);
    host.contendNext = true;
    sim.scan('SPEC10');
    await vi.advanceTimersByTimeAsync(10);
    expect(host.wire).toEqual([ENQ]);
    expect(sim.contentions).toBe(1);
    await vi.advanceTimersByTimeAsync(1100);
    expect(host.wire[1]).toBe(ENQ);
    expect(host.transmissions).toHaveLength(1);
    sim.stop();
  });
});
