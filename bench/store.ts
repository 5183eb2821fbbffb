// Durable state updates per second: one at a time (each awaited) and 100 at once (coalesced into
// shared writes), with 0, 1,000 and 10,000 readings (each with one outbox message) in the document.
// Run: node --import tsx bench/store.ts

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { enqueue } from '../src/outbox/outbox.ts';
import { StateFile } from '../src/store/state-journal.ts';
import { StateStore } from '../src/store/state-store.ts';
import { emptyState, type StateDoc } from '../src/store/types.ts';

const SECONDS = 1.5;

function fill(doc: StateDoc, n: number): void {
  const now = new Date('2025-01-14T09:30:00.000Z');
  for (let i = 0; i < n; i++) {
    const id = `R${String(i).padStart(8, '0')}`;
    const at = now.toISOString();
    doc.readings[id] = {
      reading: {
        id,
        deviceId: 'bp-1',
        kind: 'bp',
        observedAt: at,
        receivedAt: at,
        observations: [
          { code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_SYS', code: 150021 }, loinc: '8480-6' }, value: 120, unit: 'mm[Hg]', status: 'F' },
          { code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_DIA', code: 150022 }, loinc: '8462-4' }, value: 80, unit: 'mm[Hg]', status: 'F' },
        ],
        raw: '120,80,72',
      },
      status: 'queued',
      holdReasons: [],
      patient: { mrn: `MRN${i}`, family: 'Doe', given: 'Jane' },
      updatedAt: at,
    };
    const controlId = `MG${i}`;
    const hl7 = `MSH|^~\\&|MEDGATE|CLINIC|EHR|HOSP|20250114093016||ORU^R01^ORU_R01|${controlId}|P|2.6\r${'OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC||120|266016^MDC_DIM_MMHG^MDC|||||F\r'.repeat(6)}`;
    enqueue(doc, { destinationId: 'ehr', readingId: id, controlId, body: hl7, now });
  }
}

async function measure(records: number, concurrent: number): Promise<{ perSecond: number; writes: number; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'medgate-bench-store-'));
  const file = join(dir, 'state.json');
  const adapter = await StateFile.open(file);
  const store = await StateStore.open(file, { adapter });
  await store.update((doc) => fill(doc, records));
  const writeCount = () => adapter.appends + adapter.compactions;
  const writesBefore = writeCount();
  let done = 0;
  const end = performance.now() + SECONDS * 1000;
  const start = performance.now();
  while (performance.now() < end) {
    const batch: Array<Promise<void>> = [];
    for (let i = 0; i < concurrent; i++) {
      batch.push(store.update((doc) => void (doc.bindings.bench = { patient: { mrn: String(++done) }, createdAt: '' })));
    }
    await Promise.all(batch);
  }
  const elapsed = (performance.now() - start) / 1000;
  const writes = writeCount() - writesBefore;
  const bytes = JSON.stringify(store.data).length;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { perSecond: done / elapsed, writes, bytes };
}

function stringifyCost(records: number): { compactMs: number; prettyMs: number; compactKb: number; prettyKb: number } {
  const doc: StateDoc = emptyState();
  fill(doc, records);
  const time = (f: () => string): [number, number] => {
    let len = 0;
    const t = performance.now();
    for (let i = 0; i < 5; i++) len = f().length;
    return [(performance.now() - t) / 5, len / 1024];
  };
  const [compactMs, compactKb] = time(() => JSON.stringify(doc));
  const [prettyMs, prettyKb] = time(() => JSON.stringify(doc, null, 2));
  return { compactMs, prettyMs, compactKb, prettyKb };
}

export async function runStoreBench(): Promise<void> {
  console.log('state store: durable updates per second (journal line appended, fdatasync)');
  console.log('records  | one at a time      | 100 concurrent (coalesced)   | doc size');
  for (const records of [0, 1_000, 10_000]) {
    const single = await measure(records, 1);
    const many = await measure(records, 100);
    console.log(
      `${String(records).padStart(8)} | ${single.perSecond.toFixed(0).padStart(7)} /s (${String(single.writes).padStart(4)} writes) | ` +
        `${many.perSecond.toFixed(0).padStart(9)} /s (${String(many.writes).padStart(4)} writes) | ${(single.bytes / 1024).toFixed(0)} KiB`,
    );
  }
  for (const records of [1_000, 10_000]) {
    const s = stringifyCost(records);
    console.log(
      `serialize ${records} records: compact ${s.compactMs.toFixed(1)} ms / ${s.compactKb.toFixed(0)} KiB, ` +
        `indented ${s.prettyMs.toFixed(1)} ms / ${s.prettyKb.toFixed(0)} KiB`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runStoreBench();
