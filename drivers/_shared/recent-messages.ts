// The keys of recently stored messages, so a publish that arrives again is recognised. Bounded: the
// oldest key goes first. In memory only (README.md "Duplicates" says what a restart forgets).

export class RecentMessages {
  private readonly keys = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  /** The content digest stored under `key`, if any. */
  get(key: string): string | undefined {
    return this.keys.get(key);
  }

  remember(key: string, digest: string): void {
    if (this.capacity <= 0) return;
    this.keys.delete(key); // re-insert: most recent last
    this.keys.set(key, digest);
    while (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next();
      if (oldest.done) break;
      this.keys.delete(oldest.value);
    }
  }
}
