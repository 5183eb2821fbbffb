// The HL7 analyzer simulator on its own: what it sends and how it reacts to ACKs (fake timers).

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseAck } from '../../../src/hl7/ack.ts';
import { create } from '../../../simulators/hl7-analyzer.ts';
import { FAULTS } from '../../../simulators/types.ts';

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const ackFrame = (code: string, controlId: string): Uint8Array =>
  Buffer.from(`\x0bMSH|^~\\&|MEDGATE|CLINIC|SIMLAB|SIMLAB-LAB|20250114093000||ACK^R01^ACK|A1|P|2.5.1\rMSA|${code}|${controlId}\r\x1c\r`, 'latin1');

function device(options: Parameters<typeof create>[0]) {
  const sim = create(options);
  const writes: string[] = [];
  sim.start({ write: (b) => writes.push(latin1(b)) });
  const frames = (): string[] => [...writes.join('').matchAll(/\x0b([^\x1c]*)\x1c\r/g)].map((m) => m[1]!);
  const controlIdOf = (text: string): string => text.split('\r')[0]!.split('|')[9]!;
  return { sim, writes, frames, controlIdOf };
}

describe('hl7-analyzer simulator', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-01-14T09:30:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('offers the duplicate fault', () => {
    expect(FAULTS).toContain('duplicate');
  });

  it('sends framed ORU^R01 v2.5.1 messages, one at a time, rotating panels', async () => {
    const d = device({ count: 4, seed: 7, intervalMs: 1000 });
    await vi.advanceTimersByTimeAsync(10);
    expect(d.frames()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(d.frames()).toHaveLength(1); // waits for the ACK (no timeout yet)
    const panels: string[] = [];
    for (let i = 0; i < 4; i++) {
      const text = d.frames()[i]!;
      expect(text).toMatch(/^MSH\|\^~\\&\|SIMLAB\|SIMLAB-LAB\|MEDGATE\|CLINIC\|\d{14}\+0000\|\|ORU\^R01\^ORU_R01\|SIM\d{7}\|P\|2\.5\.1\|/);
      expect(text).toMatch(/\rPID\|1\|\|\d{6}\^\^\^CLINIC\^MR\|/);
      expect(text).toMatch(/\rSPM\|1\|S\d{8}\|/);
      panels.push(/\rOBR\|1\|[^|]*\|[^|]*\|([^^]+)\^/.exec(text)![1]!);
      d.sim.receive(ackFrame('AA', d.controlIdOf(text)));
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(panels).toEqual(['BMP', 'CBC', 'A1C', 'PTINR']);
    expect(d.sim.sent).toBe(4);
    expect(d.sim.acked.map((m) => m.ack)).toEqual(['AA', 'AA', 'AA', 'AA']);
    await d.sim.done;
    d.sim.stop();
  });

  it('same seed and clock, same bytes', async () => {
    const a = device({ count: 1, seed: 42 });
    const b = device({ count: 1, seed: 42 });
    const c = device({ count: 1, seed: 43 });
    await vi.advanceTimersByTimeAsync(10);
    expect(a.writes).toEqual(b.writes);
    expect(a.writes).not.toEqual(c.writes);
    for (const x of [a, b, c]) x.sim.stop();
  });

  it('resends the same message on AE and on timeout, ignores a mismatched MSA-2, gives up on AR', async () => {
    const d = device({ count: 2, seed: 3, intervalMs: 1000, ackTimeoutMs: 2000 });
    await vi.advanceTimersByTimeAsync(10);
    const first = d.frames()[0]!;
    const id = d.controlIdOf(first);
    d.sim.receive(ackFrame('AA', 'SOMETHING-ELSE'));
    d.sim.receive(ackFrame('AE', id));
    await vi.advanceTimersByTimeAsync(1000);
    expect(d.frames()).toEqual([first, first]);
    await vi.advanceTimersByTimeAsync(2000); // no ACK: timeout, again
    expect(d.frames()).toEqual([first, first, first]);
    expect(d.sim.sent).toBe(0);
    d.sim.receive(ackFrame('AR', id));
    await vi.advanceTimersByTimeAsync(1000);
    const second = d.frames()[3]!;
    expect(d.controlIdOf(second)).not.toBe(id);
    expect(d.sim.sent).toBe(0); // AR: given up, not counted
    d.sim.receive(ackFrame('CA', d.controlIdOf(second)));
    expect(d.sim.sent).toBe(1);
    expect(d.sim.acked[0]!.ack).toBe('CA');
    d.sim.stop();
  });

  it('duplicate fault: the message goes again after its ACK, and counts once', async () => {
    const d = device({ count: 1, seed: 5, intervalMs: 1000, faults: ['duplicate'] });
    await vi.advanceTimersByTimeAsync(10);
    const [first] = d.frames();
    d.sim.receive(ackFrame('AA', d.controlIdOf(first!)));
    expect(d.frames()).toEqual([first, first]);
    d.sim.receive(ackFrame('AA', d.controlIdOf(first!)));
    expect(d.sim.sent).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(d.frames()).toHaveLength(2); // count reached: nothing more
    d.sim.stop();
  });

  it('partial and garbage faults: noise between frames, a frame split over two writes', async () => {
    const d = device({ count: 1, seed: 9, intervalMs: 1000, faults: ['garbage', 'partial'] });
    await vi.advanceTimersByTimeAsync(1);
    expect(d.writes.length).toBe(2); // noise, then the first part of the frame
    expect(d.writes[0]).not.toContain('\x0b');
    expect(d.writes[1]!.startsWith('\x0b')).toBe(true);
    expect(d.writes[1]).not.toContain('\x1c\r');
    await vi.advanceTimersByTimeAsync(300);
    expect(d.writes.length).toBe(3);
    expect(d.frames()).toHaveLength(1);
    // The ACK it needs is for that one frame.
    expect(() => parseAck(`MSH|^~\\&|A|B|||1||ACK|1|P|2.5\rMSA|AA|${d.controlIdOf(d.frames()[0]!)}`)).not.toThrow();
    d.sim.stop();
  });
});
