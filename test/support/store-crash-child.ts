// Child for test/integration/store/crash.test.ts: makes numbered state updates as fast as it can,
// 32 in flight, and prints each number only after its update promise resolved (durable).
// Usage: node --import tsx store-crash-child.ts <state file> [key prefix]

import { StateStore } from '../../src/store/state-store.ts';

const file = process.argv[2];
const prefix = process.argv[3] ?? 'n';
if (!file) throw new Error('usage: store-crash-child.ts <state file> [key prefix]');

const store = await StateStore.open(file);
let next = 1;

function one(): void {
  const n = next++;
  store
    .update((doc) => {
      doc.bindings[`${prefix}${n}`] = { patient: { mrn: String(n) }, createdAt: new Date().toISOString() };
    })
    .then(
      () => {
        // stdout to a pipe is synchronous on Linux: once written, the parent will read it.
        process.stdout.write(`${n}\n`);
        one();
      },
      (err: unknown) => {
        process.stderr.write(`update ${n} failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
}

process.stdout.write('ready\n');
for (let i = 0; i < 32; i++) one();
