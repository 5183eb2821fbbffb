// What devices sent that could not be read (a malformed MQTT message, an unreadable EKG file,
// garbage on a line), kept for review: a reading that never formed must still be findable.

import type { Logger } from '../model/logger.ts';
import { History } from './history.ts';

export interface RejectedInput {
  at: string;
  deviceId: string;
  reason: string;
  /** What arrived, capped at MAX_BYTES characters. */
  bytes: string;
  truncated?: boolean;
}

const MAX_BYTES = 256 * 1024;
/** A storm of garbage on a line must not fill the disk: beyond this many a second, only counted. */
const MAX_PER_SECOND = 20;

export class RejectsJournal {
  readonly #journal: History<RejectedInput>;
  readonly #window = new Map<string, { second: number; n: number }>();
  readonly #dropped = new Map<string, number>();
  readonly #log: Logger;

  constructor(dir: string, opts: { retentionDays?: number; log: Logger }) {
    this.#journal = new History<RejectedInput>(dir, opts);
    this.#log = opts.log;
  }

  /** Keeps one rejected input; false when it was only counted (rate limit). */
  keep(deviceId: string, reason: string, bytes: string, now = new Date()): boolean {
    const second = Math.floor(now.getTime() / 1000);
    const w = this.#window.get(deviceId);
    if (w && w.second === second && w.n >= MAX_PER_SECOND) {
      this.#dropped.set(deviceId, (this.#dropped.get(deviceId) ?? 0) + 1);
      return false;
    }
    this.#window.set(deviceId, w && w.second === second ? { second, n: w.n + 1 } : { second, n: 1 });
    const entry: RejectedInput = { at: now.toISOString(), deviceId, reason, bytes: bytes.slice(0, MAX_BYTES) };
    if (bytes.length > MAX_BYTES) entry.truncated = true;
    this.#journal.append([entry]).catch((err: unknown) => {
      this.#log.error({ device: deviceId, error: err instanceof Error ? err.message : String(err) }, 'could not keep a rejected input for review');
    });
    return true;
  }

  /** Rejected inputs not kept because of the rate limit, per device. */
  dropped(deviceId: string): number {
    return this.#dropped.get(deviceId) ?? 0;
  }

  recent(opts: { limit: number; deviceId?: string }): Promise<RejectedInput[]> {
    const deviceId = opts.deviceId;
    return this.#journal.recent({ limit: opts.limit, filter: deviceId ? (r) => r.deviceId === deviceId : undefined });
  }

  prune(now?: Date): Promise<number> {
    return this.#journal.prune(now);
  }
}
