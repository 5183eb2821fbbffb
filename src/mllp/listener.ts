// The receiving side of MLLP: accepts connections, hands each framed message to the handler in
// arrival order per connection, and frames the handler's ACK back.

import net from 'node:net';
import tls from 'node:tls';
import { buildAck } from '../hl7/ack.ts';
import { silentLogger, type Logger } from '../model/logger.ts';
import { guardConnections, type ListenerLimits } from '../net/connection-guard.ts';
import { encodeFrame, MllpDecoder } from './framing.ts';
import { errorText } from '../model/error-text.ts';

export interface MllpListenerOptions {
  /** Default 0.0.0.0. */
  host?: string;
  /** 0 = ephemeral. */
  port: number;
  tls?: tls.TlsOptions;
  /** Allow list, connection cap and idle timeout, checked at accept; absent: none. */
  limits?: ListenerLimits;
  log?: Logger;
  /** A larger frame is dropped and its connection closed. */
  maxFrameBytes?: number;
  /**
   * Gets each received message; returns the ACK text to send back. Called in order per connection;
   * the next message on the connection waits for the previous handler. A throw or rejection becomes
   * an AE ACK naming the error.
   */
  handler: (message: string, meta: { remote: string }) => Promise<string> | string;
}

/** Messages read but not yet answered on one connection before we stop reading from it. */
const MAX_PENDING_PER_CONNECTION = 64;
/** ACK bytes the peer has not read yet before we stop answering (and so reading) until it does. */
const MAX_UNREAD_ACK_BYTES = 1024 * 1024;

export class MllpListener {
  private readonly opts: MllpListenerOptions;
  private readonly log: Logger;
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;

  constructor(opts: MllpListenerOptions) {
    this.opts = opts;
    this.log = (opts.log ?? silentLogger).child({ component: 'mllp-listener' });
  }

  /** Connections open now. */
  get connections(): number {
    return this.sockets.size;
  }

  async start(): Promise<{ host: string; port: number }> {
    if (this.server) throw new Error('MLLP listener already started');
    const onSocket = (socket: net.Socket): void => {
      if (!socket.destroyed) this.accept(socket);
    };
    const server = this.opts.tls ? tls.createServer(this.opts.tls, onSocket) : net.createServer();
    if (!this.opts.tls) server.on('connection', onSocket);
    guardConnections(server, this.opts.limits ?? {}, this.log);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error({ err }, 'MLLP listener error'));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('MLLP listener has no TCP address');
    this.log.info({ host: address.address, port: address.port }, 'MLLP listener started');
    return { host: address.address, port: address.port };
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private accept(socket: net.Socket): void {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const log = this.log.child({ remote });
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    log.debug('connection opened');

    const decoder = new MllpDecoder(this.opts.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.opts.maxFrameBytes });
    let chain: Promise<void> = Promise.resolve();
    let pending = 0;
    let pendingChars = 0;
    // Unanswered messages on this connection, by count and by size: past either, stop reading.
    const tooMuchPending = (): boolean => pending >= MAX_PENDING_PER_CONNECTION || pendingChars >= decoder.maxFrameBytes;
    const reportFraming = (errors: string[]): void => {
      for (const e of errors) log.warn({ framing: e }, 'MLLP framing error; resyncing');
    };

    socket.on('data', (chunk: Buffer) => {
      const { messages, errors, oversized } = decoder.push(chunk);
      reportFraming(errors);
      if (oversized) {
        // A peer that sends more than any message may be is not an EHR at work: free its buffers and its slot.
        log.warn({ maxFrameBytes: decoder.maxFrameBytes }, 'MLLP frame over the size limit; closing the connection');
        socket.destroy();
        return;
      }
      for (const message of messages) {
        pending++;
        pendingChars += message.length;
        if (tooMuchPending()) socket.pause();
        chain = chain
          .then(async () => {
            const ack = await this.answer(message, remote, log);
            if (!socket.writable) return;
            socket.write(encodeFrame(ack));
            // A peer that sends without reading its ACKs would grow our send buffer: wait for it (an idleTimeoutMs, when set, ends a wait that never does).
            if (socket.writableLength > MAX_UNREAD_ACK_BYTES)
              await new Promise<void>((resolve) => {
                socket.once('drain', resolve);
                socket.once('close', resolve);
              });
          })
          .catch((err: unknown) => log.error({ err }, 'could not answer a message'))
          .finally(() => {
            pending--;
            pendingChars -= message.length;
            if (!tooMuchPending() && socket.isPaused() && !socket.destroyed) socket.resume();
          });
      }
    });
    socket.on('error', (err) => log.debug({ err }, 'connection error'));
    socket.on('close', () => {
      this.sockets.delete(socket);
      reportFraming(decoder.end().errors);
      log.debug('connection closed');
    });
  }

  /** Never rejects: whatever goes wrong becomes an AE. */
  private async answer(message: string, remote: string, log: Logger): Promise<string> {
    try {
      const ack = await this.opts.handler(message, { remote });
      if (typeof ack !== 'string' || ack === '') throw new Error('handler returned no ACK text');
      return ack;
    } catch (err) {
      const why = errorText(err);
      // The reason may name a patient: it goes back to the sender, and to the log only at debug.
      log.warn('message handler failed; answering AE');
      log.debug({ reason: why }, 'message handler failure');
      return buildAck(message, 'AE', { text: why, errorCode: '207' });
    }
  }
}
