// The receiving side of ASTM E1381 (CLSI LIS1-A) as a byte state machine: every decision is made
// from the current byte and the state, so any chunking of the input gives the same replies and
// events. It knows frames, frame numbers and replies; what the frame text means is the handler's.
// Bytes that arrive while a reply waits for durable storage are queued and replayed after the
// reply, so timing of the storage does not change how they are read either.

import type { Refusal } from '../../src/model/driver.ts';
import { ACK, CR, ENQ, EOT, ETB, ETX, LF, NAK, STX, checksum, maskedBytes } from './e1381.ts';

export type LinkState =
  /** No transmission: only ENQ matters. */
  | 'idle'
  /** Transmission open, between frames. */
  | 'awaitingFrame'
  /** STX seen: the next byte is the frame number. */
  | 'frameNumber'
  /** Collecting text up to ETB/ETX. */
  | 'frameText'
  | 'checksumHigh'
  | 'checksumLow'
  /** Frame answered; its CR LF may follow. */
  | 'frameTrailerCR'
  | 'frameTrailerLF'
  /** The frame that completes a message waits until its reports are durable; input is queued. */
  | 'committing';

export type Verdict = 'ack' | 'nak';

/** How an abandoned transmission is reported: always, only if frames had been accepted, or only logged. */
export type AbandonReport = 'always' | 'if-content' | 'log';

export interface LinkHandler {
  /** ENQ accepted: a new transmission begins. */
  opened(): void;
  /** A frame with a good checksum and the expected number; a promise holds the reply (and all input) until it settles. */
  frame(text: string, final: boolean): Verdict | Promise<Verdict>;
  /** EOT after an answered frame: the sender ended. A promise keeps the link busy (ENQ is NAKed) until it settles. */
  ended(): void | Promise<void>;
  /** The open transmission ends incomplete: what was not delivered yet is discarded. */
  abandoned(reason: string, report: AbandonReport): void;
  reply(byte: number): void;
  protocolError(problem: string | Refusal, bytes: string): void;
  /** The sender's turn in an open transmission: (re)start the receiver timer. */
  awaitSender(): void;
  /** Idle, or our turn (committing): no receiver timer. */
  stopAwaiting(): void;
  debug(msg: string): void;
}

/** Input queued while committing beyond this is dropped (a sender must wait for our reply). */
const MAX_QUEUED = 64 * 1024;

export class LinkReceiver {
  private state: LinkState = 'idle';
  private input: number[] = [];
  private head = 0;
  private running = false;
  /** A transmission that ended at EOT is still being made durable: ENQ gets NAK (busy). */
  private busy = false;
  /** Bumped by reset(): a commit or EOT promise from before it must not act. */
  private generation = 0;
  private droppedWhileCommitting = 0;

  private lastFn = 0;
  private framesAccepted = 0;
  private lastReply: Verdict | null = null;

  private fnByte = -1;
  private text: number[] = [];
  private textLength = 0;
  private terminator = 0;
  private checksumHigh = 0;

  private noiseCount = 0;
  private noiseSample: number[] = [];

  constructor(
    private readonly maxFrameText: number,
    private readonly h: LinkHandler,
  ) {}

  get currentState(): LinkState {
    return this.state;
  }

  get isBusy(): boolean {
    return this.busy;
  }

  push(chunk: Uint8Array): void {
    const queued = this.input.length - this.head;
    if (this.state === 'committing' && queued + chunk.length > MAX_QUEUED) {
      const room = Math.max(0, MAX_QUEUED - queued);
      for (let i = 0; i < room; i++) this.input.push(chunk[i] ?? 0);
      this.droppedWhileCommitting += chunk.length - room;
      return;
    }
    for (const b of chunk) this.input.push(b);
    this.run();
  }

  /** The receiver timer fired: the sender went silent mid-transmission. */
  timeout(reason: string): void {
    if (this.state === 'idle' || this.state === 'committing') return;
    this.flushNoise();
    this.toIdle();
    this.h.abandoned(reason, 'always');
  }

  /** Link down or session closed: forget everything, including replies still pending. */
  reset(reason: string): void {
    this.generation++;
    this.busy = false;
    this.droppedWhileCommitting = 0;
    this.input = [];
    this.head = 0;
    this.flushNoise();
    const open = this.state !== 'idle';
    this.toIdle();
    if (open) this.h.abandoned(reason, 'log');
  }

  /** Reports pending noise (close, end of a test). */
  flush(): void {
    this.flushNoise();
  }

  private run(): void {
    if (this.running) return;
    this.running = true;
    try {
      while (this.state !== 'committing' && this.head < this.input.length) {
        const b = this.input[this.head++] ?? 0;
        this.step(b);
      }
    } finally {
      this.running = false;
      if (this.head >= this.input.length) {
        this.input = [];
        this.head = 0;
      } else if (this.head > 4096) {
        this.input = this.input.slice(this.head);
        this.head = 0;
      }
    }
  }

  private step(b: number): void {
    switch (this.state) {
      case 'idle':
        this.onIdle(b);
        return;
      case 'awaitingFrame':
        this.onAwaitingFrame(b);
        return;
      case 'frameNumber':
        if (this.frameControl(b)) return;
        this.fnByte = b;
        this.state = 'frameText';
        return;
      case 'frameText':
        this.onFrameText(b);
        return;
      case 'checksumHigh':
        if (this.frameControl(b)) return;
        this.checksumHigh = b;
        this.state = 'checksumLow';
        return;
      case 'checksumLow':
        if (this.frameControl(b)) return;
        this.decide(b);
        return;
      case 'frameTrailerCR':
        if (b === CR) this.state = 'frameTrailerLF';
        else {
          this.state = 'awaitingFrame';
          if (b !== LF) this.onAwaitingFrame(b);
        }
        return;
      case 'frameTrailerLF':
        this.state = 'awaitingFrame';
        if (b !== LF) this.onAwaitingFrame(b);
        return;
      case 'committing':
        // run() stops before this state; kept for exhaustiveness.
        return;
    }
  }

  private onIdle(b: number): void {
    if (b === ENQ) {
      this.flushNoise();
      if (this.busy) {
        this.h.debug('ENQ while the previous transmission is being stored: NAK (busy)');
        this.h.reply(NAK);
        return;
      }
      this.open();
      return;
    }
    // EOT of a sender that timed out, and a stray ACK/NAK (replies to our own frames go to the sender, never here): nothing to do.
    if (b === EOT || b === ACK || b === NAK) return;
    this.noise(b);
  }

  private onAwaitingFrame(b: number): void {
    switch (b) {
      case STX:
        this.flushNoise();
        this.beginFrame();
        return;
      case EOT:
        this.flushNoise();
        this.endByEot();
        return;
      case ENQ:
        this.flushNoise();
        this.restart('ENQ during an open transmission (the sender started over)');
        return;
      case ACK:
      case NAK:
        return;
      default:
        this.noise(b);
    }
  }

  private onFrameText(b: number): void {
    if (this.frameControl(b)) return;
    if (b === ETB || b === ETX) {
      this.terminator = b;
      this.state = 'checksumHigh';
      return;
    }
    this.textLength++;
    if (this.textLength <= this.maxFrameText) this.text.push(b);
  }

  /** STX, EOT or ENQ inside a frame: the frame was cut off. True when the byte was handled. */
  private frameControl(b: number): boolean {
    if (b === STX) {
      this.h.protocolError('frame cut off: STX before the end of the previous frame; the cut frame is ignored', this.frameBytes());
      this.beginFrame();
      return true;
    }
    if (b === EOT) {
      this.h.protocolError('EOT inside a frame; the cut frame is ignored', this.frameBytes());
      this.toIdle();
      this.h.abandoned('the sender ended the transmission inside a frame', 'if-content');
      return true;
    }
    if (b === ENQ) {
      this.restart('ENQ inside a frame (the sender started over)');
      return true;
    }
    return false;
  }

  private decide(low: number): void {
    const fn = this.fnByte - 0x30;
    if (this.textLength > this.maxFrameText) {
      this.h.protocolError(`frame text of ${this.textLength} chars is over the limit of ${this.maxFrameText}: NAK`, this.frameBytes(low));
      this.settle('nak', fn);
      return;
    }
    const body = [this.fnByte, ...this.text, this.terminator];
    const computed = checksum(body);
    const sent = String.fromCharCode(this.checksumHigh, low);
    if (sent.toUpperCase() !== computed) {
      const detail = `checksum mismatch: frame carries "${sent}", computed "${computed}": NAK`;
      this.h.protocolError({ reason: 'checksum mismatch: NAK', detail }, this.frameBytes(low));
      this.settle('nak', fn);
      return;
    }
    if (fn < 0 || fn > 7) {
      this.h.protocolError(
        { reason: 'frame number is not 0-7: NAK', detail: `frame number "${String.fromCharCode(this.fnByte)}" is not 0-7: NAK` },
        this.frameBytes(low),
      );
      this.settle('nak', fn);
      return;
    }
    if (this.framesAccepted > 0 && fn === this.lastFn) {
      // Our ACK was lost and the sender repeats the frame: acknowledge it, do not append it again.
      this.h.debug(`frame ${fn} repeated: ACK, not appended again`);
      this.settle('ack', fn, true);
      return;
    }
    const expected = (this.lastFn + 1) % 8;
    if (fn !== expected) {
      this.h.protocolError(`frame number ${fn}, expected ${expected}: NAK`, this.frameBytes(low));
      this.settle('nak', fn);
      return;
    }
    const verdict = this.h.frame(Buffer.from(this.text).toString('latin1'), this.terminator === ETX);
    if (typeof verdict === 'string') {
      this.settle(verdict, fn);
      return;
    }
    this.state = 'committing';
    this.h.stopAwaiting();
    const generation = this.generation;
    verdict.then(
      (v) => this.resume(generation, v, fn),
      () => this.resume(generation, 'nak', fn),
    );
  }

  private resume(generation: number, verdict: Verdict, fn: number): void {
    if (generation !== this.generation || this.state !== 'committing') return;
    if (this.droppedWhileCommitting > 0) {
      this.h.protocolError(`${this.droppedWhileCommitting} bytes received while storing results were dropped`, '');
      this.droppedWhileCommitting = 0;
    }
    this.running = true;
    try {
      this.settle(verdict, fn);
    } finally {
      this.running = false;
    }
    this.run();
  }

  /** State first, then the reply: a peer answering synchronously finds us ready. */
  private settle(verdict: Verdict, fn: number, repeat = false): void {
    if (verdict === 'ack' && !repeat) {
      this.lastFn = fn;
      this.framesAccepted++;
    }
    this.clearFrame();
    this.state = 'frameTrailerCR';
    this.reply(verdict);
  }

  private reply(verdict: Verdict): void {
    this.lastReply = verdict;
    this.h.reply(verdict === 'ack' ? ACK : NAK);
    if (this.state !== 'idle' && this.state !== 'committing') this.h.awaitSender();
  }

  private open(): void {
    this.state = 'awaitingFrame';
    this.lastFn = 0;
    this.framesAccepted = 0;
    this.lastReply = null;
    this.clearFrame();
    this.h.opened();
    this.reply('ack');
  }

  /**
   * E1381 gives the receiver no way to resume a sender that starts over, so an ENQ inside a
   * transmission means the sender abandoned it and will send it again from its first frame: what
   * was accepted but not yet delivered is discarded (delivering it would duplicate it), and the
   * new transmission is accepted.
   */
  private restart(reason: string): void {
    this.toIdle();
    this.h.abandoned(reason, 'if-content');
    this.open();
  }

  private endByEot(): void {
    const gaveUp = this.lastReply === 'nak';
    this.toIdle();
    if (gaveUp) {
      // A sender gives up after its retries with EOT; it will send the transmission again.
      this.h.abandoned('the sender ended the transmission after a NAK (it gave up on a frame)', 'if-content');
      return;
    }
    const done = this.h.ended();
    if (done instanceof Promise) {
      this.busy = true;
      const generation = this.generation;
      void done.finally(() => {
        if (generation === this.generation) this.busy = false;
      });
    }
  }

  private beginFrame(): void {
    this.clearFrame();
    this.state = 'frameNumber';
  }

  private clearFrame(): void {
    this.fnByte = -1;
    this.text = [];
    this.textLength = 0;
    this.terminator = 0;
    this.checksumHigh = 0;
  }

  private toIdle(): void {
    this.state = 'idle';
    this.clearFrame();
    this.h.stopAwaiting();
  }

  /** The frame's structure for a protocol error; its text (names, results) only as a length. */
  private frameBytes(low?: number): string {
    let out = '\x02';
    if (this.fnByte >= 0) out += String.fromCharCode(this.fnByte);
    if (this.textLength > 0) out += `[${this.textLength} text chars]`;
    if (this.terminator !== 0) out += String.fromCharCode(this.terminator);
    if (low !== undefined) out += String.fromCharCode(this.checksumHigh, low);
    return out;
  }

  private noise(b: number): void {
    this.noiseCount++;
    if (this.noiseSample.length < 32) this.noiseSample.push(b);
  }

  private flushNoise(): void {
    if (this.noiseCount === 0) return;
    const count = this.noiseCount;
    const sample = this.noiseSample;
    this.noiseCount = 0;
    this.noiseSample = [];
    this.h.protocolError(`${count} byte(s) outside a frame ignored`, maskedBytes(sample) + (count > sample.length ? `…(${count} bytes)` : ''));
  }
}
