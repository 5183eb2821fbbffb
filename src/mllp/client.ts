// The sending side of MLLP: one message on the wire at a time, its ACK matched by MSA-2, a timeout
// per message, a fresh connection whenever the last one is gone. Retries are the caller's business.

import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import type { Ack } from '../hl7/ack-types.ts';
import { parseAck } from '../hl7/ack.ts';
import { silentLogger, type Logger } from '../model/logger.ts';
import { SendError, type SendErrorKind } from '../model/send-error.ts';
import { encodeFrame, MllpDecoder } from './framing.ts';
import { errorText } from '../model/error-text.ts';

export interface MllpClientOptions {
  host: string;
  port: number;
  /** When set, connect with TLS. */
  tls?: tls.ConnectionOptions;
  /** Default 10 s. */
  connectTimeoutMs?: number;
  /** From the start of the write to the matching ACK. Default 30 s. */
  ackTimeoutMs?: number;
  log?: Logger;
}

export type MllpErrorKind = SendErrorKind;

export class MllpError extends SendError {
  override name = 'MllpError';
}

export type MllpLinkState = 'idle' | 'connecting' | 'connected' | 'closed';

interface Job {
  message: string;
  controlId: string;
  resolve: (ack: Ack) => void;
  reject: (err: MllpError) => void;
}

interface Waiter {
  controlId: string;
  resolve: (ack: Ack) => void;
  reject: (err: MllpError) => void;
}

const KEEPALIVE_DELAY_MS = 30_000;

/**
 * Emits 'state' (state: MllpLinkState, lastError?: string).
 *
 * send() calls made while a message is in flight wait in a FIFO queue inside the client: the peer
 * never sees a second frame before it answered (or we gave up on) the first. Each queued message gets
 * its own connect attempt and its own ACK timeout once its turn comes.
 */
export class MllpClient extends EventEmitter {
  private readonly opts: Required<Pick<MllpClientOptions, 'connectTimeoutMs' | 'ackTimeoutMs'>> & MllpClientOptions;
  private readonly log: Logger;
  private readonly queue: Job[] = [];
  private pumping = false;
  private socket: net.Socket | undefined;
  private waiter: Waiter | undefined;
  private _state: MllpLinkState = 'idle';
  private lastError: string | undefined;

  constructor(opts: MllpClientOptions) {
    super();
    this.opts = { ...opts, connectTimeoutMs: opts.connectTimeoutMs ?? 10_000, ackTimeoutMs: opts.ackTimeoutMs ?? 30_000 };
    this.log = (opts.log ?? silentLogger).child({ mllp: `${opts.host}:${opts.port}` });
  }

  get state(): MllpLinkState {
    return this._state;
  }

  send(message: string, controlId: string): Promise<Ack> {
    if (this._state === 'closed') return Promise.reject(new MllpError('closed', 'MLLP client is closed'));
    return new Promise<Ack>((resolve, reject) => {
      this.queue.push({ message, controlId, resolve, reject });
      void this.pump();
    });
  }

  async close(): Promise<void> {
    if (this._state === 'closed') return;
    const wasConnecting = this._state === 'connecting';
    this.setState('closed');
    for (const job of this.queue.splice(0)) job.reject(new MllpError('closed', 'MLLP client closed before the message was sent'));
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // Nothing worth a graceful goodbye while a message waits or the connection is still being set up.
    if (this.waiter || wasConnecting) socket.destroy();
    else {
      socket.end();
      // A peer that never finishes the close handshake must not hold shutdown up.
      setTimeout(() => socket.destroy(), 1_000).unref();
    }
    await closed;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        try {
          job.resolve(await this.transmit(job));
        } catch (err) {
          job.reject(err instanceof MllpError ? err : new MllpError('protocol', String(err)));
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async transmit(job: Job): Promise<Ack> {
    if (this._state === 'closed') throw new MllpError('closed', 'MLLP client is closed');
    const socket = await this.connected();
    return new Promise<Ack>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.log.warn({ controlId: job.controlId, timeoutMs: this.opts.ackTimeoutMs }, 'no ACK in time; dropping the connection');
        settle(new MllpError('timeout', `no ACK for ${job.controlId} within ${this.opts.ackTimeoutMs} ms`));
        // Destroyed so that a late ACK for this message can never be read as the answer to the next one.
        socket.destroy();
      }, this.opts.ackTimeoutMs);
      const settle = (result: Ack | MllpError): void => {
        if (this.waiter !== waiter) return;
        this.waiter = undefined;
        clearTimeout(timer);
        if (result instanceof MllpError) reject(result);
        else resolve(result);
      };
      const waiter: Waiter = { controlId: job.controlId, resolve: settle, reject: settle };
      this.waiter = waiter;
      // write() queues the whole buffer whatever its size; the callback tells whether it got out.
      socket.write(encodeFrame(job.message), (err) => {
        if (err) settle(new MllpError('closed', `write failed: ${err.message}`));
      });
    });
  }

  private async connected(): Promise<net.Socket> {
    const current = this.socket;
    if (current && !current.destroyed && current.writable && !current.readableEnded && this._state === 'connected') return current;
    // A connection the peer already half-closed will not carry an ACK back: start afresh.
    if (current && !current.destroyed) current.destroy();
    this.socket = undefined;
    this.setState('connecting');
    const { host, port, connectTimeoutMs } = this.opts;
    const secure = this.opts.tls !== undefined;
    const socket = secure ? tls.connect({ ...this.opts.tls, host, port }) : net.connect({ host, port });
    this.socket = socket;
    const decoder = new MllpDecoder();
    // Attached first and kept for the socket's life: an 'error' without a listener would crash the process.
    let lastError: string | undefined;
    socket.on('error', (err) => {
      lastError = err.message;
      this.log.debug({ err }, 'socket error');
    });

    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new MllpError('connect', `connect to ${host}:${port} timed out after ${connectTimeoutMs} ms`));
          socket.destroy();
        }, connectTimeoutMs);
        const fail = (err: Error): void => {
          clearTimeout(timer);
          reject(new MllpError('connect', `connect to ${host}:${port} failed: ${err.message}`));
        };
        const onClose = (): void => fail(new Error('connection closed'));
        socket.once('error', fail);
        socket.once('close', onClose);
        socket.once(secure ? 'secureConnect' : 'connect', () => {
          clearTimeout(timer);
          socket.off('error', fail);
          socket.off('close', onClose);
          resolve();
        });
      });
    } catch (err) {
      socket.destroy();
      if (this.socket === socket) this.socket = undefined;
      if (this._state === 'closed') throw new MllpError('closed', 'MLLP client closed while connecting');
      this.setState('idle', errorText(err));
      throw err;
    }

    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    socket.on('data', (chunk: Buffer) => this.onData(socket, decoder, chunk));
    socket.on('close', () => {
      // A socket already replaced (destroyed on timeout, then a new one opened) has nothing left to say.
      if (this.socket !== socket) return;
      this.socket = undefined;
      const why = lastError ?? 'connection closed by peer';
      if (this._state !== 'closed') this.setState('idle', why);
      this.waiter?.reject(new MllpError('closed', `connection closed while waiting for the ACK: ${why}`));
    });
    if (this._state === 'closed') {
      socket.destroy();
      throw new MllpError('closed', 'MLLP client closed while connecting');
    }
    this.setState('connected');
    return socket;
  }

  private onData(socket: net.Socket, decoder: MllpDecoder, chunk: Buffer): void {
    if (socket !== this.socket) return;
    const { messages, errors } = decoder.push(chunk);
    for (const e of errors) this.log.warn({ framing: e }, 'MLLP framing error from the receiver');
    for (const text of messages) {
      const waiter = this.waiter;
      if (!waiter) {
        this.log.warn('reply received while no message is waiting for one; ignored');
        continue;
      }
      let ack: Ack;
      try {
        ack = parseAck(text);
      } catch (err) {
        const why = errorText(err);
        this.log.warn({ controlId: waiter.controlId, reason: why }, 'unreadable reply; dropping the connection');
        waiter.reject(new MllpError('protocol', `unreadable reply to ${waiter.controlId}: ${why}`));
        socket.destroy();
        return;
      }
      if (ack.controlId !== waiter.controlId) {
        this.log.warn({ expected: waiter.controlId, got: ack.controlId }, 'ACK for another message ignored');
        continue;
      }
      waiter.resolve(ack);
    }
  }

  private setState(state: MllpLinkState, lastError?: string): void {
    if (this._state === state && lastError === this.lastError) return;
    this._state = state;
    this.lastError = lastError;
    this.emit('state', state, lastError);
  }
}
