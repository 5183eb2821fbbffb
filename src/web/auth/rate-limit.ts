// Failed sign-ins per key (client IP, user name) in a sliding window. After `limit` failures inside the
// window a key is blocked until its oldest counted failure leaves the window.

export interface FailureLimiterOptions {
  limit: number;
  windowMs: number;
  /** Most keys remembered; the least recently failed go first, so memory stays bounded under a spray of names. */
  maxKeys: number;
}

export class FailureLimiter {
  // Per key, the times of the last `limit` failures, oldest first. Map order: least recently failed first.
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly opts: FailureLimiterOptions) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  blockedFor(key: string, now: number): number {
    this.evictExpired(now);
    const times = this.failures.get(key);
    if (!times || times.length < this.opts.limit) return 0;
    const frees = (times[times.length - this.opts.limit] ?? now) + this.opts.windowMs;
    return Math.max(0, frees - now);
  }

  fail(key: string, now: number): void {
    const times = (this.failures.get(key) ?? []).filter((t) => now - t < this.opts.windowMs);
    times.push(now);
    if (times.length > this.opts.limit) times.splice(0, times.length - this.opts.limit);
    this.failures.delete(key);
    this.failures.set(key, times);
    while (this.failures.size > this.opts.maxKeys) {
      const oldest = this.failures.keys().next();
      if (oldest.done) break;
      this.failures.delete(oldest.value);
    }
  }

  /** Takes back the failure counted at `at` (it turned out to be a success). */
  forgive(key: string, at: number): void {
    const times = this.failures.get(key);
    if (!times) return;
    const i = times.lastIndexOf(at);
    if (i >= 0) times.splice(i, 1);
    if (times.length === 0) this.failures.delete(key);
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  get size(): number {
    return this.failures.size;
  }

  private evictExpired(now: number): void {
    // Keys are ordered by their newest failure, so the expired ones are all at the front.
    for (const [key, times] of this.failures) {
      const newest = times[times.length - 1] ?? 0;
      if (now - newest < this.opts.windowMs) break;
      this.failures.delete(key);
    }
  }
}
