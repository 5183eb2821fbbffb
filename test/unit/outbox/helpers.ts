// Shared by the outbox tests: real state files in a temp dir, a scripted fake Sender, fixtures.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Ack, AckCode } from '../../../src/hl7/ack-types.ts';
import type { Logger } from '../../../src/model/logger.ts';
import type { DestinationSender, OutgoingMessage, SendOutcome } from '../../../src/destinations/adapter.ts';
import { judgeSend } from '../../../src/destinations/mllp/sender.ts';
import { enqueue } from '../../../src/outbox/outbox.ts';
import { StateFile, type StateWrite } from '../../../src/store/state-journal.ts';
import { StateStore, type StoreAdapter } from '../../../src/store/state-store.ts';
import type { StateDoc, StoredReading } from '../../../src/store/types.ts';

export { stateOnDisk } from '../../support/state-on-disk.ts';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'medgate-outbox-'));
}

export async function openTempStore(): Promise<{ store: StateStore; dir: string; file: string }> {
  const dir = tempDir();
  const file = join(dir, 'state.json');
  return { store: await StateStore.open(file), dir, file };
}

export function storedReading(id: string, at = '2025-01-14T09:30:00.000Z'): StoredReading {
  return {
    reading: { id, deviceId: 'scale-1', kind: 'scale', observedAt: at, receivedAt: at, observations: [], raw: 'ST,GS,+0070.50kg' },
    status: 'queued',
    holdReasons: [],
    updatedAt: at,
  };
}

export function hl7For(controlId: string): string {
  return `MSH|^~\\&|MEDGATE|CLINIC|EHR|HOSP|20250114093016||ORU^R01^ORU_R01|${controlId}|P|2.6\rOBX|1|NM|...\r`;
}

/** Adds a reading with one message per destination, as the gateway does in one update. */
export function addReading(doc: StateDoc, readingId: string, destinations: string[], now = new Date()): string[] {
  doc.readings[readingId] = storedReading(readingId);
  return destinations.map((d) => {
    const controlId = `${readingId}-${d}`;
    return enqueue(doc, { destinationId: d, readingId, controlId, body: hl7For(controlId), now }).id;
  });
}

export function ack(code: AckCode, controlId: string, extra: Partial<Ack> = {}): Ack {
  return { code, controlId, raw: `MSH|...\rMSA|${code}|${controlId}\r`, ...extra };
}

export function sendError(kind: 'connect' | 'closed' | 'timeout' | 'protocol', message = `${kind} failed`): Error {
  return Object.assign(new Error(message), { kind });
}

export type Reply = Ack | Error | Promise<Ack>;

/** An MLLP peer in a box: records every send; answers with `reply` (default AA for the control ID it got), judged as the MLLP adapter judges an ACK. */
export class FakeSender implements DestinationSender {
  readonly sent: Array<{ body: string; controlId: string }> = [];
  closed = false;
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(public reply: (controlId: string, attempt: number) => Reply = (id) => ack('AA', id)) {}

  send({ body, controlId }: OutgoingMessage): Promise<SendOutcome> {
    this.sent.push({ body, controlId });
    const attempt = this.sent.filter((s) => s.controlId === controlId).length;
    for (const w of this.waiters.filter((w) => this.sent.length >= w.n)) w.resolve();
    this.waiters = this.waiters.filter((w) => this.sent.length < w.n);
    const r = this.reply(controlId, attempt);
    return judgeSend(r instanceof Error ? Promise.reject(r) : Promise.resolve(r), controlId);
  }

  /** Resolves once `n` sends have been made in total. */
  sends(n: number): Promise<void> {
    if (this.sent.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Polls `check` until it holds (the worker runs on its own; this waits for it, not for a time). */
export async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export interface LogEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  msg: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps every line, for counting what was said at which level. */
export function recordingLogger(): Logger & { lines: LogEntry[]; above(level: 'warn'): LogEntry[] } {
  const lines: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (o: object | string, m?: string): void =>
      void lines.push(typeof o === 'string' ? { level, msg: o, fields: {} } : { level, msg: m ?? '', fields: { ...o } });
  const log = {
    lines,
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: () => log,
    above: () => lines.filter((l) => l.level === 'error' || l.level === 'warn'),
  };
  return log;
}

/** The real state file with faults on demand: a write held at a gate, failed writes (ENOSPC by default). */
export class FaultyStateFile implements StoreAdapter {
  writes = 0;
  /** Writes to fail from now on (each failure counts one down). */
  failNext = 0;
  /** Fail every write (a full disk) until set back. */
  failAll = false;
  error: () => Error = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  private started: Array<() => void> = [];

  constructor(readonly inner: StateFile) {}

  static async open(file: string): Promise<FaultyStateFile> {
    return new FaultyStateFile(await StateFile.open(file));
  }

  /** Writes starting from now wait until release(). */
  hold(): void {
    this.gate = new Promise((r) => (this.openGate = r));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  /** Resolves when the next write starts. */
  writeStarted(): Promise<void> {
    return new Promise((r) => this.started.push(r));
  }

  read(): Promise<StateDoc | null> {
    return this.inner.read();
  }

  async write(data: StateWrite): Promise<void> {
    this.writes++;
    // What the write carries is fixed when it starts, as the real file does.
    const taken = structuredClone(data);
    for (const f of this.started.splice(0)) f();
    await this.gate;
    if (this.failAll || this.failNext > 0) {
      if (this.failNext > 0) this.failNext--;
      throw this.error();
    }
    await this.inner.write(taken);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
