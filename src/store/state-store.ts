// The state document with coalesced durable writes (durable-document.ts): a change applies in memory
// at once and its promise resolves only after a write that contains it has been fsync'd.

import { silentLogger, type Logger } from '../model/logger.ts';
import { DurableDocument, type DocumentAdapter } from './durable-document.ts';
import { migrateStateDoc } from './hold-migration.ts';
import { emptyState, STATE_VERSION, type StateDoc } from './types.ts';

/** What the store needs from its adapter; DurableFileAdapter is the real one, tests wrap it. */
export type StoreAdapter = DocumentAdapter<StateDoc>;

export interface StateStoreOptions {
  log?: Logger;
  /** Replaces the durable file adapter (tests inject failures through it). */
  adapter?: StoreAdapter;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the top-level shape; fills collections a future version might leave out. Version 1 is accepted (and migrated by the caller). */
function checkShape(file: string, value: unknown): StateDoc {
  if (!isRecord(value)) throw new Error(`${file}: the state document is not a JSON object`);
  if (value.version !== 1 && value.version !== STATE_VERSION) {
    throw new Error(`${file}: unsupported state version ${JSON.stringify(value.version)} (expected 1 or ${STATE_VERSION})`);
  }
  if (typeof value.seq !== 'number') throw new Error(`${file}: "seq" is not a number`);
  for (const key of ['bindings', 'readings', 'messages'] as const) {
    if (value[key] === undefined) value[key] = {};
    else if (!isRecord(value[key])) throw new Error(`${file}: "${key}" is not an object`);
  }
  return value as unknown as StateDoc;
}

/** Repairs after a crash: a send that was in flight goes back to the line. Returns the count. */
export function requeueInterruptedSends(doc: StateDoc): number {
  let n = 0;
  for (const m of Object.values(doc.messages)) {
    if (m.state === 'sending') {
      // The same bytes go out again; the receiver may see the control ID twice (DESIGN.md "Outbox").
      m.state = 'queued';
      delete m.nextAttemptAt;
      n++;
    }
  }
  return n;
}

export class StateStore {
  private closed = false;

  private constructor(
    private readonly doc: StateDoc,
    private readonly document: DurableDocument<StateDoc>,
  ) {}

  static async open(file: string, opts: StateStoreOptions = {}): Promise<StateStore> {
    const log = opts.log ?? silentLogger;
    let doc: StateDoc = emptyState();
    const { document, stored } = await DurableDocument.open<StateDoc>(file, () => doc, { log, adapter: opts.adapter });
    try {
      let migrated = false;
      if (stored !== null) {
        doc = checkShape(file, stored);
        // Compared as a number: the file may say 1, which the current type no longer admits.
        if ((doc.version as number) !== STATE_VERSION) {
          const from = doc.version as number;
          const readings = migrateStateDoc(doc);
          log.info({ file, from, to: STATE_VERSION, readings }, 'state document migrated');
          migrated = true;
        }
      }
      const requeued = requeueInterruptedSends(doc);
      if (requeued > 0) log.warn({ file, requeued }, 'messages that were being sent at the last stop go out again');
      if (stored === null || requeued > 0 || migrated) await document.save();
      return new StateStore(doc, document);
    } catch (err) {
      await document.close().catch(() => undefined);
      throw err;
    }
  }

  /** The current in-memory state. Read-only by convention: change it through update(). */
  get data(): Readonly<StateDoc> {
    return this.doc;
  }

  /** Applies `mutate` now; resolves with its result once the change is durable. */
  update<T>(mutate: (doc: StateDoc) => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('state store is closed'));
    let result: T;
    try {
      result = mutate(this.doc);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.document.save().then(() => result);
  }

  /** Resolves when everything changed so far is durable (retries a write that failed before). */
  flush(): Promise<void> {
    return this.document.flush();
  }

  /** Flushes, then releases the file and its lock; later updates reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.document.close();
  }
}
