// One analyzer's download queue: the head goes, a "not now" waits out the backoff and goes again by
// itself, a session opening cuts the wait short, and a refusal lets the next one go.

import { describe, expect, it } from 'vitest';
import type { DownloadOutcome, WorkOrder } from '../../../src/model/work-order.ts';
import type { DownloadJob } from '../../../src/orders/book-state.ts';
import { MAX_REFUSED_TRIES } from '../../../src/orders/download-judge.ts';
import { DownloadWorker } from '../../../src/orders/download-worker.ts';
import { eventually } from '../../support/eventually.ts';

const work = (specimenId: string): WorkOrder => ({ action: 'new', specimenId, patient: { mrn: 'MRN1' }, tests: [{ code: 'GLU' }] });

/** The book's side, in memory: a queue, and the outcomes in order. */
function queue(...specimens: string[]) {
  const jobs: DownloadJob[] = specimens.map((s, i) => ({
    id: `j${i}`,
    key: `P|${s}`,
    device: 'chem',
    order: work(s),
    after: 'sent',
    attempts: 0,
    queuedAt: '',
  }));
  const outcomes: string[] = [];
  return {
    jobs,
    outcomes,
    nextJob: () => jobs.find((j) => !j.dead),
    begin: () => undefined,
    finish: async (job: DownloadJob, outcome: DownloadOutcome, retryAt?: Date) => {
      outcomes.push(`${job.order.specimenId}:${outcome.outcome}`);
      const j = jobs.find((x) => x.id === job.id)!;
      if (outcome.outcome === 'accepted') jobs.splice(jobs.indexOf(j), 1);
      else if (outcome.outcome === 'rejected') j.dead = true;
      else {
        j.attempts++;
        if (outcome.answered) j.refusedTries = (j.refusedTries ?? 0) + 1;
        else delete j.refusedTries;
        if (retryAt) j.nextAttemptAt = retryAt.toISOString();
      }
    },
  };
}

describe('DownloadWorker', () => {
  it('a driver download that never settles is given up after the time limit as retry, and the next one goes', async () => {
    const book = queue('SP1', 'SP2');
    const worker = new DownloadWorker({
      device: 'chem',
      book,
      download: (order) =>
        order.specimenId === 'SP1' && book.outcomes.length === 0 ? new Promise<DownloadOutcome>(() => undefined) : Promise.resolve({ outcome: 'accepted' }),
      policy: { initialMs: 5, maxMs: 10 },
      timeLimitMs: 50,
    });
    worker.kick();
    await eventually(() => expect(book.outcomes).toEqual(['SP1:retry', 'SP1:accepted', 'SP2:accepted']), 3000);
    worker.stop();
  });

  it('an order the analyzer answers but never takes (ASTM NAKs) becomes a dead letter, and the next one goes', async () => {
    const book = queue('SP1', 'SP2');
    const worker = new DownloadWorker({
      device: 'chem',
      book,
      download: async (order) =>
        order.specimenId === 'SP1' ? { outcome: 'retry', reason: 'frame 2 was answered NAK 6 times', answered: true } : { outcome: 'accepted' },
      policy: { initialMs: 5, maxMs: 10 },
    });
    worker.kick();
    const refused = Array.from({ length: MAX_REFUSED_TRIES - 1 }, () => 'SP1:retry');
    await eventually(() => expect(book.outcomes).toEqual([...refused, 'SP1:rejected', 'SP2:accepted']), 3000);
    worker.stop();
  });

  it('tries again after the backoff by itself, and goes on with the next once accepted', async () => {
    const book = queue('SP1', 'SP2');
    const answers: DownloadOutcome[] = [{ outcome: 'retry', reason: 'busy' }, { outcome: 'accepted' }, { outcome: 'accepted' }];
    const worker = new DownloadWorker({ device: 'chem', book, download: async () => answers.shift()!, policy: { initialMs: 30, maxMs: 60 } });
    worker.kick();
    await eventually(() => expect(book.outcomes).toEqual(['SP1:retry', 'SP1:accepted', 'SP2:accepted']), 2000);
    worker.stop();
  });

  it('waits out a long backoff until the analyzer connects, then sends at once', async () => {
    const book = queue('SP1');
    let connected = false;
    const worker = new DownloadWorker({
      device: 'chem',
      book,
      download: async () => (connected ? { outcome: 'accepted' } : { outcome: 'retry', reason: 'not connected' }),
      policy: { initialMs: 60_000, maxMs: 60_000 },
    });
    worker.kick();
    await eventually(() => expect(book.outcomes).toEqual(['SP1:retry']));
    await new Promise((r) => setTimeout(r, 50));
    expect(book.outcomes).toEqual(['SP1:retry']);
    connected = true;
    worker.linkUp();
    await eventually(() => expect(book.outcomes).toEqual(['SP1:retry', 'SP1:accepted']));
    worker.stop();
  });

  it('leaves a refused download as a dead letter and sends the next; a driver that throws is a retry', async () => {
    const book = queue('SP1', 'SP2');
    const answers: Array<DownloadOutcome | Error> = [{ outcome: 'rejected', reason: 'unknown test' }, new Error('bug'), { outcome: 'accepted' }];
    const worker = new DownloadWorker({
      device: 'chem',
      book,
      download: async () => {
        const a = answers.shift()!;
        if (a instanceof Error) throw a;
        return a;
      },
      policy: { initialMs: 10, maxMs: 10 },
    });
    worker.kick();
    await eventually(() => expect(book.outcomes).toEqual(['SP1:rejected', 'SP2:retry', 'SP2:accepted']), 2000);
    expect(book.jobs.map((j) => [j.order.specimenId, j.dead])).toEqual([['SP1', true]]);
    worker.stop();
  });
});
