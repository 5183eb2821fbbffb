// One analyzer's downloads, in queue order: the head goes to the device's session, the outcome is
// recorded durably before the next one goes. A `retry` waits out a capped backoff, cut short when the
// analyzer connects; a `rejected` head becomes a dead letter and the next one goes at once.

import { silentLogger, type Logger } from '../model/logger.ts';
import type { DownloadOutcome, WorkOrder } from '../model/work-order.ts';
import { backoffDelay, type BackoffPolicy } from '../transports/backoff.ts';
import type { DownloadJob } from './book-state.ts';
import { judgeDownload } from './download-judge.ts';
import type { OrderBook } from './order-book.ts';
import { errorText } from '../model/error-text.ts';

/** Capped at a few minutes: an analyzer switched off overnight is tried again soon after it is back, and at once when it connects. */
export const DOWNLOAD_BACKOFF: BackoffPolicy = { initialMs: 2_000, maxMs: 180_000 };

/** A driver's download that has not settled by then is taken as "no answer" and tried again. */
export const DOWNLOAD_TIME_LIMIT_MS = 10 * 60_000;

export interface DownloadWorkerOptions {
  device: string;
  book: Pick<OrderBook, 'nextJob' | 'begin' | 'finish'>;
  download(order: WorkOrder): Promise<DownloadOutcome>;
  /** After the outcome is on disk: the audit journal and the log. */
  recorded?(job: DownloadJob, outcome: DownloadOutcome): Promise<void>;
  log?: Logger;
  now?: () => Date;
  policy?: BackoffPolicy;
  /** Default DOWNLOAD_TIME_LIMIT_MS. */
  timeLimitMs?: number;
}

export class DownloadWorker {
  #running = false;
  #again = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  /** A session just opened: the head goes now, whatever backoff it waits out. */
  #force = false;
  readonly #log: Logger;
  readonly #now: () => Date;

  constructor(private readonly opts: DownloadWorkerOptions) {
    this.#log = opts.log ?? silentLogger;
    this.#now = opts.now ?? (() => new Date());
  }

  /** Something was queued: look now. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    void this.#run();
  }

  /** The analyzer connected: a download waiting out a backoff goes at once. */
  linkUp(): void {
    this.#force = true;
    this.kick();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Takes downloads again after stop(): one worker per device, so a send still in flight is never doubled. */
  resume(): void {
    this.#stopped = false;
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      for (;;) {
        this.#again = false;
        const job = this.opts.book.nextJob(this.opts.device);
        if (!job || this.#stopped) return;
        const due = job.nextAttemptAt === undefined ? 0 : Date.parse(job.nextAttemptAt) - this.#now().getTime();
        if (due > 0 && !this.#force) {
          this.#timer = setTimeout(() => this.kick(), due);
          this.#timer.unref();
          return;
        }
        this.#force = false;
        await this.#send(job);
      }
    } finally {
      this.#running = false;
      if (this.#again && !this.#stopped) this.kick();
    }
  }

  async #send(job: DownloadJob): Promise<void> {
    this.opts.book.begin(job);
    let answer: DownloadOutcome;
    let limit: NodeJS.Timeout | undefined;
    try {
      // A driver that never settles would hold this analyzer's queue, and the order's changes, forever.
      const late = new Promise<DownloadOutcome>((resolve) => {
        limit = setTimeout(() => resolve({ outcome: 'retry', reason: 'the driver did not answer in time' }), this.opts.timeLimitMs ?? DOWNLOAD_TIME_LIMIT_MS);
        limit.unref();
      });
      answer = await Promise.race([this.opts.download(job.order), late]);
    } catch (err) {
      // A driver must not reject; one that does is treated as "not now".
      answer = { outcome: 'retry', reason: `the driver failed: ${errorText(err)}` };
    } finally {
      clearTimeout(limit);
    }
    const outcome = judgeDownload(answer, job.refusedTries ?? 0);
    const retryAt =
      outcome.outcome === 'retry' ? new Date(this.#now().getTime() + backoffDelay(job.attempts + 1, this.opts.policy ?? DOWNLOAD_BACKOFF)) : undefined;
    try {
      await this.opts.book.finish(job, outcome, retryAt);
    } catch (err) {
      // In memory already; the document writes it again by itself.
      this.#log.error({ err, device: this.opts.device }, 'the outcome of an order download could not be stored yet');
    }
    try {
      await this.opts.recorded?.(job, outcome);
    } catch (err) {
      this.#log.error({ err, device: this.opts.device }, 'the audit entry of an order download could not be written');
    }
  }
}
