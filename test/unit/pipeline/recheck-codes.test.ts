// A reading held by an older version for its patient only, carrying a urine dipstick value under the
// serum glucose code (the old demo map), must not reach the chart under that code when a person
// assigns it: the code check runs again and holds it for its code.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/model/logger.ts';
import { isHoldReason } from '../../../src/store/hold-migration.ts';
import { Intake } from '../../../src/pipeline/intake.ts';
import { History } from '../../../src/store/history.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import { writeLegacyDataDir } from '../../support/legacy-data.ts';

const ALICE = { mrn: 'MRN4711', family: 'Example', given: 'Alice' };
const stores: StateStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe('a legacy hold released by a person', () => {
  it('is checked for its codes again: urine 1+ under 2345-7 needs acceptLocalCode and goes out as GLU only', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'medgate-recheck-')), 'data');
    writeLegacyDataDir(dir, [
      {
        id: 'URINE',
        deviceId: 'astm-1',
        kind: 'lab',
        observations: [
          { code: { loinc: '2345-7', local: { system: 'L', code: 'GLU' }, display: 'Glucose [Mass/volume] in Serum or Plasma' }, value: '1+', status: 'F' },
        ],
        holdReasons: ['no patient: the analyzer sent no patient ID for this specimen'],
      },
    ]);
    const store = await StateStore.open(join(dir, 'state.json'));
    stores.push(store);
    const bodies: string[] = [];
    const intake = new Intake({
      store,
      history: new History(join(dir, 'history')),
      config: { gateway: { application: 'MEDGATE' }, destinations: [{ id: 'ehr', type: 'mllp', host: '127.0.0.1', port: 1 }] },
      log: silentLogger,
      onQueued: () => {
        for (const m of Object.values(store.data.messages)) bodies.push(m.body);
      },
    });
    intake.setDevice({
      config: { id: 'astm-1', driver: 'astm-lis2', transport: { type: 'tcp', mode: 'listen', port: 1 } },
      policy: { mode: 'reported', verify: false },
      kind: 'lab',
    });

    await expect(intake.assign('URINE', ALICE)).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/acceptLocalCode/) });
    // The new hold is stored, so the page shows it with its confirmation.
    expect(store.data.readings.URINE!.holdReasons.map((r) => `${r.kind}/${r.code}`)).toEqual(['patient/no-patient', 'code/code-mismatch']);
    const done = await intake.assign('URINE', ALICE, { acceptLocalCode: true });
    expect(done.stored.status).toBe('queued');
    const obx = bodies
      .join('')
      .split('\r')
      .filter((s) => s.startsWith('OBX|'));
    expect(obx).toHaveLength(1);
    expect(obx[0]).not.toContain('2345-7');
    expect(obx[0]!.split('|')[3]!.split('^')[0]).toBe('GLU');
  });
});

describe('isHoldReason', () => {
  it('takes only reasons every decision can rely on', () => {
    expect(isHoldReason({ kind: 'code', code: 'code-mismatch', text: 'x', observations: [0, 2] })).toBe(true);
    expect(isHoldReason({ kind: 'code', code: 'code-mismatch', text: 'x', observations: 5 })).toBe(false);
    expect(isHoldReason({ kind: 'code', code: 'code-mismatch', text: 'x', observations: [-1] })).toBe(false);
    expect(isHoldReason({ kind: 'other', code: 'x', text: 'x' })).toBe(false);
    expect(isHoldReason('no patient')).toBe(false);
  });
});
