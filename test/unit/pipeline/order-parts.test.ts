// Results of an analyzer in patient mode `order`, from the device report to the ORU text queued for
// the EHR: several orders on one tube, one tube for two patients, and a held result a person assigns.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceReport } from '../../../src/model/driver.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import type { PatientRef } from '../../../src/model/reading.ts';
import { DirectoryIndex } from '../../../src/patients/directory-index.ts';
import type { DirectoryEntry, OrderEntry, PatientDirectory } from '../../../src/patients/types.ts';
import { Intake } from '../../../src/pipeline/intake.ts';
import { History } from '../../../src/store/history.ts';
import { StateStore } from '../../../src/store/state-store.ts';

const at = '2026-12-01T09:00:00Z';
const ALICE: PatientRef = { mrn: 'A1', family: 'Example', given: 'Alice', dob: '1980-02-14', sex: 'F' };
const BOB: PatientRef = { mrn: 'B2', family: 'Sample', given: 'Bob', dob: '1975-06-30', sex: 'M' };

/** A directory whose contents a test replaces, as the inbound feed does when an ADT arrives. */
class Directory implements PatientDirectory {
  index = new DirectoryIndex({ entries: new Map(), orders: new Map() });
  set(patients: PatientRef[], orders: OrderEntry[]): void {
    const entries = new Map<string, DirectoryEntry>(patients.map((p) => [p.mrn, { patient: p, visit: {}, status: 'active', updatedAt: at }]));
    this.index = new DirectoryIndex({ entries, orders: new Map(orders.map((o) => [`P|${o.placer}`, o])) });
  }
  byMrn = (mrn: string, authority?: string) => this.index.byMrn(mrn, authority);
  byVisit = (visit: string) => this.index.byVisit(visit);
  byNameAndBirthDate = (f: string, g: string, d: string) => this.index.byNameAndBirthDate(f, g, d);
  orderBySpecimen = (id: string) => this.index.orderBySpecimen(id);
  ordersBySpecimen = (id: string) => this.index.ordersBySpecimen(id);
  orderByNumber = (n: string) => this.index.orderByNumber(n);
}

const order = (placer: string, mrn: string, specimenId: string, loinc: string, updatedAt: string): OrderEntry => ({
  placer,
  specimenId,
  mrn,
  tests: [{ system: 'LN', code: loinc }],
  status: 'open',
  updatedAt,
});

// What an ASTM analyzer reports: its sample id as O-3 (placer) and its rack position as O-4 (filler).
const report = (specimenId: string, codes: Array<[string, string, number | string, string?]>): DeviceReport => ({
  specimen: { id: specimenId },
  order: { placer: specimenId, filler: 'R4-7' },
  measurements: codes.map(([loinc, code, value, unit]) => ({ code: { loinc, local: { system: 'L', code } }, value, unit, status: 'F' })),
  raw: '',
});

const stores: StateStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function rig() {
  const dir = mkdtempSync(join(tmpdir(), 'medgate-order-parts-'));
  const store = await StateStore.open(join(dir, 'state.json'));
  stores.push(store);
  const directory = new Directory();
  const intake = new Intake({
    store,
    directory,
    history: new History(join(dir, 'history')),
    config: { gateway: { application: 'MEDGATE' }, destinations: [{ id: 'ehr', type: 'mllp', host: '127.0.0.1', port: 1 }] },
    log: silentLogger,
    onQueued: () => undefined,
  });
  intake.setDevice({
    config: { id: 'ua-1', driver: 'astm-lis2', transport: { type: 'tcp', mode: 'listen', port: 1 } },
    policy: { mode: 'order', verify: true },
    kind: 'lab',
  });
  /** The ORU's segments, per ORC/OBR group: [ORC-2, ORC-3, OBR-2, OBR-3, the OBX-3 codes]. */
  const groups = (readingId: string) => {
    const body = Object.values(store.data.messages).find((m) => m.readingId === readingId)?.body ?? '';
    const out: Array<{ orc: string[]; obr: string[]; obx: string[] }> = [];
    for (const seg of body.split('\r').map((s) => s.split('|'))) {
      if (seg[0] === 'ORC') out.push({ orc: [seg[2] ?? '', seg[3] ?? ''], obr: [], obx: [] });
      if (seg[0] === 'OBR') out.at(-1)?.obr.push(seg[2] ?? '', seg[3] ?? '');
      if (seg[0] === 'OBX') out.at(-1)?.obx.push((seg[3] ?? '').split('^')[0] ?? '');
    }
    return out;
  };
  return { store, directory, intake, groups };
}

describe('results of an analyzer whose results belong to orders', () => {
  it('one reading answering two orders on its tube goes out as one OBR group per order, each under its own numbers', async () => {
    const { directory, intake, groups } = await rig();
    directory.set(
      [ALICE],
      [order('PL-D1', 'A1', 'SPC-D1', '20454-5', '2026-12-01T08:00:00Z'), order('PL-D2', 'A1', 'SPC-D1', '5803-2', '2026-12-01T08:05:00Z')],
    );
    const stored = await intake.accept(
      'ua-1',
      report('SPC-D1', [
        ['20454-5', 'PRO', 'NEG'],
        ['5803-2', 'PH', 6, '[pH]'],
      ]),
    );
    expect(stored.status).toBe('queued');
    const [first, second, more] = groups(stored.reading.id);
    expect(more).toBeUndefined();
    expect(first).toMatchObject({ orc: ['PL-D1', 'SPC-D1^MEDGATE'], obr: ['PL-D1', 'SPC-D1^MEDGATE'], obx: ['20454-5'] });
    expect(second).toMatchObject({ orc: ['PL-D2', 'SPC-D1^MEDGATE'], obr: ['PL-D2', 'SPC-D1^MEDGATE'], obx: ['5803-2'] });
    expect(stored.reading.orderParts).toEqual([
      { placer: 'PL-D1', observations: [0] },
      { placer: 'PL-D2', observations: [1] },
    ]);
    // Neither group carries the analyzer's own ids as order numbers.
    for (const g of [first!, second!]) expect([...g.orc, ...g.obr]).not.toContain('R4-7');
  });

  it('holds a result whose tube is ordered for two patients, naming neither', async () => {
    const { directory, intake, store } = await rig();
    directory.set(
      [ALICE, BOB],
      [order('PL-A', 'A1', 'TUBE', '20454-5', '2026-12-01T08:00:00Z'), order('PL-B', 'B2', 'TUBE', '5803-2', '2026-12-01T08:05:00Z')],
    );
    const stored = await intake.accept('ua-1', report('TUBE', [['5803-2', 'PH', 6, '[pH]']]));
    expect(stored.status).toBe('held');
    expect(stored.patient).toBeUndefined();
    expect(stored.holdReasons).toEqual([
      { kind: 'patient', code: 'patient-mismatch', text: 'patient mismatch: this specimen is ordered for more than one patient' },
    ]);
    expect(Object.keys(store.data.messages)).toHaveLength(0);
  });

  it('a held result a person assigns never carries the analyzer sample and rack ids; it takes the order numbers once the order resolves', async () => {
    const { directory, intake, groups } = await rig();
    // The order's patient is not in the directory yet: the result is held.
    directory.set([], [order('PL-N1', 'N9', 'SPC-N1', '5803-2', '2026-12-01T08:00:00Z')]);
    const held = await intake.accept('ua-1', report('SPC-N1', [['5803-2', 'PH', 6, '[pH]']]));
    expect(held.holdReasons.map((r) => r.code)).toEqual(['unknown-patient-id']);
    // The ADT arrives, and a person assigns the order's patient.
    const NINA: PatientRef = { mrn: 'N9', family: 'New', given: 'Nina' };
    directory.set([NINA], [order('PL-N1', 'N9', 'SPC-N1', '5803-2', '2026-12-01T08:00:00Z')]);
    const done = await intake.assign(held.reading.id, NINA);
    expect(done.stored.status).toBe('queued');
    const [g] = groups(held.reading.id);
    expect(g!.orc[0]).toBe('PL-N1');
    expect(g!.obr[0]).toBe('PL-N1');
    expect([...g!.orc, ...g!.obr]).not.toContain('R4-7');
    expect([...g!.orc, ...g!.obr]).not.toContain('SPC-N1');
  });

  it('a held result assigned to a patient the tube has no order for goes out without order numbers', async () => {
    const { directory, intake, groups } = await rig();
    directory.set([ALICE], []);
    const held = await intake.accept('ua-1', report('SPC-X', [['5803-2', 'PH', 6, '[pH]']]));
    expect(held.holdReasons.map((r) => r.code)).toEqual(['no-order']);
    await intake.assign(held.reading.id, ALICE);
    const [g] = groups(held.reading.id);
    expect(g!.orc[0]).toBe('');
    expect(g!.obr[0]).toBe('');
    expect([...g!.orc, ...g!.obr]).not.toContain('R4-7');
    expect([...g!.orc, ...g!.obr]).not.toContain('SPC-X');
  });
});
