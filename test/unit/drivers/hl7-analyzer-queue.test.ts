// The hl7-analyzer session's queue is bounded: a peer that sends without waiting for ACKs gets an
// AE for what does not fit (and one log line), the queue never grows past the bound, and the
// messages it kept are still stored and acknowledged.

import { describe, expect, it } from 'vitest';
import { MAX_QUEUED_MESSAGES } from '../../../drivers/hl7-analyzer/session.ts';
import { driver } from '../../../drivers/hl7-analyzer/index.ts';
import { parseAck } from '../../../src/hl7/ack.ts';
import { encodeFrame } from '../../../src/mllp/framing.ts';
import { open } from './harness.ts';

const oru = (id: number): string =>
  [
    `MSH|^~\\&|XN-550|HEMA|||20250114101500||ORU^R01|Q${id}|P|2.3.1`,
    'PID|1||MRN0042^^^^MR||Smith^John||19551102|M',
    `OBR|1|PL-${id}|SMP-${id}|CBC^Complete blood count|||20250114095000`,
    'OBX|1|NM|WBC^Leukocytes^L||7.2|10*3/uL|4.0-11.0|N|||F',
  ].join('\r') + '\r';

describe('hl7-analyzer session queue', () => {
  it('answers AE at once to messages past the bound, logs once, and stores the ones it kept', async () => {
    const h = open(driver);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The store is slow: every message the peer sends meanwhile waits in the queue.
    h.session.on('report', () => gate);
    const total = MAX_QUEUED_MESSAGES + 50;
    const flood = Buffer.concat(Array.from({ length: total }, (_, i) => encodeFrame(oru(i))));
    h.feed(flood);
    await new Promise((r) => setTimeout(r, 20));

    // MAX_QUEUED_MESSAGES were taken (the first is being stored); the rest were refused already.
    const refused = total - MAX_QUEUED_MESSAGES;
    const busy = h.writes.map((w) => parseAck(w.slice(1, -2))).filter((a) => a.code === 'AE');
    expect(busy).toHaveLength(refused);
    expect(busy.map((a) => a.controlId)).toEqual(Array.from({ length: refused }, (_, i) => `Q${i + MAX_QUEUED_MESSAGES}`));
    expect(busy[0]!.text).toMatch(/busy/);
    expect(h.logs.filter((l) => l.level === 'warn' && /queue full/.test(l.msg))).toHaveLength(1);

    release();
    await new Promise((r) => setTimeout(r, 50));
    const acks = h.writes.map((w) => parseAck(w.slice(1, -2)));
    expect(acks.filter((a) => a.code === 'AA').map((a) => a.controlId)).toEqual(Array.from({ length: MAX_QUEUED_MESSAGES }, (_, i) => `Q${i}`));
    expect(h.reports).toHaveLength(MAX_QUEUED_MESSAGES);

    // With room again, the next message is taken.
    h.feed(encodeFrame(oru(999)));
    await new Promise((r) => setTimeout(r, 20));
    expect(parseAck(h.writes.at(-1)!.slice(1, -2))).toMatchObject({ code: 'AA', controlId: 'Q999' });
  });
});
