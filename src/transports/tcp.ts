// TCP links: `connect` dials a device (or a serial device server) and redials with capped backoff;
// `listen` accepts devices that dial in, one connection each, from allowed addresses only, a few at
// a time, optionally over TLS with client certificates.

import net from 'node:net';
import tls from 'node:tls';
import type { ListenerTlsConfig } from '../config/schema.ts';
import type { Logger } from '../model/logger.ts';
import { guardConnections, withDefaults, type ListenerLimits } from '../net/connection-guard.ts';
import { listenerTlsOptions } from '../net/listener-tls.ts';
import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import { LinkStatusTracker } from './link-status.ts';
import type { Connection, Transport } from './types.ts';

const CONNECT_TIMEOUT_MS = 10_000;
/** A device talks to one gateway; a second slot lets it reconnect before its old connection is seen gone. */
export const DEVICE_LISTENER_DEFAULTS = { maxConnections: 2 };
/** Bytes written but not yet taken by the peer: a device reads its ACKs, a peer that does not is cut off. */
const MAX_UNSENT_BYTES = 1024 * 1024;

export interface TcpTransportOptions {
  mode: 'connect' | 'listen';
  host?: string;
  port: number;
  backoff?: BackoffPolicy;
  log: Logger;
  /** Listen mode: who may connect, how many at once (default 2), silent and idle timeouts (default 60 s for a connection that never sends, idle: off). */
  limits?: ListenerLimits;
  /** Listen mode: TLS, with client certificates when `requestCert`. */
  tls?: ListenerTlsConfig;
}

function socketWriter(socket: net.Socket, onWritten: (n: number) => void): (bytes: Uint8Array) => Promise<void> {
  return (bytes) =>
    new Promise((resolve, reject) => {
      if (socket.destroyed || !socket.writable) {
        reject(new Error('connection is closed'));
        return;
      }
      if (socket.writableLength > MAX_UNSENT_BYTES) {
        socket.destroy(new Error(`the peer left ${socket.writableLength} bytes unread`));
        reject(new Error('connection closed: the peer does not read'));
        return;
      }
      socket.write(bytes, (err) => {
        if (err) reject(err);
        else {
          onWritten(bytes.length);
          resolve();
        }
      });
    });
}

export class TcpTransport extends LinkStatusTracker implements Transport {
  #stopped = true;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #server: net.Server | undefined;
  #sockets = new Set<net.Socket>();
  /** A dial in progress, so stop() can abandon it. */
  #dialing: net.Socket | undefined;
  #seq = 0;

  constructor(private readonly opts: TcpTransportOptions) {
    super();
  }

  get boundPort(): number | undefined {
    const addr = this.#server?.address();
    return typeof addr === 'object' && addr ? addr.port : undefined;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    if (this.opts.mode === 'connect') this.#dial();
    else this.#listen();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#dialing?.destroy();
    this.#dialing = undefined;
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.setState('stopped');
  }

  retryNow(): boolean {
    if (this.#stopped || this.status.state !== 'retrying') return false;
    clearTimeout(this.#timer);
    this.#attempt = 0;
    if (this.opts.mode === 'connect') this.#dial();
    else this.#listen();
    return true;
  }

  #attach(socket: net.Socket, onGone: (reason: string) => void): void {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    this.#sockets.add(socket);
    this.setConnections(this.#sockets.size);
    const conn: Connection = {
      id: `tcp#${++this.#seq}`,
      remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
      write: socketWriter(socket, (n) => this.countOut(n)),
      close: (why) => {
        this.opts.log.warn({ remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, reason: why }, 'closing a device connection');
        socket.destroy(new Error(why));
      },
    };
    let reason = 'connection closed';
    socket.on('data', (chunk: Buffer) => {
      this.countIn(chunk.length);
      this.emit('data', conn, chunk);
    });
    socket.on('error', (err) => {
      reason = err.message;
    });
    socket.on('close', () => {
      this.#sockets.delete(socket);
      this.setConnections(this.#sockets.size);
      this.emit('closed', conn, reason);
      onGone(reason);
    });
    this.emit('open', conn);
  }

  #dial(): void {
    this.setState('connecting');
    const socket = net.connect({ host: this.opts.host ?? '127.0.0.1', port: this.opts.port });
    this.#dialing = socket;
    let connected = false;
    // An unreachable host would otherwise hold the dial for the OS's SYN timeout (minutes).
    const timeout = setTimeout(() => socket.destroy(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timeout);
      this.#dialing = undefined;
      if (this.#stopped) {
        socket.destroy();
        return;
      }
      connected = true;
      this.#attempt = 0;
      this.setState('connected');
      this.#attach(socket, (reason) => this.#retry(reason));
    });
    socket.once('error', (err) => {
      clearTimeout(timeout);
      if (!connected) {
        if (this.#dialing === socket) this.#dialing = undefined;
        socket.destroy();
        this.#retry(err.message);
      }
    });
  }

  #retry(reason: string): void {
    if (this.#stopped) return;
    this.#attempt++;
    const delay = backoffDelay(this.#attempt, this.opts.backoff ?? { initialMs: 500, maxMs: 30_000 });
    this.opts.log.warn({ host: this.opts.host, port: this.opts.port, err: reason, retryInMs: delay }, 'tcp link down; will redial');
    this.setState('retrying', { lastError: reason, nextRetryAt: new Date(Date.now() + delay).toISOString() });
    this.#timer = setTimeout(() => this.#dial(), delay);
  }

  #listen(): void {
    let secure: tls.TlsOptions | undefined;
    try {
      secure = this.opts.tls && listenerTlsOptions(this.opts.tls);
    } catch (err) {
      this.#listenFailed(err instanceof Error ? err : new Error(String(err)), 'cannot read the TLS files of a device listener; will retry');
      return;
    }
    const onSocket = (socket: net.Socket): void => {
      if (socket.destroyed) return; // refused at the door
      if (this.#stopped) {
        socket.destroy();
        return;
      }
      this.setState('connected');
      this.#attach(socket, () => {
        if (!this.#stopped && this.#sockets.size === 0) this.setState('listening');
      });
    };
    const server = secure ? tls.createServer(secure, onSocket) : net.createServer();
    if (!secure) server.on('connection', onSocket);
    guardConnections(server, withDefaults(this.opts.limits, DEVICE_LISTENER_DEFAULTS), this.opts.log);
    this.#server = server;
    server.on('error', (err) => {
      // A port in use is a configuration or environment problem: keep trying, say so.
      this.#server = undefined;
      server.close();
      this.#listenFailed(err, 'cannot listen for devices; will retry');
    });
    server.listen(this.opts.port, this.opts.host ?? '127.0.0.1', () => {
      this.#attempt = 0;
      this.setState('listening');
    });
  }

  #listenFailed(err: Error, message: string): void {
    if (this.#stopped) return;
    this.#attempt++;
    const delay = backoffDelay(this.#attempt, this.opts.backoff ?? { initialMs: 1000, maxMs: 30_000 });
    this.opts.log.error({ port: this.opts.port, err }, message);
    this.setState('retrying', { lastError: err.message, nextRetryAt: new Date(Date.now() + delay).toISOString() });
    this.#timer = setTimeout(() => this.#listen(), delay);
  }
}
