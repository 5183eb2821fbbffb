// The ASTM analyzer simulator as an E1381 sender, against a scripted host (no driver): its frames,
// its timeouts and retries, and reproducibility from the seed.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { create } from '../../../simulators/astm-lis2.ts';
import { checksum } from '../../support/astm-wire.ts';

const ENQ = '\x05';
const ACK = '\x06';
const NAK = '\x15';
const EOT = '\x04';

/** A host that answers each ENQ and frame with `answer(what)`; null = stay silent. */
function host(answer: (what: string) => string | null) {
  const sim = create({ count: 2, seed: 9, intervalMs: 1000, replyTimeoutMs: 3000, retryDelayMs: 2000 });
  const seen: string[] = [];
  let pending = '';
  sim.start({
    write: (bytes) => {
      pending += Buffer.from(bytes).toString('latin1');
      // Split what arrived into ENQ, EOT and whole frames.
      for (;;) {
        const c = pending[0];
        if (c === undefined) return;
        if (c === ENQ || c === EOT) {
          seen.push(c);
          pending = pending.slice(1);
          if (c === ENQ) reply(c);
          continue;
        }
        const end = pending.indexOf('\r\n');
        if (end < 0) return;
        const f = pending.slice(0, end + 2);
        pending = pending.slice(end + 2);
        seen.push(f);
        reply(f);
      }
    },
  });
  function reply(what: string): void {
    const r = answer(what);
    if (r !== null) sim.receive(Buffer.from(r, 'latin1'));
  }
  return { sim, seen };
}

describe('astm-lis2 simulator as an E1381 sender', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date(2025, 0, 14, 9, 30, 0) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends ENQ, numbered frames with good checksums (ETB for long records), EOT', async () => {
    const { sim, seen } = host(() => ACK);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sim.sent).toBe(2);
    const first = seen.slice(0, seen.indexOf(EOT) + 1);
    expect(first[0]).toBe(ENQ);
    expect(first[first.length - 1]).toBe(EOT);
    const frames = first.slice(1, -1);
    frames.forEach((f, i) => {
      const m = /^\x02([0-7])([^\x03\x17]*)([\x03\x17])([0-9A-F]{2})\r\n$/.exec(f);
      expect(m, JSON.stringify(f)).not.toBeNull();
      expect(Number(m![1])).toBe((i + 1) % 8);
      expect(m![2]!.length).toBeLessThanOrEqual(240);
      expect(m![4]).toBe(checksum(`${m![1]}${m![2]}${m![3]}`));
      if (m![3] === '\x17') expect(m![2]!.length).toBe(240);
    });
    const text = frames.map((f) => f.slice(2, -5)).join('');
    expect(text.split('\r').filter(Boolean)).toEqual(sim.completed[0]!.records);
    expect(sim.completed[0]!.records[0]).toMatch(/^H\|\\\^&\|\|\|CHEM-300\^4\.1\^SN1187\|/);
  });

  it('a silent host: EOT after the reply timeout, ENQ again after the retry delay', async () => {
    const { sim, seen } = host(() => null);
    await vi.advanceTimersByTimeAsync(2999);
    expect(seen).toEqual([ENQ]);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toEqual([ENQ, EOT]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(seen).toEqual([ENQ, EOT, ENQ]);
    expect(sim.failedAttempts).toBe(1);
    sim.stop();
  });

  it('a busy host (NAK to ENQ): ENQ again after the retry delay, no EOT', async () => {
    let naks = 2;
    const { sim, seen } = host((w) => (w === ENQ && naks-- > 0 ? NAK : ACK));
    await vi.advanceTimersByTimeAsync(4000);
    expect(seen.slice(0, 3)).toEqual([ENQ, ENQ, ENQ]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sim.sent).toBe(2);
  });

  it('a frame refused 7 times (6 retransmissions): EOT, and the whole transmission later', async () => {
    let refuse = 7;
    const { sim, seen } = host((w) => (w === ENQ ? ACK : refuse-- > 0 ? NAK : ACK));
    await vi.advanceTimersByTimeAsync(100);
    expect(seen.slice(1, 8).every((f) => f === seen[1])).toBe(true);
    expect(seen[8]).toBe(EOT);
    expect(sim.failedAttempts).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sim.sent).toBe(2);
  });

  it('the same seed gives the same bytes', async () => {
    const capture = async (seed: number) => {
      vi.setSystemTime(new Date(2025, 0, 14, 9, 30, 0));
      const sim = create({ count: 3, seed, intervalMs: 100, faults: ['bad-checksum', 'garbage'] });
      const out: number[] = [];
      sim.start({
        write: (b) => {
          out.push(...b);
          if (b[0] !== 0x04) sim.receive(Uint8Array.of(0x06));
        },
      });
      await vi.advanceTimersByTimeAsync(2000);
      sim.stop();
      return Buffer.from(out).toString('latin1');
    };
    const a = await capture(7);
    expect(await capture(7)).toBe(a);
    expect(await capture(8)).not.toBe(a);
  });
});
