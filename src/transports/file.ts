// The watched folder (EKG carts that export a file per test): the folder is polled, not watched,
// because fs.watch misses events on network shares (SMB/NFS), where carts usually write. A file is
// read once it is stable (same size and mtime on two polls in a row, so a file still being written
// is never read half), handed on as one message, and moved to `<path>/processed/` once the driver
// says it is durable. A failed store leaves the file in place; it is offered again after a backoff.
// Only regular files are read, opened without following a link and checked on the descriptor they
// are read from: a link swapped in after the scan (to a key the gateway's user can read) is refused.

import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../model/logger.ts';
import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import { LinkStatusTracker } from './link-status.ts';
import type { Connection, Transport } from './types.ts';
import { watchedFolderRefusal } from './watched-folder-rule.ts';
import { errorText } from '../model/error-text.ts';

export interface FileDropTransportOptions {
  path: string;
  /** Only files whose name ends so (case-insensitive), e.g. `.xml`. */
  suffix?: string;
  pollMs?: number;
  /** Backoff before a file whose store failed is offered again (default 2 s doubling to 5 min). */
  retry?: BackoffPolicy;
  /** The gateway's data folder, never read as a watched folder. */
  dataDir?: string;
  log: Logger;
}

export const PROCESSED_DIR = 'processed';
const DEFAULT_POLL_MS = 2000;
const DEFAULT_RETRY: BackoffPolicy = { initialMs: 2000, maxMs: 5 * 60_000 };

interface Seen {
  size: number;
  mtimeMs: number;
  /** The file looked the same on two polls in a row. */
  stable: boolean;
  attempts: number;
  retryAt: number;
}

/** Names a cart may use while it is still writing; they are never read. */
function isTemporary(name: string): boolean {
  return name.startsWith('.') || name.startsWith('~') || /\.(tmp|part|partial|crdownload)$/i.test(name);
}

export class FileDropTransport extends LinkStatusTracker implements Transport {
  readonly #path: string;
  readonly #suffix: string | undefined;
  readonly #pollMs: number;
  readonly #log: Logger;
  readonly #retry: BackoffPolicy;
  readonly #dataDir: string | undefined;
  #stopped = true;
  #timer: NodeJS.Timeout | undefined;
  #scan: Promise<void> | undefined;
  #conn: Connection | undefined;
  #seq = 0;
  readonly #seen = new Map<string, Seen>();
  /** Stable files waiting to be handed on, and the one handed on and not yet answered. */
  #queue: string[] = [];
  #inFlight: string | undefined;
  /** Delivered files that could not be moved away: never offered twice. Keyed by name, size and mtime. */
  readonly #done = new Set<string>();

  constructor(opts: FileDropTransportOptions) {
    super();
    this.#path = opts.path;
    this.#suffix = opts.suffix?.toLowerCase() || undefined;
    this.#pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
    this.#log = opts.log;
    this.#retry = opts.retry ?? DEFAULT_RETRY;
    this.#dataDir = opts.dataDir;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.setState('connecting');
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#scan;
    // A file handed on and not yet answered is moved when its answer comes; nothing new starts.
    this.#queue = [];
    this.#close('stopped');
    this.#seen.clear();
    this.setState('stopped');
  }

  retryNow(): boolean {
    if (this.#stopped || this.status.state !== 'retrying') return false;
    this.#schedule(0);
    return true;
  }

  /**
   * One scan of the folder now (the timer does this every pollMs). Resolves once the first file it
   * found is handed on (or none was), not when it is answered: answers may take as long as storing does.
   */
  poll(): Promise<void> {
    this.#scan ??= this.#scanOnce().finally(() => {
      this.#scan = undefined;
    });
    return this.#scan;
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      void this.poll().then(() => this.#schedule(this.#pollMs));
    }, delay);
  }

  #close(reason: string): void {
    const conn = this.#conn;
    if (!conn) return;
    this.#conn = undefined;
    this.setConnections(0);
    this.emit('closed', conn, reason);
  }

  async #scanOnce(): Promise<void> {
    if (this.#stopped) return;
    let names: string[];
    try {
      const refused = (await watchedFolderRefusal(this.#path, this.#dataDir)) ?? (await processedDirRefusal(this.#path));
      if (refused) throw new Error(refused);
      const entries = await fs.readdir(this.#path, { withFileTypes: true });
      names = entries.filter((e) => e.isFile()).map((e) => e.name);
    } catch (err) {
      const reason = errorText(err);
      this.#close(reason);
      if (this.status.state !== 'retrying' || this.status.lastError !== reason) {
        this.#log.warn({ path: this.#path, err: reason }, 'watched folder not readable; will keep polling');
      }
      this.setState('retrying', { lastError: reason, nextRetryAt: new Date(Date.now() + this.#pollMs).toISOString() });
      return;
    }
    const conn = this.#open();
    const present = new Set(names);
    for (const name of this.#seen.keys()) if (!present.has(name)) this.#seen.delete(name);

    const ready: string[] = [];
    for (const name of names) {
      if (isTemporary(name)) continue;
      if (this.#suffix !== undefined && !name.toLowerCase().endsWith(this.#suffix)) continue;
      let st;
      try {
        st = await fs.lstat(join(this.#path, name));
      } catch {
        continue; // gone between readdir and stat
      }
      if (!st.isFile()) continue;
      const before = this.#seen.get(name);
      const same = before !== undefined && before.size === st.size && before.mtimeMs === st.mtimeMs;
      const seen: Seen = same
        ? { ...before, stable: true }
        : { size: st.size, mtimeMs: st.mtimeMs, stable: false, attempts: before?.attempts ?? 0, retryAt: before?.retryAt ?? 0 };
      this.#seen.set(name, seen);
      const waiting = name === this.#inFlight || this.#queue.includes(name);
      if (seen.stable && !waiting && !this.#done.has(this.#key(name, seen)) && Date.now() >= seen.retryAt) ready.push(name);
    }
    // Oldest first, so a cart's exports reach the chart in the order they were taken.
    ready.sort((a, b) => (this.#seen.get(a)?.mtimeMs ?? 0) - (this.#seen.get(b)?.mtimeMs ?? 0) || a.localeCompare(b));
    this.#queue.push(...ready);
    await this.#next(conn);
  }

  /** Hands on the next queued file unless one is waiting for its answer: one file at a time. */
  async #next(conn: Connection): Promise<void> {
    while (this.#inFlight === undefined && !this.#stopped) {
      const name = this.#queue.shift();
      if (name === undefined) return;
      this.#inFlight = name;
      const handed = await this.#handOn(conn, name);
      if (handed === undefined) {
        this.#inFlight = undefined;
        continue;
      }
      void handed.answer
        .then((err) => this.#settle(name, err))
        .catch((err: unknown) => this.#log.error({ path: this.#path, err }, 'a watched file could not be settled'))
        .finally(() => {
          this.#inFlight = undefined;
          void this.#next(conn);
        });
      return;
    }
  }

  #open(): Connection {
    if (this.#conn) return this.#conn;
    const conn: Connection = {
      id: `file#${++this.#seq}`,
      remote: this.#path,
      write: () => Promise.reject(new Error('a watched folder cannot be written to')),
    };
    this.#conn = conn;
    this.setConnections(1);
    this.setState('connected');
    this.emit('open', conn);
    return conn;
  }

  #key(name: string, s: Seen): string {
    return `${name}\0${s.size}\0${s.mtimeMs}`;
  }

  /** Emits one file as a message; `answer` settles with the driver's answer. Undefined: not handed on. */
  async #handOn(conn: Connection, name: string): Promise<{ answer: Promise<Error | undefined> } | undefined> {
    const seen = this.#seen.get(name);
    // A file nobody takes stays where it is.
    if (!seen || this.listenerCount('message') === 0) return undefined;
    let payload: Buffer | undefined;
    try {
      payload = await readRegularFile(join(this.#path, name));
    } catch (err) {
      this.#log.debug({ file: name, err }, 'watched file could not be read; next poll');
      return undefined;
    }
    if (payload === undefined) {
      this.#log.warn({ path: this.#path }, 'a watched file is not a regular file (a link, a pipe); not read');
      return undefined;
    }
    if (payload.length !== seen.size) return undefined; // changed since the stat: wait until it is stable again
    this.countIn(payload.length);
    let resolveAnswer: (err: Error | undefined) => void = () => undefined;
    const answer = new Promise<Error | undefined>((resolve) => {
      resolveAnswer = resolve;
    });
    let answered = false;
    this.emit('message', conn, payload, { file: name, receivedAt: new Date() }, (err?: Error) => {
      if (answered) return;
      answered = true;
      resolveAnswer(err);
    });
    return { answer };
  }

  async #settle(name: string, error: Error | undefined): Promise<void> {
    const seen = this.#seen.get(name);
    if (error) {
      if (seen) {
        seen.attempts++;
        const delay = backoffDelay(seen.attempts, this.#retry);
        seen.retryAt = Date.now() + delay;
        // File names may name the patient: only at debug.
        this.#log.debug({ file: name }, 'file not stored');
        this.#log.warn({ path: this.#path, err: error, retryInMs: delay }, 'a file was not stored; left in place, will retry');
      }
      return;
    }
    try {
      await this.#moveToProcessed(name);
      this.#seen.delete(name);
    } catch (err) {
      // Stored but still here: remember it so it is never stored twice while this process runs.
      if (seen) this.#done.add(this.#key(name, seen));
      this.#log.debug({ file: name }, 'file stored but not moved');
      this.#log.error({ path: this.#path, err }, `a stored file could not be moved to ${PROCESSED_DIR}/; it will not be read again until the gateway restarts`);
    }
  }

  async #moveToProcessed(name: string): Promise<void> {
    const dir = join(this.#path, PROCESSED_DIR);
    await fs.mkdir(dir, { recursive: true });
    // Again just before the move: the link may have been made since the scan.
    const refused = await processedDirRefusal(this.#path);
    if (refused) throw new Error(refused);
    let target = join(dir, name);
    // Carts reuse names (ECG0001.xml after a counter reset): never overwrite a processed file.
    if (await exists(target)) {
      const dot = name.lastIndexOf('.');
      const stamp = new Date().toISOString().replace(/[-:.]/g, '');
      target = join(dir, dot > 0 ? `${name.slice(0, dot)}.${stamp}${name.slice(dot)}` : `${name}.${stamp}`);
    }
    await fs.rename(join(this.#path, name), target);
  }
}

/**
 * Why `<folder>/processed` may not be moved into, or undefined (also when it does not exist yet).
 * Anyone who can write to the export share can make it a link, and the gateway would move files
 * through it into a folder of their choosing.
 */
export async function processedDirRefusal(folder: string): Promise<string | undefined> {
  let st;
  try {
    st = await fs.lstat(join(folder, PROCESSED_DIR));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (st.isSymbolicLink()) return `${PROCESSED_DIR}/ in the watched folder is a link: files would be moved wherever it points; replace it with a plain folder`;
  if (!st.isDirectory()) return `${PROCESSED_DIR} in the watched folder is not a folder: remove it, the gateway makes the folder`;
  return undefined;
}

/**
 * The file's bytes, read from the descriptor that was checked to be a regular file; undefined when it
 * is not (O_NOFOLLOW refuses a link at open, O_NONBLOCK keeps a pipe from blocking the open).
 */
export async function readRegularFile(path: string): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return undefined;
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}
