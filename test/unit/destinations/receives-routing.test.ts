// Patient results go only to destinations that receive them (`receives` absent or with 'patient'):
// a LIS configured for QC only never gets a patient's ORU, and with only such a LIS a released
// reading waits for a destination rather than being lost.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DestinationConfig } from '../../../src/config/schema.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { Intake } from '../../../src/pipeline/intake.ts';
import { History } from '../../../src/store/history.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import { writeLegacyDataDir } from '../../support/legacy-data.ts';

const ALICE = { mrn: 'MRN4711', family: 'Example', given: 'Alice' };
const stores: StateStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function heldGlucose(destinations: DestinationConfig[]) {
  const dir = join(mkdtempSync(join(tmpdir(), 'medgate-receives-')), 'data');
  writeLegacyDataDir(dir, [
    {
      id: 'GLU1',
      deviceId: 'astm-1',
      kind: 'lab',
      observations: [{ code: { local: { system: 'L', code: 'GLU' }, display: 'Glucose' }, value: 5.4, unit: 'mmol/L', status: 'F' }],
      holdReasons: ['no patient: the analyzer sent no patient ID for this specimen'],
    },
  ]);
  const store = await StateStore.open(join(dir, 'state.json'));
  stores.push(store);
  const queued: string[] = [];
  const intake = new Intake({
    store,
    history: new History(join(dir, 'history')),
    config: { gateway: { application: 'MEDGATE' }, destinations },
    log: silentLogger,
    onQueued: (id) => queued.push(id),
  });
  intake.setDevice({
    config: { id: 'astm-1', driver: 'astm-lis2', transport: { type: 'tcp', mode: 'listen', port: 1 } },
    policy: { mode: 'reported', verify: false },
    kind: 'lab',
  });
  return { store, intake, queued };
}

const ehr: DestinationConfig = { id: 'ehr', type: 'mllp', host: '127.0.0.1', port: 1 };
const lis: DestinationConfig = { id: 'lis', type: 'mllp', host: '127.0.0.1', port: 2, receives: ['qc'] };
const both: DestinationConfig = { id: 'hub', type: 'mllp', host: '127.0.0.1', port: 3, receives: ['patient', 'qc'] };

describe('patient results and `receives`', () => {
  it('go to destinations without `receives` and with patient, never to a QC-only LIS', async () => {
    const { store, intake, queued } = await heldGlucose([ehr, lis, both]);
    const done = await intake.assign('GLU1', ALICE);
    expect(done.stored.status).toBe('queued');
    expect(queued.sort()).toEqual(['ehr', 'hub']);
    expect(
      Object.values(store.data.messages)
        .map((m) => m.destinationId)
        .sort(),
    ).toEqual(['ehr', 'hub']);
  });

  it('with only a QC-only LIS configured, a released reading is held for a destination, saying why', async () => {
    const { store, intake, queued } = await heldGlucose([lis]);
    await intake.assign('GLU1', ALICE);
    expect(queued).toEqual([]);
    expect(Object.values(store.data.messages)).toEqual([]);
    const held = store.data.readings.GLU1;
    expect(held?.status).toBe('held');
    expect(held?.holdReasons.map((r) => [r.kind, r.code, r.text])).toEqual([['delivery', 'no-destination', 'no destination receives patient results']]);
  });
});
