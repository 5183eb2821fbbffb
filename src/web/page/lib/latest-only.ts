// Answers applied in the order their requests were made: when a list is asked for again (a filter
// changed, an event came) before the last answer arrived, the older answer may come back last and
// would draw a stale list over the new one. Only the answer to the newest request is applied.

export interface LatestOnly {
  /**
   * Runs `request`; `apply` gets its answer only if no later `run` started meanwhile and the
   * sequence was not cancelled. A stale request's error is dropped too (`fail` sees current ones).
   * Resolves with whether the answer (or error) was the current one.
   */
  run<T>(request: () => Promise<T>, apply: (value: T) => void, fail?: (err: unknown) => void): Promise<boolean>;
  /** Drops whatever is in flight (the view is gone). */
  cancel(): void;
}

export function latestOnly(): LatestOnly {
  let seq = 0;
  return {
    async run(request, apply, fail) {
      const mine = ++seq;
      try {
        const value = await request();
        if (mine !== seq) return false;
        apply(value);
        return true;
      } catch (err) {
        if (mine !== seq) return false;
        if (!fail) throw err;
        fail(err);
        return true;
      }
    },
    cancel() {
      seq++;
    },
  };
}
