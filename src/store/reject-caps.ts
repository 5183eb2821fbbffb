// How much of the rejected-input journal one device may fill in a day, and all devices together:
// a hostile or broken device sending invalid 300 KB frames must not fill the disk (kept 90 days,
// that was gigabytes an hour). Over a cap the oldest entries go first, so the newest inputs (what a
// technician is looking at now) stay. Pure bookkeeping: the journal removes what this returns.

export interface CapLimits {
  entries: number;
  /** Characters of input and reason. */
  bytes: number;
}

export interface RejectsLimits {
  perDeviceDay: CapLimits;
  total: CapLimits;
}

const MiB = 1024 * 1024;
/** Sized for a Raspberry Pi's card: 20 devices at their daily cap fill a quarter of the total. */
export const DEFAULT_REJECTS_LIMITS: RejectsLimits = {
  perDeviceDay: { entries: 500, bytes: 8 * MiB },
  total: { entries: 20_000, bytes: 128 * MiB },
};

export interface KeptEntry {
  /** The journal's key as text (unique). */
  key: string;
  deviceId: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  cost: number;
}

export interface Eviction {
  entry: KeptEntry;
  cap: 'device-day' | 'total';
}

interface Usage {
  entries: number;
  bytes: number;
}

const over = (u: Usage, l: CapLimits) => u.entries > l.entries || u.bytes > l.bytes;

export class RejectsBudget {
  /** Insertion order is age order: the first is the oldest. */
  readonly #all = new Map<string, KeptEntry>();
  readonly #days = new Map<string, Usage & { entries: number; keys: Map<string, KeptEntry> }>();
  readonly #total: Usage = { entries: 0, bytes: 0 };

  constructor(readonly limits: RejectsLimits = DEFAULT_REJECTS_LIMITS) {}

  /** Counts one kept entry; returns what must go to stay within the caps, its device's day first. */
  add(entry: KeptEntry): Eviction[] {
    if (this.#all.has(entry.key)) return [];
    this.#all.set(entry.key, entry);
    const slot = `${entry.deviceId}\u0000${entry.day}`;
    let day = this.#days.get(slot);
    if (!day) this.#days.set(slot, (day = { entries: 0, bytes: 0, keys: new Map() }));
    day.keys.set(entry.key, entry);
    day.entries++;
    day.bytes += entry.cost;
    this.#total.entries++;
    this.#total.bytes += entry.cost;

    const out: Eviction[] = [];
    while (over(day, this.limits.perDeviceDay)) {
      const oldest = day.keys.values().next().value;
      if (!oldest) break;
      this.forget(oldest.key);
      out.push({ entry: oldest, cap: 'device-day' });
    }
    while (over(this.#total, this.limits.total)) {
      const oldest = this.#all.values().next().value;
      if (!oldest) break;
      this.forget(oldest.key);
      out.push({ entry: oldest, cap: 'total' });
    }
    return out;
  }

  /** Stops counting an entry (removed by the retention or by a cap). */
  forget(key: string): void {
    const entry = this.#all.get(key);
    if (!entry) return;
    this.#all.delete(key);
    this.#total.entries--;
    this.#total.bytes -= entry.cost;
    const slot = `${entry.deviceId}\u0000${entry.day}`;
    const day = this.#days.get(slot);
    if (!day) return;
    day.keys.delete(key);
    day.entries--;
    day.bytes -= entry.cost;
    if (day.entries === 0) this.#days.delete(slot);
  }

  usage(): Usage {
    return { ...this.#total };
  }
}
