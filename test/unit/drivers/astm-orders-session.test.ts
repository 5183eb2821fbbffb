// astm-lis2 as the sender: host-query answers and downloads on the wire, against an analyzer
// played byte by byte (E1381 replies, contention, NAKs, silence, a dropped link), with fake timers
// and short E1381 waits.

import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { driver } from '../../../drivers/astm-lis2/index.ts';
import type { DownloadOutcome, WorkOrder, Worklist, WorklistAnswer } from '../../../src/model/work-order.ts';
import { ACK, ENQ, EOT, NAK, framesOf } from '../../support/astm-wire.ts';
import { DOWNLOAD_FRAMES, NO_INFORMATION_FRAMES, ORDER } from './astm-orders-example.ts';
import { bytes, chunksAt, logsAboveDebug, open, type Harness } from './harness.ts';

const SETTINGS = { replyTimeoutMs: 1_000, busyWaitMs: 300, contentionWaitMs: 2_000 };

const ANALYZER_H = 'H|\\^&|||UA-200^2.10^SN0042|||||MEDGATE||TSREQ^REAL|P|1';
const queryOf = (...qs: string[]): string => ENQ + framesOf([ANALYZER_H, ...qs, 'L|1|N']).join('') + EOT;
const RESULTS = ENQ + framesOf([ANALYZER_H, 'P|1|PID0009', 'O|1|SPEC900||^^^GLU', 'R|1|^^^GLU|95|mg/dL||N||F||||20250114093000', 'L|1|N']).join('') + EOT;

interface FakeWorklist extends Worklist {
  asked: string[][];
  answers: Array<{ answer: WorklistAnswer; result: { sent: true } | { sent: false; reason: string } }>;
}

function worklist(orders: WorkOrder[], answerWithinMs = 10_000): FakeWorklist {
  const wl: FakeWorklist = {
    answerWithinMs,
    asked: [],
    answers: [],
    query(ids) {
      wl.asked.push(ids);
      return { orders: orders.filter((o) => ids.includes(o.specimenId)), unknown: ids.filter((id) => !orders.some((o) => o.specimenId === id)) };
    },
    answered(answer, result) {
      wl.answers.push({ answer, result });
    },
  };
  return wl;
}

/** A session whose device takes queries, with `orders` open for this analyzer. */
function withWorklist(orders: WorkOrder[], answerWithinMs?: number): { h: Harness; wl: FakeWorklist } {
  const h = open(driver, SETTINGS);
  const wl = worklist(orders, answerWithinMs);
  h.link.worklist = wl;
  return { h, wl };
}

const flush = async (): Promise<void> => {
  await vi.advanceTimersByTimeAsync(0);
};

/** Plays an analyzer that acknowledges our ENQ and every frame, from write `from` until our EOT. */
async function ackAll(h: Harness, from: number): Promise<void> {
  let i = from;
  for (let guard = 0; guard < 200; guard++) {
    await flush();
    if (i >= h.writes.length) return;
    const w = h.writes[i++] ?? '';
    if (w === EOT) return;
    if (w === ENQ || w.startsWith('\x02')) h.feed(ACK);
  }
}

/** The analyzer's side (ENQ, frames) fed as one transmission, its replies then written by us. */
async function analyzerSends(h: Harness, transmission: string): Promise<void> {
  h.feed(transmission);
  await flush();
}

let savedTz: string | undefined;
beforeEach(() => {
  savedTz = process.env.TZ;
  process.env.TZ = 'UTC';
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('host query', () => {
  it('one specimen: after the analyzer EOT, a new session as the sender with H, P, O, L|1|N, byte-exact', async () => {
    const { h, wl } = withWorklist([ORDER]);
    await analyzerSends(h, queryOf('Q|1|^SPEC123||ALL||||||||O'));
    expect(h.writes).toEqual([ACK, ACK, ACK, ACK, ENQ]);
    await ackAll(h, 4);
    expect(h.writes.slice(4)).toEqual([ENQ, ...DOWNLOAD_FRAMES, EOT]);
    expect(wl.asked).toEqual([['SPEC123']]);
    expect(wl.answers.map((a) => a.result)).toEqual([{ sent: true }]);
    expect(h.reports).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it('several specimens: one P and O each; the unknown one is left out of an answer that has work, and not recorded as told', async () => {
    const h = open(driver, SETTINGS);
    const second: WorkOrder = {
      ...ORDER,
      specimenId: 'SPEC124',
      action: 'add',
      priority: 'stat',
      tests: [{ code: 'K' }],
      patient: { mrn: 'PID0002', family: 'Roe' },
    };
    const wl = worklist([ORDER, second]);
    h.link.worklist = wl;
    await analyzerSends(h, queryOf('Q|1|^SPEC123\\^SPEC124\\^SPEC999||ALL||||||||O'));
    await ackAll(h, 4);
    const expected = framesOf([
      'H|\\^&|||MEDGATE|||||||P|LIS2-A2|20250114093000',
      'P|1|PID0001|||Doe^Jane||19800214|F',
      'O|1|SPEC123||^^^GLU\\^^^PH|R|20250114090000|||||N||||urine||||||||||O',
      'P|2|PID0002|||Roe',
      'O|1|SPEC124||^^^K|S|20250114090000|||||A||||urine||||||||||O',
      'L|1|N',
    ]);
    expect(h.writes.slice(4)).toEqual([ENQ, ...expected, EOT]);
    expect(wl.asked).toEqual([['SPEC123', 'SPEC124', 'SPEC999']]);
    // The analyzer heard nothing about SPEC999: the worklist must not record "told there is no work".
    expect(wl.answers[0]?.answer.unknown).toEqual([]);
    expect(wl.answers[0]?.answer.orders.map((o) => o.specimenId)).toEqual(['SPEC123', 'SPEC124']);
    expect(wl.answers[0]?.result).toEqual({ sent: true });
  });

  it('Roche cobas (Q.3 component 3): the answer echoes the query sequence, carrier and position in O.4 (cobas e 411 manual p. 51)', async () => {
    const h = open(driver, { ...SETTINGS, querySpecimenComponent: 3 });
    const wl = worklist([{ ...ORDER, specimenId: '000004' }]);
    h.link.worklist = wl;
    await analyzerSends(h, queryOf('Q|1|^^000004^40^0^5^^S1^SC||ALL||||||||O'));
    await ackAll(h, 4);
    expect(h.writes.slice(4)).toEqual([
      ENQ,
      ...framesOf([
        'H|\\^&|||MEDGATE|||||||P|LIS2-A2|20250114093000',
        'P|1|PID0001|||Doe^Jane||19800214|F',
        'O|1|000004|40^0^5^^S1^SC|^^^GLU\\^^^PH|R|20250114090000|||||N||||urine||||||||||O',
        'L|1|N',
      ]),
      EOT,
    ]);
  });

  it('an unknown specimen: "no information available", H and L|1|I', async () => {
    const { h, wl } = withWorklist([ORDER]);
    await analyzerSends(h, queryOf('Q|1|^SPEC999||ALL||||||||O'));
    await ackAll(h, 4);
    expect(h.writes.slice(4)).toEqual([ENQ, ...NO_INFORMATION_FRAMES, EOT]);
    expect(wl.answers).toEqual([{ answer: { orders: [], unknown: ['SPEC999'] }, result: { sent: true } }]);
  });

  it('an answer the encoder cannot write: "no information", recorded as not sent, and the session goes on', async () => {
    const unwritable: WorkOrder = {
      ...ORDER,
      tests: [
        {
          get code(): string {
            throw new Error('not writable');
          },
        },
      ],
    };
    const { h, wl } = withWorklist([unwritable]);
    await analyzerSends(h, queryOf(`Q|1|^${ORDER.specimenId}||ALL||||||||O`));
    await ackAll(h, 4);
    expect(h.writes.slice(4)).toEqual([ENQ, ...NO_INFORMATION_FRAMES, EOT]);
    expect(wl.answers[0]).toMatchObject({ answer: { orders: [unwritable] }, result: { sent: false, reason: 'the answer could not be written: not writable' } });
    expect(wl.answers[1]).toEqual({ answer: { orders: [], unknown: [ORDER.specimenId] }, result: { sent: true } });
    expect(h.errors).toEqual([]);
  });

  it('a device without a worklist answers "no information" and says so at debug only', async () => {
    const h = open(driver, SETTINGS);
    await analyzerSends(h, queryOf('Q|1|^SPEC123||ALL||||||||O'));
    await ackAll(h, 4);
    expect(h.writes.slice(4)).toEqual([ENQ, ...NO_INFORMATION_FRAMES, EOT]);
    expect(h.logs.filter((l) => l.msg.includes('does not take queries')).map((l) => l.level)).toEqual(['debug']);
    expect(logsAboveDebug(h).filter((l) => l.includes('SPEC123'))).toEqual([]);
  });

  it('the answer cannot start within the budget (analyzer busy): dropped, recorded unsent, nothing written late', async () => {
    const { h, wl } = withWorklist([ORDER], 1_000);
    await analyzerSends(h, queryOf('Q|1|^SPEC123||ALL||||||||O'));
    // ENQ at 0, 300, 600 and 900 ms; a fourth busy wait would end after the 1 s budget.
    for (let i = 0; i < 4; i++) {
      expect(h.writes.at(-1)).toBe(ENQ);
      h.feed(NAK);
      await vi.advanceTimersByTimeAsync(SETTINGS.busyWaitMs);
    }
    expect(h.writes.slice(4)).toEqual([ENQ, ENQ, ENQ, ENQ]);
    expect(wl.answers.map((a) => a.result.sent)).toEqual([false]);
    const warn = h.logs.filter((l) => l.level === 'warn');
    expect(warn.map((l) => l.msg)).toEqual(['host-query answer not sent']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.writes.slice(4)).toEqual([ENQ, ENQ, ENQ, ENQ]);
    expect(logsAboveDebug(h).filter((l) => l.includes('SPEC123'))).toEqual([]);
  });

  it('the analyzer sends its next results right after its query: the answer follows their EOT at once, within a budget shorter than the contention wait', async () => {
    const { h, wl } = withWorklist([ORDER], 1_500);
    const [first, ...rest] = RESULTS.split('\x04')[0]?.split(/(?=\x02)/) ?? [];
    h.feed(queryOf('Q|1|^SPEC123||ALL||||||||O') + first);
    await flush();
    expect(h.writes.filter((w) => w === ENQ)).toEqual([]);
    h.feed(rest.join('') + EOT);
    await flush();
    expect(h.writes.at(-1)).toBe(ENQ);
    await ackAll(h, h.writes.length - 1);
    expect(wl.answers.map((a) => a.result)).toEqual([{ sent: true }]);
    expect(h.reports.map((r) => r.specimen?.id)).toEqual(['SPEC900']);
  });

  it('contention on the answer: the contention wait is cut to the budget left, so the answer still goes', async () => {
    const { h, wl } = withWorklist([ORDER], 1_500);
    await analyzerSends(h, queryOf('Q|1|^SPEC123||ALL||||||||O'));
    expect(h.writes.at(-1)).toBe(ENQ);
    await analyzerSends(h, RESULTS);
    // 1.5 s budget, 1 s kept for the ENQ's reply: the next ENQ after 0.5 s, not after the 2 s contention wait.
    const enqs = (): number => h.writes.filter((w) => w === ENQ).length;
    await vi.advanceTimersByTimeAsync(499);
    expect(enqs()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(enqs()).toBe(2);
    await ackAll(h, h.writes.length - 1);
    expect(wl.answers.map((a) => a.result)).toEqual([{ sent: true }]);
  });

  it('the line won after the budget ran out: EOT at once, no frame sent late', async () => {
    const { h, wl } = withWorklist([ORDER], 500);
    await analyzerSends(h, queryOf('Q|1|^SPEC123||ALL||||||||O'));
    await vi.advanceTimersByTimeAsync(600);
    h.feed(ACK);
    await flush();
    expect(h.writes.slice(4)).toEqual([ENQ, EOT]);
    expect(wl.answers.map((a) => a.result.sent)).toEqual([false]);
  });

  it('the analyzer cancels its query (Q.13 A) before the line was free: the answer is dropped', async () => {
    const { h, wl } = withWorklist([ORDER]);
    await analyzerSends(h, queryOf('Q|1|^SPEC123||ALL||||||||O'));
    h.feed(NAK);
    await flush();
    await analyzerSends(h, queryOf('Q|1|^SPEC123||ALL||||||||A'));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.writes.slice(4).filter((w) => w === ENQ)).toEqual([ENQ]);
    expect(wl.answers.map((a) => a.result)).toEqual([{ sent: false, reason: 'the analyzer cancelled its query before the answer could start' }]);
  });

  it('the query transmission abandoned by the analyzer (EOT after our NAK) is not answered', async () => {
    const { h, wl } = withWorklist([ORDER]);
    const frames = framesOf([ANALYZER_H, 'Q|1|^SPEC123||ALL||||||||O', 'L|1|N']);
    const bad = (frames[2] ?? '').replace('L|1|N', 'L|1|X');
    h.feed(ENQ + (frames[0] ?? '') + (frames[1] ?? '') + bad + EOT);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(wl.asked).toEqual([]);
    expect(h.writes).toEqual([ACK, ACK, ACK, NAK]);
  });
});

describe('download', () => {
  it('happy path: ENQ, H P O L frames, EOT: accepted', async () => {
    const h = open(driver, SETTINGS);
    const outcome = h.session.download?.(ORDER);
    await ackAll(h, 0);
    await expect(outcome).resolves.toEqual({ outcome: 'accepted' });
    expect(h.writes).toEqual([ENQ, ...DOWNLOAD_FRAMES, EOT]);
  });

  it('a frame answered NAK is sent again; ACK then goes on', async () => {
    const h = open(driver, SETTINGS);
    const outcome = h.session.download?.(ORDER);
    h.feed(ACK); // ENQ
    h.feed(ACK); // frame 1
    h.feed(NAK); // frame 2
    expect(h.writes).toEqual([ENQ, DOWNLOAD_FRAMES[0], DOWNLOAD_FRAMES[1], DOWNLOAD_FRAMES[1]]);
    await ackAll(h, 3);
    await expect(outcome).resolves.toEqual({ outcome: 'accepted' });
    expect(h.writes).toEqual([ENQ, DOWNLOAD_FRAMES[0], DOWNLOAD_FRAMES[1], ...DOWNLOAD_FRAMES.slice(1), EOT]);
  });

  it('a frame NAKed 6 times: EOT and retry (E1381 sends a frame at most 6 times)', async () => {
    const h = open(driver, SETTINGS);
    const outcome = h.session.download?.(ORDER);
    h.feed(ACK);
    for (let i = 0; i < 6; i++) h.feed(NAK);
    await expect(outcome).resolves.toEqual({ outcome: 'retry', reason: 'frame 1 was answered NAK 6 times', answered: true });
    expect(h.writes).toEqual([ENQ, ...new Array<string>(6).fill(DOWNLOAD_FRAMES[0] ?? ''), EOT]);
  });

  it('ENQ answered NAK (busy): the next ENQ only after the busy wait; 6 busy answers give retry', async () => {
    const h = open(driver, SETTINGS);
    const outcome = h.session.download?.(ORDER);
    h.feed(NAK);
    await vi.advanceTimersByTimeAsync(SETTINGS.busyWaitMs - 1);
    expect(h.writes).toEqual([ENQ]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.writes).toEqual([ENQ, ENQ]);
    for (let i = 0; i < 5; i++) {
      h.feed(NAK);
      await vi.advanceTimersByTimeAsync(SETTINGS.busyWaitMs);
    }
    await expect(outcome).resolves.toEqual({ outcome: 'retry', reason: 'the analyzer did not take the line after 6 ENQs (busy or sending itself)' });
    expect(h.writes).toEqual(new Array<string>(6).fill(ENQ));
  });

  it('no reply within the reply timeout: EOT, retry', async () => {
    const h = open(driver, SETTINGS);
    const outcome = h.session.download?.(ORDER);
    h.feed(ACK);
    await vi.advanceTimersByTimeAsync(SETTINGS.replyTimeoutMs);
    await expect(outcome).resolves.toEqual({ outcome: 'retry', reason: 'no reply to frame 1 within 1000 ms' });
    expect(h.writes).toEqual([ENQ, DOWNLOAD_FRAMES[0], EOT]);
  });

  it('receiver interrupt (EOT in place of ACK): the last frame counts as received; before it, retry', async () => {
    const h = open(driver, SETTINGS);
    const early = h.session.download?.(ORDER);
    h.feed(ACK);
    h.feed(ACK);
    h.feed(EOT);
    await expect(early).resolves.toEqual({
      outcome: 'retry',
      reason: 'the analyzer interrupted the transmission at frame 2 of 4 (EOT in place of ACK)',
      answered: true,
    });
    expect(h.writes.at(-1)).toBe(EOT);

    const late = h.session.download?.(ORDER);
    for (let i = 0; i < 4; i++) h.feed(ACK);
    h.feed(EOT);
    await expect(late).resolves.toEqual({ outcome: 'accepted' });
  });

  it('contention: the analyzer ENQ answers ours; we ACK it, take its results, wait, then send and are accepted', async () => {
    const h = open(driver, SETTINGS);
    let outcome: DownloadOutcome | undefined;
    void h.session.download?.(ORDER).then((o) => {
      outcome = o;
    });
    expect(h.writes).toEqual([ENQ]);
    await analyzerSends(h, RESULTS);
    expect(h.reports.map((r) => r.specimen?.id)).toEqual(['SPEC900']);
    expect(h.writes).toEqual([ENQ, ACK, ACK, ACK, ACK, ACK, ACK]);
    await vi.advanceTimersByTimeAsync(SETTINGS.contentionWaitMs - 1);
    expect(h.writes).toHaveLength(7);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.writes.at(-1)).toBe(ENQ);
    await ackAll(h, 7);
    expect(outcome).toEqual({ outcome: 'accepted' });
    expect(h.writes.slice(7)).toEqual([ENQ, ...DOWNLOAD_FRAMES, EOT]);
    expect(h.errors).toEqual([]);
  });

  it('contention gives the same reports and outcome for any chunking of the analyzer bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: RESULTS.length }), { maxLength: 12 }), async (cuts) => {
        const h = open(driver, SETTINGS);
        let outcome: DownloadOutcome | undefined;
        void h.session.download?.(ORDER).then((o) => {
          outcome = o;
        });
        for (const c of chunksAt(bytes(RESULTS), cuts)) h.session.receive(c);
        await flush();
        await vi.advanceTimersByTimeAsync(SETTINGS.contentionWaitMs);
        await ackAll(h, 7);
        expect(h.reports).toHaveLength(1);
        expect(outcome).toEqual({ outcome: 'accepted' });
        expect(h.writes.slice(7)).toEqual([ENQ, ...DOWNLOAD_FRAMES, EOT]);
        h.session.close();
      }),
      { numRuns: 40 },
    );
  });

  it('the last ACK and the analyzer own transmission in one chunk: accepted, and its results taken', async () => {
    const h = open(driver, SETTINGS);
    const outcome = h.session.download?.(ORDER);
    for (let i = 0; i < 4; i++) h.feed(ACK);
    h.feed(ACK + RESULTS);
    await flush();
    await expect(outcome).resolves.toEqual({ outcome: 'accepted' });
    expect(h.reports).toHaveLength(1);
  });

  it('the analyzer already sending when a download comes: no contention, so ENQ as soon as its EOT arrives', async () => {
    const h = open(driver, SETTINGS);
    const [first, ...rest] = RESULTS.split('\x04')[0]?.split(/(?=\x02)/) ?? [];
    h.feed(first ?? '');
    const outcome = h.session.download?.(ORDER);
    expect(h.writes).toEqual([ACK]);
    h.feed(rest.join('') + EOT);
    await flush();
    // E1381: after the analyzer's EOT the line is neutral; no contention wait.
    expect(h.writes.at(-1)).toBe(ENQ);
    const at = h.writes.indexOf(ENQ);
    await ackAll(h, at);
    await expect(outcome).resolves.toEqual({ outcome: 'accepted' });
  });

  it('an analyzer that keeps sending cannot hold a download forever: retry (not "answered") within its bound, every report taken', async () => {
    const h = open(driver, { ...SETTINGS, downloadStartWithinMs: 3_000 });
    let outcome: DownloadOutcome | undefined;
    void h.session.download?.(ORDER).then((o) => {
      outcome = o;
    });
    // A rack run: one result transmission every 200 ms for 10 s, each with its own specimen.
    let sentByAnalyzer = 0;
    for (let t = 0; t < 10_000; t += 200) {
      h.feed(
        ENQ + framesOf([ANALYZER_H, 'P|1|PID0009', `O|1|RACK${sentByAnalyzer}||^^^GLU`, 'R|1|^^^GLU|95|mg/dL||N||F||||20250114093000', 'L|1|N']).join('') + EOT,
      );
      sentByAnalyzer++;
      await vi.advanceTimersByTimeAsync(200);
    }
    expect(outcome).toMatchObject({ outcome: 'retry' });
    expect(outcome).not.toHaveProperty('answered');
    expect(h.reports).toHaveLength(sentByAnalyzer);
    expect(h.errors).toEqual([]);
  });

  it('an analyzer holding the line with one long transmission: the download gives up at its bound, writing nothing of its own', async () => {
    const h = open(driver, { ...SETTINGS, downloadStartWithinMs: 3_000 });
    const frames = framesOf([ANALYZER_H, ...Array.from({ length: 30 }, (_, i) => `P|${i + 1}|PID${i}`), 'L|1|N']);
    h.feed(ENQ + (frames[0] ?? ''));
    let outcome: DownloadOutcome | undefined;
    void h.session.download?.(ORDER).then((o) => {
      outcome = o;
    });
    for (const f of frames.slice(1, 16)) {
      h.feed(f);
      await vi.advanceTimersByTimeAsync(250);
    }
    expect(outcome).toEqual({ outcome: 'retry', reason: 'the 3000 ms a download may wait for the line ran out while the analyzer was sending' });
    expect(h.writes.every((w) => w === ACK)).toBe(true);
  });

  it('the link going down mid-download: retry, and nothing more is written', async () => {
    const h = open(driver, SETTINGS);
    const outcome = h.session.download?.(ORDER);
    h.feed(ACK);
    h.session.linkDown?.();
    await expect(outcome).resolves.toEqual({ outcome: 'retry', reason: 'the link went down' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.writes).toEqual([ENQ, DOWNLOAD_FRAMES[0]]);
    await expect(h.session.download?.(ORDER)).resolves.toEqual({ outcome: 'retry', reason: 'the analyzer is not connected' });
    h.session.linkUp?.();
    const again = h.session.download?.(ORDER);
    await ackAll(h, 2);
    await expect(again).resolves.toEqual({ outcome: 'accepted' });
  });

  it('a second download while one is on the wire: retry at once; the first goes on', async () => {
    const h = open(driver, SETTINGS);
    const first = h.session.download?.(ORDER);
    await expect(h.session.download?.({ ...ORDER, specimenId: 'SPEC124' })).resolves.toEqual({ outcome: 'retry', reason: 'another download is on the wire' });
    await ackAll(h, 0);
    await expect(first).resolves.toEqual({ outcome: 'accepted' });
  });

  it('a host query while a download waits for the line: the query goes first, the download is retried', async () => {
    const { h, wl } = withWorklist([ORDER]);
    const outcome = h.session.download?.({ ...ORDER, specimenId: 'SPEC124' });
    await analyzerSends(h, queryOf('Q|1|^SPEC123||ALL||||||||O'));
    await expect(outcome).resolves.toEqual({ outcome: 'retry', reason: "the analyzer's host query goes first" });
    await ackAll(h, 5);
    expect(h.writes.slice(5)).toEqual([ENQ, ...DOWNLOAD_FRAMES, EOT]);
    expect(wl.answers.map((a) => a.result)).toEqual([{ sent: true }]);
  });

  it('a closed session or an order with nothing to run', async () => {
    const h = open(driver, SETTINGS);
    await expect(h.session.download?.({ ...ORDER, tests: [] })).resolves.toMatchObject({ outcome: 'rejected' });
    h.session.close();
    await expect(h.session.download?.(ORDER)).resolves.toEqual({ outcome: 'retry', reason: 'the analyzer is not connected' });
    expect(h.writes).toEqual([]);
  });

  it('declares query and download, and its new settings validate', () => {
    expect(driver.orders).toEqual({ query: true, download: true });
    expect(driver.validateSettings({ replyTimeoutMs: 15_000, busyWaitMs: 10_000, contentionWaitMs: 20_000, querySpecimenComponent: 3 })).toEqual([]);
    expect(driver.validateSettings({ contentionWaitMs: 5 })).toEqual(['settings.contentionWaitMs: Expected integer to be greater or equal to 100']);
  });
});
