// A storage engine whose every read is counted (gets, and keys or entries a range yields): what a
// test needs to show a query reads what it returns, not the whole store.

import type { Database, Key } from 'lmdb';
import type { StorageEngine } from '../../src/store/engine.ts';

/** The engine with every read counted: gets, and keys or entries a range yields. */
export function counted(engine: StorageEngine): { engine: StorageEngine; reads: { gets: number; keys: number } } {
  const reads = { gets: 0, keys: 0 };
  const wrap = <V, K extends Key>(db: Database<V, K>): Database<V, K> =>
    new Proxy(db, {
      get(target, prop) {
        if (prop === 'get')
          return (key: K) => {
            reads.gets++;
            return target.get(key);
          };
        if (prop === 'getKeys' || prop === 'getRange')
          return function* (opts: Parameters<Database<V, K>['getKeys']>[0]) {
            for (const k of prop === 'getKeys' ? target.getKeys(opts) : target.getRange(opts)) {
              reads.keys++;
              yield k;
            }
          };
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  return {
    reads,
    engine: {
      path: engine.path,
      get damaged() {
        return engine.damaged;
      },
      db: <V, K extends Key = Key>(name: string, opts?: { dupSort?: boolean }) => wrap(engine.db<V, K>(name, opts)),
      flushed: () => engine.flushed(),
      resetReads: () => engine.resetReads(),
      close: () => engine.close(),
    },
  };
}
