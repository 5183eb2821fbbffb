// Test harness for driver sessions: a fake DeviceLink that records writes and logs, and helpers
// to feed bytes in any chunking and collect what the session emitted.

import type { DeviceLink, DeviceReport, Driver, DriverSession, ProtocolError, ProtocolErrorListener, ReportListener } from '../../../src/model/driver.ts';
import type { LogFn, Logger } from '../../../src/model/logger.ts';
import { linkMemory } from '../../support/resend-memory.ts';

export interface Harness {
  session: DriverSession;
  link: DeviceLink;
  reports: DeviceReport[];
  errors: ProtocolError[];
  writes: string[];
  logs: LogEntry[];
  feed(text: string | Uint8Array): void;
}

/** One log call: `fields` is the bound object as JSON, so a test can check it for patient data too. */
export interface LogEntry {
  level: string;
  msg: string;
  fields?: string;
}

export function recordingLogger(logs: LogEntry[]): Logger {
  const fn =
    (level: string): LogFn =>
    (a: string | object, b?: string) => {
      if (typeof a === 'string') logs.push({ level, msg: a });
      else logs.push({ level, msg: b ?? JSON.stringify(a), fields: JSON.stringify(a) });
    };
  const logger: Logger = { error: fn('error'), warn: fn('warn'), info: fn('info'), debug: fn('debug'), child: () => logger };
  return logger;
}

/** Every log line above debug, message and bound fields, for checks that no patient data is logged there. */
export function logsAboveDebug(h: Pick<Harness, 'logs'>): string[] {
  return h.logs.filter((l) => l.level !== 'debug').map((l) => `${l.msg} ${l.fields ?? ''}`);
}

/** `memory`: the duplicate memory the link offers; share one between two `open`s to stand for a restart. */
export function open(driver: Driver, settings: Record<string, unknown> = {}, memory = linkMemory()): Harness {
  const reports: DeviceReport[] = [];
  const errors: ProtocolError[] = [];
  const writes: string[] = [];
  const logs: LogEntry[] = [];
  const link: DeviceLink = {
    write: async (bytes) => {
      writes.push(Buffer.from(bytes).toString('latin1'));
    },
    device: { id: 'dev-1', settings },
    now: () => new Date('2025-01-14T09:30:00Z'),
    log: recordingLogger(logs),
    resends: memory.resends,
  };
  const session = driver.open(link);
  // Like the device runner, the key is remembered once the report is "stored": here, once every
  // report listener a test adds (its store) succeeded for it.
  const stores = new WeakMap<DeviceReport, Array<Promise<boolean>>>();
  session.on('report', async (r) => {
    reports.push(r);
    await Promise.resolve(); // the session has called every listener of this report by now
    if ((await Promise.all(stores.get(r) ?? [])).every(Boolean)) memory.stored(r);
  });
  const on = session.on.bind(session);
  const track = (r: DeviceReport, p: Promise<unknown>): void => {
    stores.set(r, [
      ...(stores.get(r) ?? []),
      p.then(
        () => true,
        () => false,
      ),
    ]);
  };
  session.on = ((event: 'report' | 'protocolError', cb: ReportListener | ProtocolErrorListener) => {
    if (event === 'protocolError') return on('protocolError', cb as ProtocolErrorListener);
    on('report', (r) => {
      try {
        const result = (cb as ReportListener)(r);
        track(r, Promise.resolve(result));
        return result;
      } catch (err) {
        track(r, Promise.reject(err));
        throw err;
      }
    });
  }) as DriverSession['on'];
  session.on('protocolError', (e) => errors.push(e));
  return {
    session,
    link,
    reports,
    errors,
    writes,
    logs,
    feed: (input) => session.receive(typeof input === 'string' ? Buffer.from(input, 'latin1') : input),
  };
}

export const bytes = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'latin1'));

/** Splits `data` at the given cut points (sorted, deduplicated, inside the data). */
export function chunksAt(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(data.length, c))))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(data.subarray(prev, p));
    prev = p;
  }
  out.push(data.subarray(prev));
  return out;
}

/** What a session emits for `text` fed as the given chunks: the comparable outcome. */
export function outcome(driver: Driver, settings: Record<string, unknown>, chunks: Uint8Array[]): { reports: DeviceReport[]; errors: ProtocolError[] } {
  const h = open(driver, settings);
  for (const c of chunks) h.session.receive(c);
  h.session.close();
  return { reports: h.reports, errors: h.errors };
}

export function oneByteAtATime(data: Uint8Array): Uint8Array[] {
  return [...data].map((b) => Uint8Array.of(b));
}
