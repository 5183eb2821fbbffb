// The door of every listener (device TCP, MLLP): a peer not on the allow list and a connection past
// `maxConnections` are closed at accept, before a byte is read; a connection that has not sent a
// byte after `silentTimeoutMs` holds a slot for nothing and is closed; one silent for `idleTimeoutMs`
// (off by default: analyzers and interface engines keep one connection open and idle overnight) is closed. Refusals are logged in summary, so a flood cannot flood the log too.

import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../model/logger.ts';
import { compileAllowList } from './allow-list.ts';

export interface ListenerLimits {
  /** Addresses and CIDR ranges, or ["any"]; absent: anyone (check-config requires it off loopback). */
  allow?: readonly string[];
  maxConnections?: number;
  /** Any connection silent this long is closed; 0: never. */
  idleTimeoutMs?: number;
  /** A connection that has not sent one byte after this long is closed; 0: never. */
  silentTimeoutMs?: number;
}

/** A peer that connects and never sends holds a slot; a real device sends its first message within seconds. */
export const SILENT_TIMEOUT_MS = 60_000;

/** The limits a config gives, with the listener's own defaults for what it leaves out. */
export function withDefaults(limits: ListenerLimits | undefined, defaults: { maxConnections: number }): ListenerLimits {
  return {
    ...(limits?.allow === undefined ? {} : { allow: limits.allow }),
    maxConnections: limits?.maxConnections ?? defaults.maxConnections,
    idleTimeoutMs: limits?.idleTimeoutMs ?? 0,
    silentTimeoutMs: limits?.silentTimeoutMs ?? SILENT_TIMEOUT_MS,
  };
}

/** One refusal line per reason at most this often; the rest are counted into the next line. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

type Refusal = 'not in allow list' | 'too many connections' | 'TLS handshake failed';

export interface SummaryLog {
  /** Logs the first of `key` at once; later ones within the interval are counted into one line (fields of the last). */
  note(key: string, fields: object, message: string): void;
  stop(): void;
}

/** A warn line per key at most every REFUSAL_LOG_INTERVAL_MS, with a count of those it stood for. */
export function summaryLog(log: Logger): SummaryLog {
  const pending = new Map<string, { count: number; fields: object; message: string }>();
  const timers = new Map<string, NodeJS.Timeout>();
  const flush = (key: string): void => {
    timers.delete(key);
    const p = pending.get(key);
    pending.delete(key);
    if (p && p.count > 0) log.warn({ ...p.fields, refused: p.count }, `${p.message} (${p.count} more in ${REFUSAL_LOG_INTERVAL_MS / 1000} s)`);
  };
  return {
    note(key, fields, message) {
      if (!timers.has(key)) {
        log.warn({ ...fields, refused: 1 }, message);
        timers.set(key, setTimeout(() => flush(key), REFUSAL_LOG_INTERVAL_MS).unref());
        return;
      }
      const p = pending.get(key) ?? { count: 0, fields, message };
      p.count++;
      p.fields = fields;
      pending.set(key, p);
    },
    stop() {
      for (const key of [...timers.keys()]) {
        clearTimeout(timers.get(key));
        flush(key);
      }
    },
  };
}

function refusalLog(log: Logger): { note(reason: Refusal, address: string | undefined, error?: Error): void; stop(): void } {
  const summary = summaryLog(log);
  return {
    note(reason, address, error?: Error) {
      summary.note(reason, { reason, lastRemote: address ?? '?', ...(error ? { err: error } : {}) }, 'connection refused');
    },
    stop: () => summary.stop(),
  };
}

/**
 * The shorter of the two timeouts first. When the silent one passes and bytes were read, the idle
 * timeout (if any) takes over, so a connection that talked is closed after at most silent + idle quiet ms.
 */
function armTimeouts(socket: net.Socket, silent: number, idle: number, log: Logger): void {
  const silentFirst = silent > 0 && (idle <= 0 || silent < idle);
  let armed = silentFirst ? silent : idle;
  if (armed <= 0) return;
  // setTimeout(ms, callback) listens once; the listener must outlive the first timeout.
  socket.setTimeout(armed);
  socket.on('timeout', () => {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (armed === idle) {
      log.info({ remote, idleTimeoutMs: idle }, 'closing an idle connection');
      socket.destroy();
    } else if (socket.bytesRead === 0) {
      log.info({ remote, silentTimeoutMs: silent }, 'closing a connection that never sent a byte');
      socket.destroy();
    } else {
      armed = Math.max(idle, 0);
      socket.setTimeout(armed);
    }
  });
}

/**
 * Puts the limits on a server before it listens. Its own 'connection' handlers run after this one
 * and must skip a socket that is already destroyed (a TLS server never shows it to its secure handler).
 */
export function guardConnections(server: net.Server, limits: ListenerLimits, log: Logger): void {
  const allowed = compileAllowList(limits.allow ?? ['any']);
  const refusals = refusalLog(log);
  // Node closes a connection past the limit itself, before 'connection', and says so with 'drop'.
  if (limits.maxConnections !== undefined) server.maxConnections = limits.maxConnections;
  server.on('drop', (peer?: net.DropArgument) => refusals.note('too many connections', peer?.remoteAddress));
  const turnedAway = new WeakSet<net.Socket>();
  const silent = limits.silentTimeoutMs ?? 0;
  const idle = limits.idleTimeoutMs ?? 0;
  server.prependListener('connection', (socket: net.Socket) => {
    if (!allowed(socket.remoteAddress)) {
      turnedAway.add(socket);
      socket.destroy();
      refusals.note('not in allow list', socket.remoteAddress);
      return;
    }
    if (!(server instanceof tls.Server)) {
      armTimeouts(socket, silent, idle, log);
      return;
    }
    // Under TLS the handshake's bytes are read on this socket: it gets the silent time to finish the
    // handshake, and the timeouts move to the secure socket, which counts application bytes only.
    const handshake = silent > 0 ? silent : idle;
    if (handshake <= 0) return;
    socket.setTimeout(handshake, () => {
      log.info(
        { remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, timeoutMs: handshake },
        'closing a connection that did not finish its TLS handshake',
      );
      socket.destroy();
    });
  });
  server.prependListener('secureConnection', (secure: tls.TLSSocket) => {
    const raw: unknown = Reflect.get(secure, '_parent');
    if (raw instanceof net.Socket) {
      raw.setTimeout(0);
      raw.removeAllListeners('timeout');
    }
    armTimeouts(secure, silent, idle, log);
  });
  // A TLS server: failed handshakes are summarised like refusals, and a connection turned away above
  // (whose handshake fails as it is closed) is not counted twice. Node keeps the TCP socket under a
  // TLS socket as `_parent`; without it, such a failure is merely counted here as well.
  server.on('tlsClientError', (err: Error, secure: tls.TLSSocket) => {
    const raw: unknown = Reflect.get(secure, '_parent');
    if (raw instanceof net.Socket && turnedAway.has(raw)) return;
    refusals.note('TLS handshake failed', secure.remoteAddress, err);
  });
  server.on('close', () => refusals.stop());
}
