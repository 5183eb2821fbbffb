// The door of every listener (device TCP, MLLP): a peer not on the allow list and a connection past
// `maxConnections` are closed at accept, before a byte is read; a connection silent for
// `idleTimeoutMs` is closed. Refusals are logged in summary, so a flood cannot flood the log too.

import net from 'node:net';
import type tls from 'node:tls';
import type { Logger } from '../model/logger.ts';
import { compileAllowList } from './allow-list.ts';

export interface ListenerLimits {
  /** Addresses and CIDR ranges, or ["any"]; absent: anyone (check-config requires it off loopback). */
  allow?: readonly string[];
  maxConnections?: number;
  /** 0: never. */
  idleTimeoutMs?: number;
}

/** The limits a config gives, with the listener's own defaults for what it leaves out. */
export function withDefaults(limits: ListenerLimits | undefined, defaults: { maxConnections: number; idleTimeoutMs: number }): ListenerLimits {
  return {
    ...(limits?.allow === undefined ? {} : { allow: limits.allow }),
    maxConnections: limits?.maxConnections ?? defaults.maxConnections,
    idleTimeoutMs: limits?.idleTimeoutMs ?? defaults.idleTimeoutMs,
  };
}

/** One refusal line per reason at most this often; the rest are counted into the next line. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

type Refusal = 'not in allow list' | 'too many connections' | 'TLS handshake failed';

function refusalLog(log: Logger): { note(reason: Refusal, address: string | undefined, error?: Error): void; stop(): void } {
  const pending = new Map<Refusal, { count: number; last: string }>();
  const timers = new Map<Refusal, NodeJS.Timeout>();
  const flush = (reason: Refusal): void => {
    timers.delete(reason);
    const p = pending.get(reason);
    pending.delete(reason);
    if (p && p.count > 0) log.warn({ reason, refused: p.count, lastRemote: p.last }, 'connections refused');
  };
  return {
    note(reason, address, error?: Error) {
      const last = address ?? '?';
      if (!timers.has(reason)) {
        log.warn({ reason, refused: 1, lastRemote: last, ...(error ? { error } : {}) }, 'connection refused');
        timers.set(reason, setTimeout(() => flush(reason), REFUSAL_LOG_INTERVAL_MS).unref());
        return;
      }
      const p = pending.get(reason) ?? { count: 0, last };
      p.count++;
      p.last = last;
      pending.set(reason, p);
    },
    stop() {
      for (const reason of [...timers.keys()]) {
        clearTimeout(timers.get(reason));
        flush(reason);
      }
    },
  };
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
  server.prependListener('connection', (socket: net.Socket) => {
    if (!allowed(socket.remoteAddress)) {
      turnedAway.add(socket);
      socket.destroy();
      refusals.note('not in allow list', socket.remoteAddress);
      return;
    }
    const idle = limits.idleTimeoutMs ?? 0;
    if (idle > 0) {
      socket.setTimeout(idle, () => {
        log.info({ remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, idleTimeoutMs: idle }, 'closing an idle connection');
        socket.destroy();
      });
    }
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
