// The hl7-analyzer session takes orders: downloads wait for the analyzer's ACK (accepted, rejected
// with its reason, retried without one), results keep flowing meanwhile, stray ACKs are dropped;
// host queries (QBP, IHE LAW "Query for AWOS") are answered at once with RSP_K11 and the orders follow.

import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { driver } from '../../../drivers/hl7-analyzer/index.ts';
import { MAX_QUEUED_MESSAGES } from '../../../drivers/hl7-analyzer/session.ts';
import { parseAck } from '../../../src/hl7/ack.ts';
import { encodeFrame } from '../../../src/mllp/framing.ts';
import type { DownloadOutcome, WorkOrder, Worklist, WorklistAnswer } from '../../../src/model/work-order.ts';
import { chunksAt, logsAboveDebug, open, type Harness } from './harness.ts';

const msg = (...segments: string[]): string => segments.join('\r') + '\r';

const order: WorkOrder = {
  action: 'new',
  specimenId: 'SPC-0042',
  specimenType: 'SER',
  placer: 'ORD777',
  patient: { mrn: '123456', family: 'Doe', given: 'Jane' },
  tests: [{ code: 'GLU' }],
};

// Generous: an ACK fed after settle() must never lose a race with the timeout on a busy machine.
// The timeout itself is tested on fake time.
const FAST = { orderAckTimeoutMs: 60_000 };

/** The messages the session wrote, unframed. */
const sent = (h: Harness): string[] =>
  h.writes.map((w) => {
    expect(w.startsWith('\x0b') && w.endsWith('\x1c\r')).toBe(true);
    return w.slice(1, -2);
  });
const field = (text: string, segment: string, n: number): string => {
  const line = text.split('\r').find((l) => l.startsWith(`${segment}|`)) ?? '';
  // MSH-1 is the separator itself: MSH-n is the n-th piece after splitting.
  return line.split('|')[segment === 'MSH' ? n - 1 : n] ?? '';
};
const segmentsOf = (text: string): string[] => text.split('\r').filter((l) => l !== '');

/** The analyzer's answer to our message `controlId`. */
const ackOf = (controlId: string, code: string, ...more: string[]): string =>
  msg(`MSH|^~\\&|C311|CHEMLAB|MEDGATE|CLINIC|20250114093001||ACK^O21^ACK|A-${controlId}|P|2.5.1`, `MSA|${code}|${controlId}`, ...more);

const oru = (id: string): string =>
  msg(
    `MSH|^~\\&|C311|CHEMLAB|MEDGATE|CLINIC|20250114093500||ORU^R01|${id}|P|2.5.1`,
    'PID|1||123456^^^^MR||Doe^Jane',
    'OBR|1|ORD777|SPC-0041|GLU^Glucose^99MDG',
    'OBX|1|NM|GLU^Glucose^99MDG||105|mg/dL|||||F',
  );

const qbp = (id: string, qpd: string): string => msg(`MSH|^~\\&|C311|CHEMLAB|LIS|LAB|20250114093000||QBP^Q11^QBP_Q11|${id}|P|2.5.1|||ER|AL`, qpd, 'RCP|I||R');

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Starts a download and returns it with the order message written. */
async function startDownload(h: Harness, o: WorkOrder = order): Promise<{ result: Promise<DownloadOutcome>; text: string; controlId: string }> {
  const before = h.writes.length;
  const result = h.session.download!(o);
  await settle();
  const text = sent(h)[before];
  expect(text).toBeDefined();
  return { result, text: text!, controlId: field(text!, 'MSH', 10) };
}

describe('hl7-analyzer downloads', () => {
  it('declares that it takes orders both ways', () => {
    expect(driver.orders).toEqual({ query: true, download: true });
  });

  it('sends OML^O21 by default and resolves accepted on AA (and CA) with MSA-2 = its MSH-10', async () => {
    const h = open(driver, FAST);
    const first = await startDownload(h);
    expect(field(first.text, 'MSH', 9)).toBe('OML^O21^OML_O21');
    expect(segmentsOf(first.text).map((s) => s.slice(0, 3))).toEqual(['MSH', 'PID', 'ORC', 'OBR', 'SPM']);
    h.feed(encodeFrame(ackOf(first.controlId, 'AA')));
    expect(await first.result).toEqual({ outcome: 'accepted' });

    const second = await startDownload(h);
    expect(second.controlId).not.toBe(first.controlId);
    h.feed(encodeFrame(ackOf(second.controlId, 'CA')));
    expect(await second.result).toEqual({ outcome: 'accepted' });
    // The analyzer's ACKs are not results and get no ACK of their own.
    expect(h.reports).toEqual([]);
    expect(h.errors).toEqual([]);
    expect(h.writes).toHaveLength(2);
  });

  it('sends ORM^O01 when the settings say so, and takes the ORR^O02 answer', async () => {
    const h = open(driver, { ...FAST, orderMessage: 'ORM^O01' });
    const d = await startDownload(h);
    expect(field(d.text, 'MSH', 9)).toBe('ORM^O01^ORM_O01');
    expect(field(d.text, 'OBR', 3)).toBe('SPC-0042');
    h.feed(encodeFrame(msg(`MSH|^~\\&|C311|CHEMLAB|||20250114093001||ORR^O02^ORR_O02|R1|P|2.5.1`, `MSA|AA|${d.controlId}`)));
    expect(await d.result).toEqual({ outcome: 'accepted' });
  });

  it('addresses the analyzer as it named itself, from us as the settings or the analyzer name us', async () => {
    const h = open(driver, FAST);
    h.feed(encodeFrame(oru('R1')));
    await settle();
    const d = await startDownload(h);
    expect(segmentsOf(d.text)[0]!.split('|').slice(2, 6)).toEqual(['MEDGATE', 'CLINIC', 'C311', 'CHEMLAB']);
    h.feed(encodeFrame(ackOf(d.controlId, 'AA')));
    await d.result;

    const named = open(driver, { ...FAST, ackSendingApplication: 'GW^01', orderCodingSystem: '99C3' });
    const n = await startDownload(named);
    expect(segmentsOf(n.text)[0]!.split('|').slice(2, 6)).toEqual(['GW^01', '', '', '']);
    expect(field(n.text, 'OBR', 4)).toBe('GLU^^99C3');
    named.session.close();
    expect(await n.result).toMatchObject({ outcome: 'retry' });
  });

  it('resolves rejected with the analyzer reason: MSA-3 on AE, ERR-8 and ERR-3 on AR', async () => {
    const h = open(driver, FAST);
    const ae = await startDownload(h);
    h.feed(
      encodeFrame(
        ackOf(ae.controlId, 'AE', 'ERR|||103^Table value not found^HL70357|E||||unknown test code GLU').replace(
          `MSA|AE|${ae.controlId}`,
          `MSA|AE|${ae.controlId}|test GLU not configured`,
        ),
      ),
    );
    expect(await ae.result).toEqual({ outcome: 'rejected', reason: 'analyzer answered AE (error 103): test GLU not configured' });

    const ar = await startDownload(h);
    h.feed(encodeFrame(ackOf(ar.controlId, 'AR', 'ERR|||103^Table value not found^HL70357|E||||unknown test code GLU')));
    expect(await ar.result).toEqual({ outcome: 'rejected', reason: 'analyzer answered AR (error 103): unknown test code GLU' });

    const bare = await startDownload(h);
    h.feed(encodeFrame(ackOf(bare.controlId, 'AR')));
    expect(await bare.result).toEqual({ outcome: 'rejected', reason: 'analyzer answered AR: no reason given' });
  });

  it('resolves retry when no ACK comes within orderAckTimeoutMs, and drops the late one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const h = open(driver, { orderAckTimeoutMs: 100 });
    const d = await startDownload(h);
    let outcome: DownloadOutcome | undefined;
    void d.result.then((o) => {
      outcome = o;
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    // Silence (an analyzer switched off on a half-open socket): a plain retry, never counted as a refusal.
    expect(outcome).toEqual({ outcome: 'retry', reason: 'no acknowledgement from the analyzer within 100 ms, and nothing else from it: is it on?' });
    h.feed(encodeFrame(ackOf(d.controlId, 'AA')));
    await settle();
    expect(h.logs.some((l) => l.level === 'debug' && /no order waiting/.test(l.msg))).toBe(true);
    expect(h.errors).toEqual([]);
  });

  it('an analyzer that talks on the connection but never acknowledges the order: the retry counts as not taken', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const h = open(driver, { orderAckTimeoutMs: 100 });
    const d = await startDownload(h);
    h.feed(encodeFrame(ackOf('SOMETHING-ELSE', 'AA')));
    await vi.advanceTimersByTimeAsync(100);
    expect(await d.result).toEqual({ outcome: 'retry', reason: 'no acknowledgement from the analyzer within 100 ms', answered: true });
  });

  it('takes one download at a time: a second call while one waits resolves retry at once', async () => {
    const h = open(driver, FAST);
    const d = await startDownload(h);
    expect(await h.session.download!(order)).toEqual({ outcome: 'retry', reason: 'another order is being sent to this analyzer' });
    expect(h.writes).toHaveLength(1);
    h.feed(encodeFrame(ackOf(d.controlId, 'AA')));
    expect(await d.result).toEqual({ outcome: 'accepted' });
  });

  it('resolves retry when the link drops or the session closes while it waits', async () => {
    const h = open(driver, { orderAckTimeoutMs: 60_000 });
    const d = await startDownload(h);
    h.session.linkDown!();
    expect(await d.result).toMatchObject({ outcome: 'retry', reason: expect.stringMatching(/connection .* lost/) });
    // Down: nothing is written until the link is up again.
    expect(await h.session.download!(order)).toEqual({ outcome: 'retry', reason: 'not connected to the analyzer' });
    h.session.linkUp!();
    const again = await startDownload(h);
    h.session.close();
    expect(await again.result).toMatchObject({ outcome: 'retry', reason: expect.stringMatching(/closed/) });
    expect(await h.session.download!(order)).toMatchObject({ outcome: 'retry' });
  });

  it('resolves retry when the order cannot be written', async () => {
    const h = open(driver, FAST);
    h.link.write = async () => {
      throw new Error('socket closed');
    };
    expect(await h.session.download!(order)).toEqual({ outcome: 'retry', reason: 'order could not be written: socket closed' });
  });

  it('an order that cannot be written as HL7 is rejected (a dead letter, not a loop), its reason without the bad value', async () => {
    const h = open(driver, FAST);
    const outcome = await h.session.download!({ ...order, patient: { ...order.patient, birthDate: '14.02.1980' } });
    expect(outcome).toEqual({ outcome: 'rejected', reason: 'order message could not be built: a time or birth date in the order is not ISO 8601' });
    expect(h.writes).toEqual([]);
  });

  it('takes and acknowledges results that arrive while a download waits for its ACK', async () => {
    const h = open(driver, FAST);
    let release: () => void = () => undefined;
    h.session.on('report', () => new Promise<void>((resolve) => (release = resolve)));
    const d = await startDownload(h);
    h.feed(encodeFrame(oru('R1')));
    await settle();
    // The result is being stored; the order's ACK is taken at once all the same.
    h.feed(encodeFrame(ackOf(d.controlId, 'AA')));
    expect(await d.result).toEqual({ outcome: 'accepted' });
    release();
    await settle();
    expect(h.reports).toHaveLength(1);
    const acks = sent(h)
      .slice(1)
      .map((w) => parseAck(w));
    expect(acks).toEqual([expect.objectContaining({ code: 'AA', controlId: 'R1' })]);
  });

  it('drops an ACK nobody waits for (debug), and keeps waiting through one for another message', async () => {
    const h = open(driver, FAST);
    h.feed(encodeFrame(ackOf('MG-NOT-OURS', 'AA')));
    await settle();
    expect(h.writes).toEqual([]);
    expect(h.errors).toEqual([]);
    expect(h.reports).toEqual([]);
    expect(h.logs.filter((l) => l.level !== 'debug')).toEqual([]);

    const d = await startDownload(h);
    h.feed(encodeFrame(ackOf('SOMETHING-ELSE', 'AR')));
    await settle();
    h.feed(encodeFrame(ackOf(d.controlId, 'AA')));
    expect(await d.result).toEqual({ outcome: 'accepted' });
  });

  it('names an acknowledgement it cannot read as a protocol error, without answering it', async () => {
    const h = open(driver, FAST);
    h.feed(encodeFrame(msg('MSH|^~\\&|C311|CHEMLAB|||20250114093001||ACK|A1|P|2.5.1')));
    await settle();
    expect(h.errors.map((e) => e.reason)).toEqual(['acknowledgement not understood: ACK has no MSA segment']);
    expect(h.writes).toEqual([]);
  });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A worklist in memory, recording what the session told it; `delayMs` advances fake time inside query(). */
function worklist(known: Record<string, WorkOrder>, answerWithinMs = 10_000, delayMs = 0): Worklist & { calls: Array<[WorklistAnswer, unknown]> } {
  const calls: Array<[WorklistAnswer, unknown]> = [];
  return {
    calls,
    answerWithinMs,
    query(specimenIds) {
      // A worklist this slow stands for a gateway that could not answer in time (the test fakes the clock).
      if (delayMs > 0) vi.advanceTimersByTime(delayMs);
      return { orders: specimenIds.flatMap((id) => (known[id] ? [known[id]] : [])), unknown: specimenIds.filter((id) => !known[id]) };
    },
    answered(answer, result) {
      calls.push([answer, result]);
    },
  };
}

const QPD = 'QPD|WOS^Work Order Step^IHE_LABTF|TAG-1|SPC-0042';

describe('hl7-analyzer host queries', () => {
  it('answers RSP_K11 OK at once, then sends the order and records it answered once acknowledged', async () => {
    const h = open(driver, FAST);
    const wl = worklist({ 'SPC-0042': order });
    h.link.worklist = wl;
    h.feed(encodeFrame(qbp('Q1', QPD)));
    await settle();
    const [rsp, oml] = sent(h);
    expect(segmentsOf(rsp!)).toEqual([
      `MSH|^~\\&|LIS|LAB|C311|CHEMLAB|20250114093000+0000||RSP^K11^RSP_K11|${field(rsp!, 'MSH', 10)}|P|2.5.1`,
      'MSA|AA|Q1',
      'QAK|TAG-1|OK|WOS^Work Order Step^IHE_LABTF',
      QPD,
    ]);
    expect(field(oml!, 'MSH', 9)).toBe('OML^O21^OML_O21');
    expect(field(oml!, 'SPM', 2)).toBe('SPC-0042');
    expect(wl.calls).toEqual([]);
    h.feed(encodeFrame(ackOf(field(oml!, 'MSH', 10), 'AA')));
    await settle();
    expect(wl.calls).toEqual([[{ orders: [order], unknown: [] }, { sent: true }]]);
    expect(h.errors).toEqual([]);
  });

  it('answers NF for an unknown specimen and sends nothing more', async () => {
    const h = open(driver, FAST);
    const wl = worklist({});
    h.link.worklist = wl;
    h.feed(encodeFrame(qbp('Q2', 'QPD|WOS^Work Order Step^IHELAW|T2|SPC-9999')));
    await settle();
    expect(sent(h)).toHaveLength(1);
    expect(segmentsOf(sent(h)[0]!).slice(1)).toEqual(['MSA|AA|Q2', 'QAK|T2|NF|WOS^Work Order Step^IHELAW', 'QPD|WOS^Work Order Step^IHELAW|T2|SPC-9999']);
    expect(wl.calls).toEqual([[{ orders: [], unknown: ['SPC-9999'] }, { sent: true }]]);
  });

  it('answers NF when the device takes no queries (no worklist on the link)', async () => {
    const h = open(driver, FAST);
    h.feed(encodeFrame(qbp('Q3', QPD)));
    await settle();
    expect(field(sent(h)[0]!, 'QAK', 2)).toBe('NF');
    expect(sent(h)).toHaveLength(1);
  });

  it('reads every specimen of QPD-3 (EIP placer, else filler component) and answers the event it was asked with', async () => {
    const h = open(driver, FAST);
    const wl = worklist({ 'SPC-0042': order });
    h.link.worklist = wl;
    h.feed(encodeFrame(msg('MSH|^~\\&|C311|CHEMLAB|||20250114093000||QBP^WOS^QBP_Q11|Q4|P|2.5.1', 'QPD|WOS^Work Order Step^IHE_LABTF|T4|^SPC-0042~SPC-7&LAB')));
    await settle();
    expect(field(sent(h)[0]!, 'MSH', 9)).toBe('RSP^WOS^RSP_K11');
    expect(field(sent(h)[0]!, 'QAK', 2)).toBe('OK');
    expect(wl.calls).toEqual([[{ orders: [], unknown: ['SPC-7'] }, { sent: true }]]);
  });

  it('answers a query without QPD-3 with an AE naming the field', async () => {
    const h = open(driver, FAST);
    h.link.worklist = worklist({});
    h.feed(encodeFrame(qbp('Q5', 'QPD|WOS^Work Order Step^IHE_LABTF|T5|')));
    await settle();
    const ack = parseAck(sent(h)[0]!);
    expect(ack).toMatchObject({ code: 'AE', controlId: 'Q5', errorCode: '101' });
    expect(ack.text).toMatch(/QPD-3/);
    expect(h.errors.map((e) => e.reason)).toEqual([ack.text]);
  });

  it('refuses a query other than WOS (QPD-1) and a QBP without QPD', async () => {
    const h = open(driver, FAST);
    h.feed(encodeFrame(qbp('Q6', 'QPD|WOS_ALL^All work^IHE_LABTF|T6')));
    h.feed(encodeFrame(msg('MSH|^~\\&|C311|CHEMLAB|||20250114093000||QBP^Q11^QBP_Q11|Q7|P|2.5.1', 'RCP|I')));
    await settle();
    const acks = sent(h).map((w) => parseAck(w));
    expect(acks.map((a) => [a.code, a.controlId])).toEqual([
      ['AE', 'Q6'],
      ['AE', 'Q7'],
    ]);
    expect(acks[0]!.text).toMatch(/QPD-1/);
    expect(acks[1]!.text).toMatch(/QPD/);
  });

  it('drops an answer it could not give within answerWithinMs: never sent late, recorded as not sent', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const h = open(driver, FAST);
    const wl = worklist({ 'SPC-0042': order }, 500, 600);
    h.link.worklist = wl;
    h.feed(encodeFrame(qbp('Q8', QPD)));
    await settle();
    expect(h.writes).toEqual([]);
    expect(wl.calls).toHaveLength(1);
    expect(wl.calls[0]![1]).toMatchObject({ sent: false, reason: expect.stringMatching(/past the analyzer's 500 ms/) });
    expect(h.logs.some((l) => l.level === 'warn' && /too late/.test(l.msg))).toBe(true);
    expect(logsAboveDebug(h).filter((l) => l.includes('SPC-0042') || l.includes('123456'))).toEqual([]);
  });

  it('a worklist that throws when told the outcome: no second (AE) answer after the RSP, no unhandled rejection, logged', async () => {
    const h = open(driver, FAST);
    const wl = worklist({ 'SPC-0042': order });
    wl.answered = () => {
      throw new Error('order book down');
    };
    h.link.worklist = wl;
    h.feed(encodeFrame(qbp('Q10', 'QPD|WOS^Work Order Step^IHE_LABTF|T10|SPC-0042~SPC-9999')));
    await settle();
    const [rsp, oml, ...more] = sent(h);
    expect(field(rsp!, 'QAK', 2)).toBe('OK');
    expect(field(oml!, 'MSH', 9)).toBe('OML^O21^OML_O21');
    expect(more).toEqual([]);
    // The order's ACK: the worklist throws again, inside the sender's continuation.
    h.feed(encodeFrame(ackOf(field(oml!, 'MSH', 10), 'AA')));
    await settle();
    expect(sent(h)).toHaveLength(2);
    expect(h.errors).toEqual([]);
    expect(h.logs.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
      'the worklist could not record the HL7 host-query answer',
      'the worklist could not record the HL7 host-query answer',
    ]);
    expect(logsAboveDebug(h).filter((l) => l.includes('SPC-0042') || l.includes('123456'))).toEqual([]);
  });

  it('answers AE busy to a query while too many orders wait for the analyzer to acknowledge them', async () => {
    const h = open(driver, { orderAckTimeoutMs: 60_000 });
    h.link.worklist = worklist({ 'SPC-0042': order });
    for (let i = 0; i <= MAX_QUEUED_MESSAGES; i++) h.feed(encodeFrame(qbp(`Q${i}`, QPD)));
    await settle();
    const acks = sent(h).filter((w) => field(w, 'MSH', 9).startsWith('ACK'));
    expect(acks).toHaveLength(1);
    const last = parseAck(acks[0]!);
    expect(last).toMatchObject({ code: 'AE', controlId: `Q${MAX_QUEUED_MESSAGES}`, errorCode: '207' });
    expect(last.text).toMatch(/busy/);
    expect(sent(h).filter((w) => field(w, 'QAK', 2) === 'OK')).toHaveLength(MAX_QUEUED_MESSAGES);
    h.session.close();
  });

  it('sends the orders of a query after a download already on the wire, in turn', async () => {
    const h = open(driver, FAST);
    const wl = worklist({ 'SPC-0042': order });
    h.link.worklist = wl;
    const d = await startDownload(h, { ...order, specimenId: 'SPC-0001' });
    h.feed(encodeFrame(qbp('Q9', QPD)));
    await settle();
    expect(sent(h)).toHaveLength(2); // the download, the RSP; the query's order waits its turn
    h.feed(encodeFrame(ackOf(d.controlId, 'AA')));
    expect(await d.result).toEqual({ outcome: 'accepted' });
    await settle();
    const third = sent(h)[2]!;
    expect(field(third, 'SPM', 2)).toBe('SPC-0042');
    h.feed(encodeFrame(ackOf(field(third, 'MSH', 10), 'AE', 'ERR|||207^^HL70357|E||||analyzer busy')));
    await settle();
    expect(wl.calls).toEqual([
      [
        { orders: [order], unknown: [] },
        { sent: false, reason: 'analyzer answered AE (error 207): analyzer busy' },
      ],
    ]);
  });
});

describe('hl7-analyzer orders: any chunking of the MLLP bytes', () => {
  it('gives the same answers for a query, a result and an ACK however the bytes are cut', async () => {
    const stream = Buffer.concat([encodeFrame(qbp('Q1', QPD)), encodeFrame(oru('R1')), encodeFrame(ackOf('NOBODY', 'AA'))]);
    const run = async (chunks: Uint8Array[]) => {
      const h = open(driver, FAST);
      h.link.worklist = worklist({});
      for (const c of chunks) h.session.receive(c);
      await settle();
      h.session.close();
      return { writes: sent(h).map((w) => w.replace(/\|MG[0-9A-Z]+\|/, '|ID|')), reports: h.reports.length, errors: h.errors };
    };
    const whole = await run([stream]);
    expect(whole.writes.map((w) => w.slice(0, 60))).toHaveLength(2);
    expect(whole.reports).toBe(1);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 12 }), async (cuts) => {
        expect(await run(chunksAt(stream, cuts))).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });
});
