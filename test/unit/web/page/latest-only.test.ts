import { describe, expect, it } from 'vitest';
import { latestOnly } from '../../../../src/web/page/lib/latest-only.ts';

/** A request whose answer the test hands out when it likes. */
function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('latestOnly', () => {
  it('drops an older answer that arrives after a newer one', async () => {
    const seq = latestOnly();
    const applied: string[] = [];
    const first = deferred<string>();
    const second = deferred<string>();
    const a = seq.run(
      () => first.promise,
      (v) => applied.push(v),
    );
    const b = seq.run(
      () => second.promise,
      (v) => applied.push(v),
    );
    second.resolve('new');
    first.resolve('old');
    expect(await Promise.all([a, b])).toEqual([false, true]);
    expect(applied).toEqual(['new']);
  });

  it('passes the current error to fail and drops a stale one', async () => {
    const seq = latestOnly();
    const failed: unknown[] = [];
    const first = deferred<string>();
    const a = seq.run(
      () => first.promise,
      () => undefined,
      (e) => failed.push(e),
    );
    const b = seq.run(
      () => Promise.reject(new Error('now')),
      () => undefined,
      (e) => failed.push(e),
    );
    first.reject(new Error('before'));
    await Promise.all([a, b]);
    expect(failed.map((e) => (e as Error).message)).toEqual(['now']);
  });

  it('applies nothing after cancel', async () => {
    const seq = latestOnly();
    const applied: number[] = [];
    const p = seq.run(
      () => Promise.resolve(1),
      (v) => applied.push(v),
    );
    seq.cancel();
    expect(await p).toBe(false);
    expect(applied).toEqual([]);
  });

  it('rethrows a current error when no fail is given', async () => {
    const seq = latestOnly();
    await expect(
      seq.run(
        () => Promise.reject(new Error('x')),
        () => undefined,
      ),
    ).rejects.toThrow('x');
  });
});
