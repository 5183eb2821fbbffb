// Hold reasons from state version 1 (strings) to HoldReason: every text the old code wrote gets
// its kind and code, an unknown text the strictest confirmation; the store migrates state.json at
// load, and the delivered history reads old lines in the new shape.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOLD_KINDS } from '../../../src/model/hold.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { Intake } from '../../../src/pipeline/intake.ts';
import { History } from '../../../src/store/history.ts';
import { legacyHoldReason, upgradeHistoryRecord } from '../../../src/store/hold-migration.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import type { HistoryRecord } from '../../../src/store/types.ts';
import { LEGACY_REASONS, UNKNOWN_TYPE, WEIGHT, writeLegacyDataDir } from '../../support/legacy-data.ts';

const ALICE = { mrn: 'MRN4711', family: 'Example', given: 'Alice' };

const stores: StateStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function dataDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'medgate-migrate-')), 'data');
}

async function open(dir: string): Promise<StateStore> {
  const store = await StateStore.open(join(dir, 'state.json'));
  stores.push(store);
  return store;
}

describe('legacyHoldReason', () => {
  it.each(LEGACY_REASONS)('%s -> %s/%s, text kept', (text, kind, code) => {
    expect(legacyHoldReason(text)).toMatchObject({ kind, code, text });
  });

  it('points an unknown measurement type at its observation', () => {
    expect(legacyHoldReason("measurement 2: unknown measurement type 'sweat'").observations).toEqual([1]);
  });

  it('never makes a kind outside the four', () => {
    for (const text of ['', ':', 'no patientX', 'implausible', 'discarded: by hand']) expect(HOLD_KINDS).toContain(legacyHoldReason(text).kind);
    // "no patientX" is not a patient hold: only the exact prefix is.
    expect(legacyHoldReason('no patientX')).toMatchObject({ kind: 'value', code: 'unclassified' });
  });
});

describe('state.json of version 1', () => {
  const held = [
    { id: 'PAT', observations: [WEIGHT(70)], holdReasons: ['no patient: the device reported none and is not bound'] },
    { id: 'VAL', observations: [WEIGHT(900)], holdReasons: ['implausible: Body weight 900 kg outside 0.2–650'], patient: ALICE },
    {
      id: 'BUG',
      observations: [UNKNOWN_TYPE('weight.lean', 50)],
      holdReasons: ["measurement 1: unknown measurement type 'weight.lean'", 'no patient: the device reported none and is not bound'],
    },
    { id: 'DEL', observations: [WEIGHT(71)], holdReasons: ['no destination configured'], patient: ALICE },
    { id: 'ODD', observations: [WEIGHT(72)], holdReasons: ['the gateway of a future past said so', 'no patient'] },
  ];

  it('is migrated at load: structured reasons, texts kept, version 2 on disk', async () => {
    const dir = dataDir();
    writeLegacyDataDir(dir, held);
    const store = await open(dir);
    const r = store.data.readings;
    expect(r.PAT!.holdReasons).toEqual([{ kind: 'patient', code: 'no-patient', text: 'no patient: the device reported none and is not bound' }]);
    expect(r.VAL!.holdReasons).toEqual([{ kind: 'value', code: 'implausible', text: 'implausible: Body weight 900 kg outside 0.2–650' }]);
    expect(r.BUG!.holdReasons).toEqual([
      { kind: 'value', code: 'unknown-type', text: "measurement 1: unknown measurement type 'weight.lean'", observations: [0] },
      { kind: 'patient', code: 'no-patient', text: 'no patient: the device reported none and is not bound' },
    ]);
    expect(r.DEL!.holdReasons).toEqual([{ kind: 'delivery', code: 'no-destination', text: 'no destination configured' }]);
    expect(r.ODD!.holdReasons.map((x) => `${x.kind}/${x.code}`)).toEqual(['value/unclassified', 'patient/no-patient']);
    expect(r.VAL!.patient).toEqual(ALICE);
    await store.close();
    const disk = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { version: number; readings: Record<string, { holdReasons: unknown[] }> };
    expect(disk.version).toBe(2);
    expect(disk.readings.BUG!.holdReasons).toEqual(r.BUG!.holdReasons);
    // Opened again, the migrated document is read as it is.
    expect((await open(dir)).data.readings.BUG!.holdReasons).toEqual(r.BUG!.holdReasons);
  });

  it('holds readings that the new rules release by kind: assigned, released, retried', async () => {
    const dir = dataDir();
    writeLegacyDataDir(dir, held);
    const store = await open(dir);
    const history = new History(join(dir, 'history'));
    const queued: string[] = [];
    const intake = new Intake({
      store,
      history,
      config: { gateway: { application: 'MEDGATE' }, destinations: [{ id: 'ehr', type: 'mllp', host: '127.0.0.1', port: 1 }] },
      log: silentLogger,
      onQueued: (id) => queued.push(id),
    });
    expect((await intake.assign('PAT', ALICE)).stored.status).toBe('queued');
    // The confirmed bug: an unknown type with no patient needs the value confirmation, and assigning with it works.
    await expect(intake.assign('BUG', ALICE)).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/values \(unknown-type\).*acceptImplausible/),
    });
    expect((await intake.assign('BUG', ALICE, { acceptImplausible: true })).stored.status).toBe('queued');
    await expect(intake.release('VAL')).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/acceptImplausible/) });
    const val = await intake.release('VAL', { acceptImplausible: true });
    expect(val).toMatchObject({ stored: { status: 'queued', patient: ALICE }, overridden: [{ kind: 'value', code: 'implausible' }] });
    expect((await intake.release('DEL')).stored.status).toBe('queued');
    await expect(intake.release('ODD', { acceptImplausible: true })).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/assign it to a patient/),
    });
    expect((await intake.assign('ODD', ALICE, { acceptImplausible: true })).stored.status).toBe('queued');
    expect(queued).toEqual(['ehr', 'ehr', 'ehr', 'ehr', 'ehr']);
  });

  it('refuses a version it does not know', async () => {
    const dir = dataDir();
    writeLegacyDataDir(dir, []);
    const file = join(dir, 'state.json');
    writeFileSync(file, JSON.stringify({ version: 3, seq: 0, bindings: {}, readings: {}, messages: {} }));
    await expect(StateStore.open(file)).rejects.toThrow(/unsupported state version 3 \(expected 1 or 2\)/);
  });
});

describe('history written by version 1', () => {
  it('reads old and new lines in one shape: a discard in its own field, hold reasons structured', async () => {
    const dir = dataDir();
    writeLegacyDataDir(
      dir,
      [],
      [
        {
          id: 'OLD-DISCARDED',
          observations: [WEIGHT(900)],
          status: 'discarded',
          holdReasons: ['implausible: Body weight 900 kg outside 0.2–650', 'discarded: patient leaned on the scale'],
        },
        { id: 'OLD-DELIVERED', observations: [WEIGHT(70)], status: 'delivered', holdReasons: [], patient: ALICE },
      ],
    );
    const history = new History(join(dir, 'history'), { upgrade: upgradeHistoryRecord });
    const store = await open(dir);
    const intake = new Intake({ store, history, config: { gateway: {}, destinations: [] }, log: silentLogger, onQueued: () => undefined });
    await store.update((doc) => {
      doc.readings.NEW = {
        reading: {
          id: 'NEW',
          deviceId: 'scale-1',
          kind: 'scale',
          observedAt: '2026-12-05T10:00:00Z',
          receivedAt: '2026-12-05T10:00:00Z',
          observations: [],
          raw: '',
        },
        status: 'held',
        holdReasons: [{ kind: 'value', code: 'no-measurement', text: 'the report carries no measurements' }],
        updatedAt: '2026-12-05T10:00:00Z',
      };
    });
    await intake.discard('NEW', 'empty report', 'nurse.kim');

    const records = await history.recent({ limit: 10 });
    const byId = new Map(records.map((r: HistoryRecord) => [r.reading.reading.id, r.reading]));
    expect(byId.get('OLD-DISCARDED')).toMatchObject({
      status: 'discarded',
      holdReasons: [{ kind: 'value', code: 'implausible', text: 'implausible: Body weight 900 kg outside 0.2–650' }],
      discard: { reason: 'patient leaned on the scale', at: '2026-11-27T14:41:01.000Z' },
    });
    expect(byId.get('OLD-DELIVERED')).toMatchObject({ status: 'delivered', holdReasons: [] });
    expect(byId.get('NEW')).toMatchObject({
      status: 'discarded',
      holdReasons: [{ kind: 'value', code: 'no-measurement' }],
      discard: { reason: 'empty report', by: 'nurse.kim' },
    });
    for (const r of records) for (const x of r.reading.holdReasons) expect(typeof x).toBe('object');
    // A filter sees the upgraded record too.
    expect(await history.recent({ limit: 10, filter: (r) => r.reading.discard?.reason === 'patient leaned on the scale' })).toHaveLength(1);
  });

  it('leaves a record already in the new shape as it is', () => {
    const record: HistoryRecord = {
      at: '2026-12-05T10:00:00Z',
      reading: {
        reading: { id: 'X', deviceId: 'd', kind: 'scale', observedAt: '', receivedAt: '', observations: [], raw: '' },
        status: 'delivered',
        holdReasons: [],
        updatedAt: '',
      },
      messages: [],
    };
    expect(upgradeHistoryRecord(record)).toBe(record);
  });
});
