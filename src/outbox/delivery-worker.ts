// One destination's delivery loop: take the head of the line, send the same bytes, and record what
// the EHR answered. One message in flight per destination.
// - A message goes out only once the write that stored it is on disk (its seq is at most the
//   store's durableSeq): until then that write may still fail, the device is told "not stored" and
//   sends the reading again, and the EHR would get it twice under two control IDs.
// - The 'sending' and 'delivered' marks may reach the disk with a later write: a crash before they
//   do only means the same bytes, with the same control ID, go out once more. Writes reach the disk
//   in order, so such a replay keeps the order too. Not waiting for them lets the next message go
//   while the disk catches up; but a delivered reading leaves the state (for the history) only once
//   its delivered mark is on disk, and while state writes fail nothing is sent at all.
// - When to try again is decided per link, not per message (link-policy.ts).

import type { DestinationConfig } from '../config/schema.ts';
import type { DestinationSender, SendOutcome } from '../destinations/adapter.ts';
import { retryAfter } from '../destinations/adapter.ts';
import { silentLogger, type Logger } from '../model/logger.ts';
import { errorLine } from '../store/durable-document.ts';
import type { HistorySink as History } from '../store/types.ts';
import type { StateStore } from '../store/state-store.ts';
import type { OutboxMessage } from '../store/types.ts';
import { archiveComplete } from './archive.ts';
import { snapshotMessage } from '../store/snapshot.ts';
import { LineIndex } from './line-index.ts';
import { DEFAULT_BACKOFF, FRESH_LINK, linkEventOf, nextLink, type LinkState } from './link-policy.ts';
import type { BackoffPolicy } from '../transports/backoff.ts';
import { judgeQcOutcome, kindRefusal } from './kind-policy.ts';
import { dropDeliveredQc, isInLine, markDead, markDelivered, markRetry, markSending } from './outbox.ts';

export type DeliveryEventType = 'sending' | 'delivered' | 'retry' | 'dead';

export interface DeliveryWorkerOptions {
  destinationId: string;
  /** Owned by the worker from now on: stop() closes it. */
  sender: DestinationSender;
  /** The destination as configured now: a message of a kind it no longer receives is not sent. Absent: no such check. */
  destination?: Pick<DestinationConfig, 'receives'>;
  store: StateStore;
  /** Where fully delivered readings go; without it they stay in the state document. */
  history?: History;
  /** The link's retry delays (link-policy.ts). */
  backoff?: BackoffPolicy;
  log?: Logger;
  /** Timestamps and due times; delays are measured against it, so a test clock must advance. */
  now?: () => Date;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  onChange?: (event: { type: DeliveryEventType; message: OutboxMessage }) => void;
}

/** What the worker knows of its link without looking at the outbox: cheap enough to ask often. */
export interface DeliveryLink {
  state: 'idle' | 'sending' | 'waiting' | 'stopped';
  lastError?: string;
  /** The last try could not even connect (as opposed to an error on a connection that was made). */
  unreachable: boolean;
  nextAttemptAt?: string;
  /** The head of the line waits out its backoff after a failed send: "retry now" applies. */
  retryWaiting: boolean;
}

export interface DeliveryStatus extends Omit<DeliveryLink, 'retryWaiting'> {
  /** Messages in this destination's line (queued, waiting or in flight). */
  queued: number;
  /** Delivered since this worker started. */
  delivered: number;
  /** Dead letters of this destination now in the outbox. */
  dead: number;
}

/** What archiving needs of a delivered message. */
type Delivered = Pick<OutboxMessage, 'id' | 'readingId' | 'kind'>;

const MAX_TIMER_MS = 2 ** 31 - 1;
const ARCHIVE_BATCH = 256;
const ARCHIVE_INTERVAL_MS = 1000;
/** Steps taken without yielding an event-loop turn, at most. */
const STEPS_PER_TURN = 8;

export class DeliveryWorker {
  private readonly destinationId: string;
  private readonly sender: DestinationSender;
  private readonly destination: DeliveryWorkerOptions['destination'];
  private readonly store: StateStore;
  private readonly history: History | undefined;
  private readonly backoff: BackoffPolicy;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly onChange: DeliveryWorkerOptions['onChange'];

  private state: DeliveryStatus['state'] = 'idle';
  private loop: Promise<void> | undefined;
  private stopping = false;
  private kicked = false;
  /** A person asked for a try now: the head's backoff is not waited out once. */
  private skipWait = false;
  private wake: (() => void) | undefined;
  /** Ends a wait for the disk when stop() is called. */
  private onStop: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private line: LineIndex | undefined;
  private link: LinkState = FRESH_LINK;
  private waitUntil: string | undefined;
  private lastError: string | undefined;
  private delivered = 0;
  /** A state write failed: flush before doing anything else, so no transition is only in memory. */
  private storageFailed = false;
  private readonly toArchive = new Set<string>();
  /** Delivered QC messages (ids): they leave the state document with the next archiving round. */
  private readonly qcDelivered = new Set<string>();
  /** Delivered, but the write of the mark failed: archivable after the flush that retries it. */
  private readonly markPending = new Set<Delivered>();
  private archiveRetryAt = 0;
  private lastArchiveAt = 0;
  /** The archiving under way: not waited for by the loop, so the line moves while the history commits. */
  private archiving: Promise<void> | undefined;

  constructor(opts: DeliveryWorkerOptions) {
    this.destinationId = opts.destinationId;
    this.sender = opts.sender;
    this.destination = opts.destination;
    this.store = opts.store;
    this.history = opts.history;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.log = (opts.log ?? silentLogger).child({ destination: opts.destinationId });
    this.now = opts.now ?? (() => new Date());
    this.random = opts.random ?? Math.random;
    this.onChange = opts.onChange;
  }

  start(): void {
    if (this.loop || this.stopping) return;
    // Readings delivered here before a crash that never made it to the history.
    for (const m of Object.values(this.store.data.messages)) {
      if (m.destinationId === this.destinationId && m.state === 'delivered') this.noteDelivered(m);
    }
    this.line = new LineIndex(this.store, this.destinationId);
    this.loop = this.run();
  }

  /** Something was queued: look at the line now. A head waiting out its backoff keeps waiting. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /**
   * The head waiting out its backoff after a failed send goes now (a person asked), and a failure of
   * that try waits the initial delay again, not a doubled one. False when nothing waits for a retry:
   * idle, sending, waiting for the disk, or pausing because state writes fail.
   */
  retryNow(): boolean {
    if (!this.retryWaiting()) return false;
    this.skipWait = true;
    this.link = { ...this.link, transient: 0 };
    this.kick();
    return true;
  }

  /**
   * Whether a message just queued goes out at once: the worker runs, its link works, nothing waits
   * out a backoff, and at most one message (the one in flight) is ahead of it. Its "sending" event
   * is then moments away; otherwise the page is told it is queued (destination-fleet.ts).
   */
  sendsSoon(): boolean {
    if (!this.loop || this.stopping || this.storageFailed || this.store.writesFailing) return false;
    if (this.link.unreachable > 0) return false;
    // Waiting without a time: for the line's head to be on disk, a moment (step()).
    const moving = this.state === 'idle' || this.state === 'sending' || (this.state === 'waiting' && this.waitUntil === undefined);
    if (!moving) return false;
    return (this.line?.atMost ?? 0) <= 2;
  }

  private retryWaiting(): boolean {
    if (!this.loop || this.stopping || this.state !== 'waiting' || this.waitUntil === undefined) return false;
    if (this.storageFailed || this.store.writesFailing) return false;
    const h = this.line?.head();
    return h?.state === 'retry_wait' && h.nextAttemptAt === this.waitUntil;
  }

  /** Lets an in-flight send finish (and its result be recorded), then closes the sender. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    this.onStop?.();
    await this.loop;
    await this.archiving;
    try {
      await this.store.flush(); // the last 'delivered' mark may still be on its way to the disk
    } catch (err) {
      this.log.warn({ err: errorLine(err) }, 'the last delivery marks could not be written while stopping: those messages go out once more next time');
    }
    this.line?.close();
    this.state = 'stopped';
    this.waitUntil = undefined;
    try {
      await this.sender.close();
    } catch (err) {
      this.log.warn({ err }, 'closing the sender failed');
    }
  }

  get linkStatus(): DeliveryLink {
    return { ...this.linkFields(), retryWaiting: this.retryWaiting() };
  }

  private linkFields(): Omit<DeliveryLink, 'retryWaiting'> {
    const l: Omit<DeliveryLink, 'retryWaiting'> = { state: this.state, unreachable: this.link.unreachable > 0 };
    if (this.lastError !== undefined) l.lastError = this.lastError;
    if (this.state === 'waiting' && this.waitUntil) l.nextAttemptAt = this.waitUntil;
    return l;
  }

  /** With the outbox counts: one pass over the outbox. */
  get status(): DeliveryStatus {
    let queued = 0;
    let dead = 0;
    for (const m of Object.values(this.store.data.messages)) {
      if (m.destinationId !== this.destinationId) continue;
      if (isInLine(m)) queued++;
      else if (m.state === 'dead') dead++;
    }
    return { ...this.linkFields(), queued, delivered: this.delivered, dead };
  }

  private async run(): Promise<void> {
    let sinceYield = STEPS_PER_TURN - 1; // the first step waits a turn: start() itself sends nothing
    while (!this.stopping) {
      // Right after an ACK the next message goes out at once, so the EHR works on it while this
      // thread takes in readings; but every few steps a turn is yielded: a step that awaits nothing
      // real (a fake sender, a refused write) must still let timers and I/O run.
      if (++sinceYield >= STEPS_PER_TURN) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      try {
        await this.step();
      } catch (err) {
        // Storage trouble or a bug: never an unhandled rejection; look again after a pause. The
        // store itself says once that writes fail and once that they work again.
        if (this.storageFailed || this.store.writesFailing) this.log.debug({ err: errorLine(err) }, 'waiting for state writes to work again');
        else this.log.error({ err }, 'delivery loop error; retrying');
        this.state = 'waiting';
        this.waitUntil = new Date(this.now().getTime() + this.backoff.initialMs).toISOString();
        await this.sleep(this.backoff.initialMs);
      }
    }
  }

  private async step(): Promise<void> {
    this.kicked = false;
    if (this.storageFailed || this.store.writesFailing) {
      // Nothing goes out while what happens to it cannot be recorded.
      await this.store.flush();
      this.storageFailed = false;
      for (const m of this.markPending) this.noteDelivered(m);
      this.markPending.clear();
    }
    const h = this.line?.head();
    if (this.archivePending && this.history && !this.archiving && Date.now() >= this.archiveRetryAt && this.archiveDue(h === undefined)) {
      this.archiving = this.archive(this.history).finally(() => {
        this.archiving = undefined;
        // Readings delivered meanwhile, with nothing else to wake the loop for them.
        if (this.archivePending && this.state === 'idle') this.wake?.();
      });
    }
    if (this.stopping) return;
    if (!h) {
      this.state = 'idle';
      this.waitUntil = undefined;
      // Wake up later on our own only to retry archiving that failed.
      await this.sleep(this.archivePending && this.history ? this.backoff.initialMs : undefined);
      return;
    }
    if (h.seq > this.store.durableSeq) {
      // In memory only so far: the write storing it may still fail (and the device send it again).
      this.state = 'waiting';
      this.waitUntil = undefined;
      await this.untilStopped(this.store.whenDurable(h.seq));
      return;
    }
    if (h.state === 'retry_wait' && h.nextAttemptAt && !this.skipWait) {
      // Capped: a clock stepped back must not hold the whole line for hours.
      const wait = Math.min(Date.parse(h.nextAttemptAt) - this.now().getTime(), this.backoff.maxMs);
      if (wait > 0) {
        this.state = 'waiting';
        this.waitUntil = h.nextAttemptAt;
        await this.sleep(wait);
        return;
      }
    }
    await this.deliver(h.id);
  }

  private get archivePending(): boolean {
    return this.toArchive.size > 0 || this.qcDelivered.size > 0;
  }

  /** A delivered message's reading goes to the history; a QC message, which has none, just leaves. */
  private noteDelivered(m: Delivered): void {
    if (m.kind === 'qc') this.qcDelivered.add(m.id);
    else this.toArchive.add(m.readingId);
  }

  /** Archiving costs two fsyncs whatever its size, so under load it runs in batches. */
  private archiveDue(lineEmpty: boolean): boolean {
    return lineEmpty || this.stopping || this.toArchive.size >= ARCHIVE_BATCH || Date.now() - this.lastArchiveAt >= ARCHIVE_INTERVAL_MS;
  }

  /** A history that cannot be written must not stop delivery: the readings wait in the state file. */
  private async archive(history: History): Promise<void> {
    this.lastArchiveAt = Date.now();
    // Taken out first: readings whose delivered mark lands meanwhile wait for the next round.
    const batch = [...this.toArchive];
    const qc = [...this.qcDelivered];
    this.toArchive.clear();
    this.qcDelivered.clear();
    try {
      if (batch.length > 0) await archiveComplete(this.store, history, batch, this.now());
      if (qc.length > 0) await this.store.update((doc) => dropDeliveredQc(doc, qc));
    } catch (err) {
      for (const id of batch) this.toArchive.add(id);
      for (const id of qc) this.qcDelivered.add(id);
      this.archiveRetryAt = Date.now() + this.backoff.initialMs;
      this.log.error({ err, readings: batch.length }, 'moving delivered readings to the history failed; will retry');
    }
  }

  private async deliver(id: string): Promise<void> {
    this.skipWait = false;
    this.state = 'sending';
    this.waitUntil = undefined;
    const current = this.store.data.messages[id];
    const refusal = current && this.destination ? kindRefusal(current, this.destination) : undefined;
    if (refusal !== undefined) return this.refuse(id, refusal);
    // 'sending' already in memory means an earlier mark was applied but its write failed.
    if (current?.state !== 'sending') this.background(this.store.update((doc) => markSending(doc, id, this.now())));
    const message = this.store.data.messages[id];
    if (!message) return; // removed meanwhile
    // The mark did not apply (a closed or broken store): pause through run()'s backoff, never spin.
    if (message.state !== 'sending') throw new Error('the state store did not take the sending mark');
    this.emit('sending', message);

    let outcome: SendOutcome;
    try {
      outcome = await this.sender.send(message);
    } catch (err) {
      // A sender breaking its promise never to reject: still one outcome, never a stuck line.
      outcome = retryAfter(err);
    }
    outcome = judgeQcOutcome(message, outcome);

    const now = this.now();
    const previous = this.link;
    const { link, waitMs } = nextLink(this.link, outcome.kind === 'retry' ? linkEventOf(outcome.failure) : 'answered', this.backoff, this.random);
    this.link = link;
    const delivered: Delivered = { id, readingId: message.readingId, kind: message.kind };
    // The transition applies in memory even when its write fails; report it either way, then let
    // the failure pause the loop (the next step flushes it).
    const write = this.store.update((doc) => {
      const m = doc.messages[id];
      if (m?.state !== 'sending') return; // removed or changed by someone else meanwhile
      if (outcome.kind === 'delivered') markDelivered(doc, id, outcome.ack, now);
      else if (outcome.kind === 'dead') markDead(doc, id, outcome.reason, outcome.ack, now);
      else markRetry(doc, id, outcome.reason, new Date(now.getTime() + waitMs), outcome.ack, now);
    });
    if (outcome.kind === 'delivered') {
      // Archived only once the delivered mark is on disk: never out of the line's storage before.
      this.background(
        write.then(
          () => {
            this.noteDelivered(delivered);
            if (this.state === 'idle') this.wake?.();
          },
          (err: unknown) => {
            this.markPending.add(delivered);
            throw err;
          },
        ),
      );
      const after = this.store.data.messages[id];
      if (after && after.state !== 'sending') this.report(outcome, after, previous);
      return;
    }
    const writeError = await this.durably(() => write).then(
      () => undefined,
      (err: unknown) => err,
    );
    const after = this.store.data.messages[id];
    if (after && after.state !== 'sending') this.report(outcome, after, previous);
    if (writeError !== undefined) throw writeError;
  }

  /** Out of the line unsent, with why: a person resends it (after fixing the destination) or discards it. */
  private async refuse(id: string, reason: string): Promise<void> {
    const now = this.now();
    const write = this.store.update((doc) => {
      const m = doc.messages[id];
      if (m && isInLine(m)) markDead(doc, id, reason, undefined, now);
    });
    await this.durably(() => write);
    const after = this.store.data.messages[id];
    if (after?.state !== 'dead') return;
    this.log.error({ controlId: after.controlId, kind: after.kind ?? 'patient', why: reason }, 'message kind not received here; dead letter');
    this.emit('dead', after);
  }

  /** A write not waited for: its failure is remembered so the next step flushes before going on. */
  private background(write: Promise<unknown>): void {
    write.catch((err: unknown) => {
      this.storageFailed = true;
      this.log.debug({ err: errorLine(err) }, 'state write failed; will flush before the next send');
      this.wake?.();
    });
  }

  /** Waits for `p`, or until stop() is called. */
  private async untilStopped(p: Promise<void>): Promise<void> {
    if (this.stopping) return;
    const stopped = new Promise<void>((resolve) => (this.onStop = resolve));
    try {
      await Promise.race([p, stopped]);
    } finally {
      this.onStop = undefined;
    }
  }

  private report(outcome: SendOutcome, after: OutboxMessage, before: LinkState): void {
    // An EHR's reason text may name the patient: only the code goes above debug level.
    const ack = outcome.kind === 'delivered' ? undefined : outcome.ack;
    const why = ack ? { ack: ack.code, errorCode: ack.errorCode } : { err: outcome.kind === 'retry' ? outcome.reason : undefined };
    if (ack) this.log.debug({ controlId: after.controlId, text: ack.text }, 'receiver reason');
    switch (outcome.kind) {
      case 'delivered':
        this.delivered++;
        this.lastError = undefined;
        this.log.debug({ controlId: after.controlId, attempts: after.attempts }, 'delivered');
        this.emit('delivered', after);
        break;
      case 'retry': {
        this.lastError = outcome.reason;
        // The first failure of a kind in a row is news; the rest of an outage is not.
        const first = outcome.failure === 'connect' ? before.unreachable === 0 : before.transient === 0;
        const line = { controlId: after.controlId, attempts: after.attempts, ...why, nextAttemptAt: after.nextAttemptAt };
        if (first) this.log.warn(line, 'send failed; will retry');
        else this.log.debug(line, 'send failed again; will retry');
        this.emit('retry', after);
        break;
      }
      case 'dead':
        this.lastError = outcome.reason;
        this.log.error({ controlId: after.controlId, ...why }, 'rejected by the receiver; dead letter');
        this.emit('dead', after);
        break;
    }
  }

  /** Runs a state write; a failure is remembered (flush first next time) and rethrown to pause the loop. */
  private async durably(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.storageFailed = true;
      throw err;
    }
  }

  private emit(type: DeliveryEventType, message: OutboxMessage): void {
    if (!this.onChange) return;
    try {
      this.onChange({ type, message: snapshotMessage(message) });
    } catch (err) {
      this.log.warn({ err }, 'onChange listener threw');
    }
  }

  /** Sleeps until woken by kick()/stop(), or `ms` elapsed. */
  private sleep(ms?: number): Promise<void> {
    if (this.kicked || this.stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      if (ms !== undefined) this.timer = setTimeout(done, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    });
  }
}
