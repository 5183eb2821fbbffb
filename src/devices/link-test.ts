// "Is anything arriving?": watch the raw bytes of a link for a few seconds, either on a running
// device (its runner's tap) or on a serial port / TCP link opened just for the test. Nothing is
// written to the device and nothing is logged of what it sent: the bytes may be patient results.

import type { TransportConfig } from '../config/schema.ts';
import type { Driver } from '../model/driver.ts';
import type { Logger } from '../model/logger.ts';
import { createTransport } from '../transports/create.ts';
import type { Transport } from '../transports/types.ts';
import type { LinkTestResult } from '../web/api-types.ts';
import { visibleBytes } from './device-runner.ts';
import { RequestError } from '../model/request-error.ts';

export interface ByteSource {
  tap(listener: (chunk: Buffer) => void): () => void;
}

export type LinkTestChunk = LinkTestResult['chunks'][number];

export const MAX_WATCH_BYTES = 64 * 1024;
/** The longest a transient link may take to open (TCP dials give up after 10 s themselves). */
const OPEN_TIMEOUT_MS = 15_000;

export function clampSeconds(seconds: number): number {
  if (!Number.isFinite(seconds)) return 1;
  return Math.min(30, Math.max(1, seconds));
}

/** One chunk for the page: each byte one character (latin1), control and non-ASCII bytes as <0d>, <b5>. */
export function describeChunk(chunk: Buffer, at: Date): LinkTestChunk {
  const text = visibleBytes(chunk.toString('latin1'), Number.POSITIVE_INFINITY).replace(/[\x80-\xff]/g, (c) => `<${c.charCodeAt(0).toString(16)}>`);
  const hex = [...chunk].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return { at: at.toISOString(), text, hex, bytes: chunk.length };
}

/** Collects what `source` delivers for `seconds` (1..30); stops early once `maxBytes` are kept. */
export function watchBytes(source: ByteSource, seconds: number, maxBytes = MAX_WATCH_BYTES): Promise<LinkTestResult> {
  const result: LinkTestResult = { opened: true, chunks: [], bytes: 0, truncated: false };
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      untap();
      resolve(result);
    };
    const timer = setTimeout(finish, clampSeconds(seconds) * 1000);
    const untap = source.tap((chunk) => {
      if (finished || chunk.length === 0) return;
      const room = maxBytes - result.bytes;
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (kept.length > 0) {
        result.chunks.push(describeChunk(kept, new Date()));
        result.bytes += kept.length;
      }
      if (kept.length < chunk.length || result.bytes >= maxBytes) {
        result.truncated = kept.length < chunk.length;
        finish();
      }
    });
  });
}

export interface TestLinkOptions {
  transport: TransportConfig;
  serialDefaults?: Driver['serialDefaults'];
  seconds: number;
  log: Logger;
}

/** Opens a serial or TCP link that is not configured yet, watches it, closes it. */
export async function testLink(opts: TestLinkOptions): Promise<LinkTestResult> {
  const config = opts.transport;
  if (config.type === 'mqtt' || config.type === 'file') {
    throw new RequestError(400, `a ${config.type} link cannot be opened for a test: save the device first, then test the running device`);
  }
  const label = linkLabel(config);
  const transport = createTransport(config, opts.serialDefaults, opts.log.child({ part: 'link-test', link: label }));
  const source = bufferedSource(transport);
  let broke: string | undefined;
  if (config.type === 'serial' || config.mode === 'connect') {
    transport.on('closed', (_conn, reason) => {
      broke ??= reason;
    });
  }
  try {
    transport.start();
    const failure = await whenOpen(transport);
    if (failure !== undefined) return { opened: false, error: `${label}: ${explainLinkError(failure)}`, chunks: [], bytes: 0, truncated: false };
    const result = await watchBytes(source, opts.seconds);
    if (broke !== undefined) result.error = `${label}: the link broke during the test (${explainLinkError(broke)})`;
    return result;
  } finally {
    await transport.stop();
  }
}

/** "/dev/ttyUSB0" or "127.0.0.1:4001", how the technician named the link. */
export function linkLabel(config: TransportConfig): string {
  switch (config.type) {
    case 'serial':
    case 'file':
      return config.path;
    case 'tcp':
      return `${config.host ?? '127.0.0.1'}:${config.port}`;
    case 'mqtt':
      return config.topic;
  }
}

/** A system error as a technician can act on it; unknown ones pass through unchanged. */
export function explainLinkError(message: string): string {
  const known: Array<[RegExp, string]> = [
    [/ENOENT|No such file or directory/i, 'no such port'],
    [/EACCES|Permission denied/i, 'permission denied (the gateway user needs to be in the dialout group)'],
    [/Cannot lock port|EBUSY|Resource temporarily unavailable/i, 'port is in use (by a running device or another program)'],
    [/Inappropriate ioctl|ENOTTY/i, 'not a serial port'],
    [/ECONNREFUSED/, 'connection refused'],
    [/ECONNRESET/, 'connection reset by the device'],
    [/ETIMEDOUT|no answer within/i, 'no answer'],
    [/EHOSTUNREACH|ENETUNREACH/, 'host unreachable'],
    [/ENOTFOUND|EAI_AGAIN/, 'unknown host name'],
    [/EADDRINUSE/, 'port already in use on this machine (a running device may be listening on it: test that device instead)'],
    [/EADDRNOTAVAIL/, 'not an address of this machine'],
  ];
  return known.find(([pattern]) => pattern.test(message))?.[1] ?? message;
}

/** Resolves with undefined once the link is up (connected, or listening for a device), or with why it failed. */
function whenOpen(transport: Transport): Promise<string | undefined> {
  return new Promise((resolve) => {
    const check = () => {
      const { state, lastError } = transport.status;
      if (state === 'connected' || state === 'listening') done(undefined);
      // Not 'stopped': a listening transport stays so until its server is up.
      else if (state === 'retrying') done(lastError ?? 'could not open');
    };
    const timer = setTimeout(() => done(`did not open within ${OPEN_TIMEOUT_MS / 1000} s`), OPEN_TIMEOUT_MS);
    const done = (failure: string | undefined) => {
      clearTimeout(timer);
      transport.off('status', check);
      resolve(failure);
    };
    transport.on('status', check);
    check();
  });
}

/** The transport's bytes, held from the moment it opens until the watch taps them. */
function bufferedSource(transport: Transport): ByteSource {
  const early: Buffer[] = [];
  let listener: ((chunk: Buffer) => void) | undefined;
  transport.on('data', (_conn, chunk) => {
    if (listener) listener(chunk);
    else early.push(chunk);
  });
  return {
    tap(l) {
      listener = l;
      for (const chunk of early.splice(0)) l(chunk);
      return () => {
        listener = undefined;
      };
    },
  };
}
