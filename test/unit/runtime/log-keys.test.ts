// A log line names each field once: a child logger must not bind again what its parent bound (the
// delivery worker's destination, a link test's part). JSON.parse would keep the last and hide it;
// journald and a log shipper see both.

import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging.ts';
import { DestinationFleet } from '../../../src/runtime/destination-fleet.ts';
import { freePort } from '../../support/free-port.ts';
import { repeatedKeys, topLevelKeys } from '../../support/log-keys.ts';
import { addReading, openTempStore, until } from '../outbox/helpers.ts';
import type { StateStore } from '../../../src/store/state-store.ts';

function rawLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger({ pretty: false, destination }), lines };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('log line keys', () => {
  it('finds a key written twice', () => {
    expect(topLevelKeys('{"level":30,"a":{"b":1,"c":"x,\\"d\\":"},"a":[1,{"e":2}],"msg":"m"}')).toEqual(['level', 'a', 'a', 'msg']);
    expect(repeatedKeys('{"destination":"ehr","destination":"ehr","msg":"x"}')).toEqual(['destination']);
  });

  it("names a destination once in the delivery worker's lines", async () => {
    const { log, lines } = rawLogger();
    const { store } = await openTempStore();
    cleanups.push(() => store.close());
    const fleet = new DestinationFleet({ store: store as StateStore, history: { append: async () => undefined }, log, emit: () => undefined });
    cleanups.push(() => fleet.stopAll());
    const port = await freePort(); // nothing listens: the first send fails, and the worker says so
    await store.update((doc) => void addReading(doc, 'r1', ['ehr']));
    await fleet.set({ id: 'ehr', type: 'mllp', host: '127.0.0.1', port, retry: { initialMs: 60_000, maxMs: 60_000 } });
    await until(() => lines.some((l) => l.includes('send failed')), 'the failed send logged');
    const line = lines.find((l) => l.includes('send failed'))!;
    expect(JSON.parse(line)).toMatchObject({ destination: 'ehr', msg: 'send failed; will retry' });
    expect(repeatedKeys(line)).toEqual([]);
    for (const l of lines) expect(repeatedKeys(l), l).toEqual([]);
  });
});
