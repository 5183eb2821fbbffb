// The QC service on a real storage engine, state store and audit journal in a temp folder: control
// results logged and judged, a rejection raised once per run, the hold it puts on that analyzer's
// patient results for that test, the review (role, audit first, release), targets established from
// the first runs, and all of it kept across a restart.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditJournal } from '../../../src/audit/journal.ts';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import type { ControlMark } from '../../../src/model/control-mark.ts';
import type { DeviceReport, Measurement } from '../../../src/model/driver.ts';
import { silentLogger, type Logger } from '../../../src/model/logger.ts';
import type { QcConfigT } from '../../../src/model/qc-settings.ts';
import { Intake } from '../../../src/pipeline/intake.ts';
import { emptyQcBook, qcFile, type QcBookDoc } from '../../../src/qc/qc-book.ts';
import { QcService } from '../../../src/qc/qc-service.ts';
import type { DocumentAdapter } from '../../../src/store/durable-document.ts';
import { openEngine, type StorageEngine } from '../../../src/store/engine.ts';
import { History } from '../../../src/store/history.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import type { GatewayEvent } from '../../../src/web/api-types.ts';

const LOT = 'QC-GLU-1';
const TARGETS = { GLU: { mean: 5.5, sd: 0.15, unit: 'mmol/L' } };
const ASTM_Q: ControlMark = { role: 'control', marker: 'ASTM O-12 Q' };
const ADMIN = { name: 'lablead', role: 'admin' as const };
const STAFF = { name: 'assistant', role: 'staff' as const };

function analyzer(id: string, qc: DeviceConfigT['qc'] = { lots: [{ id: LOT, level: '1', targets: TARGETS }] }): DeviceConfigT {
  return { id, label: `Analyzer ${id}`, driver: 'astm-lis2', transport: { type: 'tcp', mode: 'listen', port: 1 }, ...(qc ? { qc } : {}) };
}

const glu = (value: number | string, at?: string, unit = 'mmol/L'): Measurement => ({
  code: { local: { system: 'L', code: 'GLU' } },
  value,
  unit,
  ...(typeof value === 'number' ? { valueText: String(value) } : {}),
  ...(at ? { observedAt: at } : {}),
});
const na = (value: number): Measurement => ({ code: { local: { system: 'L', code: 'NA' } }, value, unit: 'mmol/L', valueText: String(value) });

function control(measurements: Measurement[], specimen = LOT, mark: ControlMark = ASTM_Q): DeviceReport {
  // A control may still carry a P record's leftovers: it never makes it a patient's.
  return { subject: { mrn: 'MRN-LEFTOVER' }, specimen: { id: specimen }, control: mark, measurements, raw: '' };
}
const patient = (measurements: Measurement[], mrn = 'MRN1603'): DeviceReport => ({ subject: { mrn }, specimen: { id: `S-${mrn}` }, measurements, raw: '' });

/** Minutes after a fixed morning, as the analyzer stamps its results. */
const at = (minutes: number) => new Date(Date.UTC(2026, 11, 6, 7, 0) + minutes * 60_000).toISOString();

interface Rig {
  dataDir: string;
  devices: DeviceConfigT[];
  qcConfig: { value: QcConfigT | undefined };
  qc: QcService;
  intake: Intake;
  store: StateStore;
  audit: AuditJournal;
  engine: StorageEngine;
  events: GatewayEvent[];
}

const open: Rig[] = [];
async function closeRig(r: Rig): Promise<void> {
  open.splice(open.indexOf(r), 1);
  await r.qc.close();
  await r.store.close();
  await r.engine.close();
}
afterEach(async () => {
  for (const r of [...open]) await closeRig(r);
});

async function rig(
  devices: DeviceConfigT[],
  dataDir = mkdtempSync(join(tmpdir(), 'medgate-qc-')),
  qcConfig: QcConfigT | undefined = undefined,
  log: Logger = silentLogger,
  more: { now?: () => Date; adapter?: DocumentAdapter<QcBookDoc> } = {},
): Promise<Rig> {
  const engine = openEngine(dataDir);
  const store = await StateStore.open(join(dataDir, 'state.json'));
  const audit = new AuditJournal(join(dataDir, 'audit'));
  const events: GatewayEvent[] = [];
  const config = { value: qcConfig };
  let intake: Intake | undefined;
  const qc = await QcService.open({
    dataDir,
    engine,
    audit,
    devices: () => devices,
    config: () => config.value,
    readings: () => Object.values(store.data.readings),
    release: (id, confirm) => intake!.release(id, confirm),
    dropHolds: (id, drop, add) => intake!.dropHolds(id, drop, add),
    emit: (e) => events.push(e),
    log,
    ...more,
  });
  intake = new Intake({
    store,
    history: new History(join(dataDir, 'history')),
    config: { gateway: {}, destinations: [{ id: 'ehr', type: 'mllp', host: '127.0.0.1', port: 1 }] },
    log: silentLogger,
    onQueued: () => undefined,
    qcHolds: (device, reading) => qc.holdsFor(device, reading),
  });
  for (const d of devices) intake.setDevice({ config: d, policy: { mode: 'reported', verify: false }, kind: 'lab' });
  const r: Rig = { dataDir, devices, qcConfig: config, qc, intake, store, audit, engine, events };
  open.push(r);
  return r;
}

async function send(r: Rig, device: string, report: DeviceReport) {
  const config = r.devices.find((d) => d.id === device)!;
  const identity = r.qc.recognise(config, report);
  if (!identity) throw new Error('not recognised as QC');
  await r.qc.record(config, report, identity);
  return r.qc.list({ device, limit: 1000 }).entries;
}

describe('QcService', () => {
  it('logs one entry per result of a control report, with lot, level, unit and time, and stores no reading', async () => {
    const r = await rig([analyzer('chem-a')]);
    const report = control([glu(5.52, at(0)), { ...na(141), observedAt: at(0) }]);
    expect(r.qc.recognise(r.devices[0]!, report)).toMatchObject({ lot: LOT, level: '1', marker: 'ASTM O-12 Q' });
    const entries = await send(r, 'chem-a', report);
    expect(entries.map((e) => [e.test, e.lot, e.level, e.value, e.unit, e.time, e.status])).toEqual(
      expect.arrayContaining([
        ['GLU', LOT, '1', 5.52, 'mmol/L', at(0), 'accepted'],
        ['NA', LOT, '1', 141, 'mmol/L', at(0), 'not-judged'],
      ]),
    );
    expect(entries.find((e) => e.test === 'NA')?.notJudged).toMatch(/no target for NA on lot QC-GLU-1/);
    expect(entries.find((e) => e.test === 'GLU')).toMatchObject({ deviceLabel: 'Analyzer chem-a', specimen: LOT, z: expect.closeTo(0.1333, 3), rules: [] });
    expect(Object.keys(r.store.data.readings)).toEqual([]);
    expect(r.events.filter((e) => e.type === 'qc')).toHaveLength(2);
    expect(JSON.stringify(r.events)).not.toContain('5.52');
  });

  it('raises one rejection per run for a 1-3s, and holds that analyzer’s patient results for that test only', async () => {
    const r = await rig([analyzer('chem-a'), analyzer('chem-b'), analyzer('chem-c', { holdOnReject: false, lots: [{ id: LOT, targets: TARGETS }] })]);
    await send(r, 'chem-a', control([glu(5.5, at(0))]));
    // 6.2 is (6.2 - 5.5) / 0.15 = 4.7 SD above: 1-3s; a second level of the same run is out too.
    const [first] = await send(r, 'chem-a', control([glu(6.2, at(1))]));
    const [second] = await send(r, 'chem-a', control([glu(6.3, at(2))]));
    expect(first).toMatchObject({ status: 'rejected', rejection: expect.stringMatching(/^R/) });
    expect(first!.rules.map((x) => x.rule)).toContain('1-3s');
    expect(second!.rejection).toBe(first!.rejection);
    const problems = r.qc.problems();
    expect(problems).toEqual([
      { rejection: first!.rejection, device: 'chem-a', test: 'GLU', lot: LOT, rules: expect.arrayContaining(['1-3s']), since: expect.any(String), held: 0 },
    ]);

    const held = await r.intake.accept('chem-a', patient([na(140), glu(7.1)]));
    expect(held.status).toBe('held');
    expect(held.holdReasons).toEqual([
      { kind: 'qc', code: 'qc-failed', text: expect.stringMatching(/^qc failed: GLU on lot QC-GLU-1 \((1-3s|.*1-3s.*)\) not reviewed$/), observations: [1] },
    ]);
    expect((await r.intake.accept('chem-a', patient([na(139)]))).status).toBe('queued');
    expect((await r.intake.accept('chem-b', patient([glu(6.0)]))).status).toBe('queued');
    // A device that does not hold on rejection: rejected, shown, nothing held.
    await send(r, 'chem-c', control([glu(6.4, at(0))]));
    expect((await r.intake.accept('chem-c', patient([glu(6.0)]))).status).toBe('queued');
    expect(r.qc.problems().map((p) => [p.device, p.held])).toEqual([
      ['chem-a', 1],
      ['chem-c', 0],
    ]);
    expect(r.qc.rejection(r.qc.problems()[1]!.rejection)).toMatchObject({ holds: false, deviceLabel: 'Analyzer chem-c' });
  });

  it('counts what a rejection holds by instants, whatever offset the gateway stamps its readings with', async () => {
    const zone = process.env.TZ;
    // West of UTC a reading's local receipt time sorts as text before the rejection's UTC time.
    process.env.TZ = 'America/New_York';
    try {
      const r = await rig([analyzer('chem-a')]);
      await send(r, 'chem-a', control([glu(6.2, at(0))]));
      const held = await r.intake.accept('chem-a', patient([glu(7.1)]));
      expect(held.reading.receivedAt).toMatch(/-0[45]:00$/);
      expect(r.qc.problems().map((p) => p.held)).toEqual([1]);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('logs each result at info and a rejection once at warn, with codes and never a value', async () => {
    const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
    const at_ = (level: string) => (obj: object | string, msg?: string) =>
      lines.push(typeof obj === 'string' ? { level, obj: {}, msg: obj } : { level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
    const logger: Logger = { error: at_('error'), warn: at_('warn'), info: at_('info'), debug: at_('debug'), child: () => logger };
    const r = await rig([analyzer('chem-a')], undefined, undefined, logger);
    await send(r, 'chem-a', control([glu(6.2, at(0))]));
    await send(r, 'chem-a', control([glu(6.35, at(1))]));
    const warn = lines.filter((l) => l.level === 'warn');
    expect(warn).toEqual([
      {
        level: 'warn',
        obj: { device: 'chem-a', test: 'GLU', lot: LOT, rules: expect.arrayContaining(['1-3s']), rejection: expect.any(String) },
        msg: 'QC rejection',
      },
    ]);
    expect(lines.filter((l) => l.msg === 'QC result logged').map((l) => l.obj)).toEqual([
      { device: 'chem-a', test: 'GLU', lot: LOT, status: 'rejected' },
      { device: 'chem-a', test: 'GLU', lot: LOT, status: 'rejected' },
    ]);
    const above = JSON.stringify(lines.filter((l) => l.level !== 'debug'));
    expect(above).not.toMatch(/6\.2|6\.35|MRN-LEFTOVER/);
  });

  it('a qc hold is released on its own only with acceptQcFailure, and the refusal says so', async () => {
    const r = await rig([analyzer('chem-a')]);
    await send(r, 'chem-a', control([glu(6.2, at(0))]));
    const held = await r.intake.accept('chem-a', patient([glu(7.1)]));
    await expect(r.intake.release(held.reading.id)).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/acceptQcFailure: true/) });
    const released = await r.intake.release(held.reading.id, { acceptQcFailure: true });
    expect(released.stored.status).toBe('queued');
    expect(released.overridden.map((h) => h.kind)).toEqual(['qc']);
  });

  it('holds a result waiting for its patient when a rejection comes meanwhile: assigning it then needs acceptQcFailure', async () => {
    const r = await rig([analyzer('chem-a')]);
    const waiting = await r.intake.accept('chem-a', { ...patient([glu(7.1)]), subject: undefined });
    expect(waiting.holdReasons.map((h) => h.kind)).toEqual(['patient']);
    await send(r, 'chem-a', control([glu(6.2, at(0))]));
    const jo = { mrn: 'MRN1603' };
    await expect(r.intake.assign(waiting.reading.id, jo)).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/acceptQcFailure: true/) });
    expect(r.store.data.readings[waiting.reading.id]?.holdReasons.map((h) => [h.kind, h.code])).toEqual([
      ['patient', 'no-patient'],
      ['qc', 'qc-failed'],
    ]);
    const done = await r.intake.assign(waiting.reading.id, jo, { acceptQcFailure: true });
    expect(done.stored.status).toBe('queued');
    expect(done.overridden.map((h) => h.kind)).toEqual(['qc']);
    // Confirmed before the person could see the new hold: refused, and the hold stays for them to see.
    const unseen = await r.intake.accept('chem-a', { ...patient([glu(7.3)]), subject: undefined });
    await r.store.update((doc) => {
      doc.readings[unseen.reading.id]!.holdReasons = [{ kind: 'patient', code: 'no-patient', text: 'no patient' }];
    });
    await expect(r.intake.assign(unseen.reading.id, jo, { acceptQcFailure: true })).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/held now for qc failed: GLU on lot QC-GLU-1 \(1-3s\) not reviewed, which came after it was shown/),
    });
    expect(r.store.data.readings[unseen.reading.id]?.holdReasons.map((h) => h.kind)).toEqual(['patient', 'qc']);
  });

  it('never assigns or releases a held reading that the device’s settings or its O record show to be a control, and says so at start', async () => {
    const r = await rig([analyzer('chem-a', { lots: [{ id: LOT }], sampleIdPattern: '^QCX' })]);
    const astm = (specimen: string, action: string) =>
      ['H|\\^&|||CHEM-300', 'P|1', `O|1|${specimen}^1||^^^GLU|R||||||${action}||||serum`, 'R|1|^^^GLU|5.6|mmol/l'].join('\r');
    const held = async (specimen: string, raw = '') =>
      (await r.intake.accept('chem-a', { specimen: { id: specimen }, measurements: [glu(5.6)], raw })).reading.id;
    const byLot = await held(LOT);
    const byPattern = await held('QCX-9');
    const byO12 = await held('CTRL-77', astm('CTRL-77', 'Q'));
    const aPatients = await held('S-1', astm('S-1', 'N'));
    for (const id of [byLot, byPattern, byO12]) {
      await expect(r.intake.assign(id, { mrn: 'MRN1603' })).rejects.toMatchObject({
        status: 409,
        message: expect.stringMatching(/is a control \(QC\) result \((control lot list|sample ID pattern|ASTM O-12 Q)\), never a patient's: discard it/),
      });
      await expect(r.intake.release(id, { acceptQcFailure: true })).rejects.toMatchObject({ status: 409 });
    }
    expect((await r.intake.assign(aPatients, { mrn: 'MRN1603' })).stored.status).toBe('queued');
    // Said once at the next start, by device and reading id, so someone discards them.
    const warned: Array<{ obj: unknown; msg: string }> = [];
    const logger: Logger = {
      ...silentLogger,
      warn: (obj: object | string, msg?: string) => void warned.push({ obj, msg: msg ?? '' }),
      child: () => logger,
    };
    await closeRig(r);
    await rig(r.devices, r.dataDir, undefined, logger);
    expect(warned).toEqual([
      {
        obj: { device: 'chem-a', readings: expect.arrayContaining([byLot, byPattern, byO12]) },
        msg: "held readings are control (QC) results, never a patient's: discard them",
      },
    ]);
    expect((warned[0]!.obj as { readings: string[] }).readings).toHaveLength(3);
  });

  it('reviews: the role first, the audit entry before anything changes, then releases what only this rejection held', async () => {
    const r = await rig([analyzer('chem-a')]);
    const [out] = await send(r, 'chem-a', control([glu(6.2, at(0))]));
    const id = out!.rejection!;
    const onlyQc = await r.intake.accept('chem-a', patient([glu(7.1)]));
    // Held for QC and for its patient: the review does not assign it.
    const alsoPatient = await r.intake.accept('chem-a', { ...patient([glu(6.9)]), subject: undefined });
    expect(alsoPatient.holdReasons.map((h) => h.kind).sort()).toEqual(['patient', 'qc']);

    await expect(r.qc.review(STAFF, id, { action: 'rerun' })).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/admin role/) });
    expect(await r.audit.recent({ limit: 10 })).toEqual([]);
    await expect(r.qc.review(ADMIN, 'R-nope', { action: 'rerun' })).rejects.toMatchObject({ status: 404 });

    // An audit journal that cannot write: the review is refused and nothing changes.
    const record = r.audit.record.bind(r.audit);
    r.audit.record = () => Promise.reject(new Error('disk full'));
    await expect(r.qc.review(ADMIN, id, { action: 'rerun', release: true })).rejects.toThrow(/disk full/);
    expect(r.qc.rejection(id).review).toBeUndefined();
    expect(r.store.data.readings[onlyQc.reading.id]?.status).toBe('held');
    r.audit.record = record;

    const view = await r.qc.review(ADMIN, id, { action: 'Reagent replaced, recalibrated, control rerun in range', release: true });
    expect(view.review).toMatchObject({ by: 'lablead', action: 'Reagent replaced, recalibrated, control rerun in range', released: 1 });
    expect(r.store.data.readings[onlyQc.reading.id]?.status).toBe('queued');
    expect(r.store.data.readings[alsoPatient.reading.id]?.status).toBe('held');
    const trail = (await r.audit.recent({ limit: 10 })).reverse();
    expect(trail.map((e) => e.action)).toEqual(['qc-review', 'override', 'override']);
    expect(trail[0]).toMatchObject({ who: 'lablead', device: 'chem-a', reason: expect.stringMatching(/^GLU lot QC-GLU-1 1-3s: Reagent replaced/) });
    expect(trail.find((e) => e.reading === onlyQc.reading.id)).toMatchObject({ patient: { mrn: 'MRN1603' }, reason: expect.stringContaining(id) });
    // Its qc hold lifted with the review: only its patient is left to settle.
    expect(trail.find((e) => e.reading === alsoPatient.reading.id)?.reason).toMatch(
      /^qc hold lifted with the review of QC rejection .*; still held for patient\//,
    );
    expect(r.store.data.readings[alsoPatient.reading.id]?.holdReasons.map((h) => h.kind)).toEqual(['patient']);
    expect(r.qc.problems()).toEqual([]);
    await expect(r.qc.review(ADMIN, id, { action: 'again' })).rejects.toMatchObject({ status: 409 });
    // Reviewed: the next glucose goes straight out.
    expect((await r.intake.accept('chem-a', patient([glu(5.4)]))).status).toBe('queued');
  });

  it('releases with a review only what that rejection alone holds: not a result another test’s or run’s rejection holds too', async () => {
    const chol = (value: number, when: string): Measurement => ({
      code: { local: { system: 'L', code: 'CHOL' } },
      value,
      unit: 'mmol/L',
      valueText: String(value),
      observedAt: when,
    });
    const lots = [{ id: LOT, targets: { ...TARGETS, CHOL: { mean: 5.0, sd: 0.2, unit: 'mmol/L' } } }];
    const r = await rig([analyzer('chem-a', { lots })]);
    const [gluOut] = await send(r, 'chem-a', control([glu(6.2, at(0))]));
    const cholOut = (await send(r, 'chem-a', control([chol(6.0, at(0))]))).find((e) => e.test === 'CHOL');
    const both = await r.intake.accept('chem-a', patient([glu(7.1), chol(5.1, at(1))]));
    const gluOnly = await r.intake.accept('chem-a', patient([glu(7.2)]));
    expect(both.holdReasons.map((h) => h.observations)).toEqual([[0], [1]]);
    expect((await r.qc.review(ADMIN, gluOut!.rejection!, { action: 'recalibrated', release: true })).review?.released).toBe(1);
    expect(r.store.data.readings[gluOnly.reading.id]?.status).toBe('queued');
    expect(r.store.data.readings[both.reading.id]?.status).toBe('held');
    // Its glucose hold was lifted with the first review; the second, the last of its holds, releases it.
    expect(r.store.data.readings[both.reading.id]?.holdReasons.map((h) => h.observations)).toEqual([[1]]);
    expect((await r.qc.review(ADMIN, cholOut!.rejection!, { action: 'new reagent', release: true })).review?.released).toBe(1);
    expect(r.store.data.readings[both.reading.id]?.status).toBe('queued');
    // Two runs of one test rejected: the first's review releases nothing while the second is open.
    const [late] = await send(r, 'chem-a', control([glu(6.3, at(120))]));
    const [later] = await send(r, 'chem-a', control([glu(6.4, at(240))]));
    expect(later!.rejection).not.toBe(late!.rejection);
    const waiting = await r.intake.accept('chem-a', patient([glu(7.3)]));
    expect((await r.qc.review(ADMIN, late!.rejection!, { action: 'rerun', release: true })).review?.released).toBe(0);
    expect(r.store.data.readings[waiting.reading.id]?.status).toBe('held');
    expect((await r.qc.review(ADMIN, later!.rejection!, { action: 'rerun', release: true })).review?.released).toBe(1);
  });

  it('releases with the last open rejection’s review every result its test’s QC held, whenever it came (two runs rejected)', async () => {
    const r = await rig([analyzer('chem-a')]);
    const [r1] = await send(r, 'chem-a', control([glu(6.2, at(0))]));
    const m1 = await r.intake.accept('chem-a', patient([glu(7.1)], 'MRN-M1'));
    const [r2] = await send(r, 'chem-a', control([glu(6.3, at(120))]));
    expect(r2!.rejection).not.toBe(r1!.rejection);
    const m2 = await r.intake.accept('chem-a', patient([glu(7.2)], 'MRN-M2'));
    expect((await r.qc.review(ADMIN, r1!.rejection!, { action: 'rerun', release: true })).review?.released).toBe(0);
    expect(r.qc.rejection(r2!.rejection!).held).toBe(2);
    expect((await r.qc.review(ADMIN, r2!.rejection!, { action: 'recalibrated', release: true })).review?.released).toBe(2);
    for (const m of [m1, m2]) expect(r.store.data.readings[m.reading.id]?.status).toBe('queued');
  });

  it('lifts the reviewed test’s qc hold from a result held for its patient too: assigning it then needs no acceptQcFailure', async () => {
    const r = await rig([analyzer('chem-a')]);
    const [out] = await send(r, 'chem-a', control([glu(6.2, at(0))]));
    const both = await r.intake.accept('chem-a', { ...patient([glu(6.9)]), subject: undefined });
    expect(both.holdReasons.map((h) => h.kind).sort()).toEqual(['patient', 'qc']);
    expect((await r.qc.review(ADMIN, out!.rejection!, { action: 'recalibrated', release: true })).review?.released).toBe(0);
    expect(r.store.data.readings[both.reading.id]?.holdReasons.map((h) => h.kind)).toEqual(['patient']);
    expect((await r.intake.assign(both.reading.id, { mrn: 'MRN1603' })).stored.status).toBe('queued');
  });

  it('does not send with a review a result whose other test’s QC failed after it was held: that test’s hold takes its place', async () => {
    const chol = (value: number, when?: string): Measurement => ({
      code: { local: { system: 'L', code: 'CHOL' } },
      value,
      unit: 'mmol/L',
      valueText: String(value),
      ...(when ? { observedAt: when } : {}),
    });
    const lots = [{ id: LOT, targets: { ...TARGETS, CHOL: { mean: 5.0, sd: 0.2, unit: 'mmol/L' } } }];
    const r = await rig([analyzer('chem-a', { lots })]);
    const [gluOut] = await send(r, 'chem-a', control([glu(6.2, at(0))]));
    const held = await r.intake.accept('chem-a', patient([glu(7.1), chol(5.1)]));
    expect(held.holdReasons.map((h) => h.observations)).toEqual([[0]]);
    await send(r, 'chem-a', control([chol(6.0, at(0))]));
    expect((await r.qc.review(ADMIN, gluOut!.rejection!, { action: 'recalibrated', release: true })).review?.released).toBe(0);
    const now = r.store.data.readings[held.reading.id];
    expect(now?.status).toBe('held');
    expect(now?.holdReasons.map((h) => [h.kind, h.observations])).toEqual([['qc', [1]]]);
    expect(now?.holdReasons[0]?.text).toMatch(/^qc failed: CHOL on lot/);
  });

  it('records one review when two arrive at once: the other is refused with 409 and not audited', async () => {
    const r = await rig([analyzer('chem-a')]);
    const [out] = await send(r, 'chem-a', control([glu(6.2, at(0))]));
    await r.intake.accept('chem-a', patient([glu(7.1)]));
    const results = await Promise.allSettled([
      r.qc.review(ADMIN, out!.rejection!, { action: 'first', release: true }),
      r.qc.review({ name: 'other-lead', role: 'admin' }, out!.rejection!, { action: 'second', release: true }),
    ]);
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'rejected']);
    expect(results[1]).toMatchObject({ reason: { status: 409 } });
    expect((await r.audit.recent({ limit: 10 })).filter((e) => e.action === 'qc-review').map((e) => e.who)).toEqual(['lablead']);
    expect(r.qc.rejection(out!.rejection!).review).toMatchObject({ by: 'lablead', action: 'first', released: 1 });
  });

  it('lets staff review when qc.reviewRole is staff, and releases nothing unless asked', async () => {
    const r = await rig([analyzer('chem-a')], undefined, { reviewRole: 'staff' });
    const [out] = await send(r, 'chem-a', control([glu(4.8, at(0))]));
    const held = await r.intake.accept('chem-a', patient([glu(7.1)]));
    const view = await r.qc.review(STAFF, out!.rejection!, { action: 'control vial was old' });
    expect(view.review).toMatchObject({ by: 'assistant', released: 0 });
    expect(r.store.data.readings[held.reading.id]?.status).toBe('held');
  });

  it('starts the rules over after a review: an earlier run no longer makes a 2-2s with the next', async () => {
    const r = await rig([analyzer('chem-a'), analyzer('chem-b')]);
    for (const device of ['chem-a', 'chem-b']) {
      // +3.3 SD: 1-3s. An hour later +2.3 SD: with the earlier run, 2-2s across runs.
      const [first] = await send(r, device, control([glu(5.5 + 3.3 * 0.15, at(0))]));
      if (device === 'chem-a') await r.qc.review(ADMIN, first!.rejection!, { action: 'recalibrated' });
      const [next] = await send(r, device, control([glu(5.5 + 2.3 * 0.15, at(60))]));
      const rules = next!.rules.map((x) => x.rule);
      if (device === 'chem-a') expect(next).toMatchObject({ status: 'warning' });
      else expect(rules).toContain('2-2s');
      expect(rules).toContain('1-2s');
    }
  });

  it('does not judge a calibrator, a text result or a result in another unit than the target, and says why', async () => {
    const r = await rig([analyzer('chem-a')]);
    await send(r, 'chem-a', control([glu(99, at(0))], 'CAL-1', { role: 'calibrator', marker: 'HL7 SPM-11 C', lot: LOT }));
    await send(r, 'chem-a', control([glu('>30', at(1))]));
    await send(r, 'chem-a', control([glu(99, at(2), 'mg/dL')]));
    const entries = r.qc.list({ device: 'chem-a', limit: 10 }).entries;
    expect(entries.map((e) => [e.status, e.notJudged])).toEqual([
      ['not-judged', expect.stringMatching(/unit \(mg\/dL\) is not the target's \(mmol\/L\)/)],
      ['not-judged', expect.stringMatching(/text result/)],
      ['not-judged', expect.stringMatching(/calibrator/)],
    ]);
    expect(r.qc.problems()).toEqual([]);
  });

  it('establishes a target from the first N results once, judges later ones by it, and never recomputes it', async () => {
    const device = analyzer('chem-e', { establishFromRuns: 10 });
    const r = await rig([device]);
    const values = [5.4, 5.6, 5.5, 5.3, 5.7, 5.5, 5.6, 5.4, 5.5, 5.5];
    for (const [i, v] of values.entries()) await send(r, 'chem-e', control([glu(v, at(i * 60))], 'LOT-E'));
    // A calibrator in between never counts.
    await send(r, 'chem-e', control([glu(9, at(5))], 'LOT-E', { role: 'calibrator', marker: 'HL7 SPM-11 C' }));
    const [nth] = r.qc.list({ device: 'chem-e', lot: 'LOT-E', limit: 20 }).entries.filter((e) => e.role === 'control');
    expect(nth).toMatchObject({ status: 'not-judged', notJudged: expect.stringMatching(/one of the 10 results/) });
    const mean = values.reduce((a, b) => a + b) / 10;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / 9);
    const target = {
      mean: expect.closeTo(mean, 9),
      sd: expect.closeTo(sd, 9),
      unit: 'mmol/L',
      source: 'established',
      from: { n: 10, first: at(0), last: at(540) },
    };
    const [judged] = await send(r, 'chem-e', control([glu(mean + 3.5 * sd, at(600))], 'LOT-E'));
    expect(judged).toMatchObject({ target, z: expect.closeTo(3.5, 6), status: 'rejected' });
    expect(r.qc.overview().series.find((s) => s.lot === 'LOT-E')).toMatchObject({ target, runs: 12 });

    // After a restart the same target judges; the later results never change it.
    await closeRig(r);
    const again = await rig([device], r.dataDir);
    const [later] = await send(again, 'chem-e', control([glu(mean, at(700))], 'LOT-E'));
    expect(later).toMatchObject({ target, z: expect.closeTo(0, 6) });
  });

  it('shows how far establishing has come while there are fewer than N results', async () => {
    const r = await rig([analyzer('chem-e', { establishFromRuns: 20 })]);
    for (let i = 0; i < 3; i++) await send(r, 'chem-e', control([glu(5.5 + i / 10, at(i * 60))], 'LOT-E'));
    expect(r.qc.list({ device: 'chem-e', limit: 1 }).entries[0]?.notJudged).toBe('establishing the target: 3 of 20 results');
    expect(r.qc.overview().series[0]).toMatchObject({ establishing: { have: 3, need: 20 } });
  });

  it('keeps the log, the rejection and its hold across a restart of the service on the same folder', async () => {
    const devices = [analyzer('chem-a')];
    const r = await rig(devices);
    await send(r, 'chem-a', control([glu(5.5, at(0))]));
    const [out] = await send(r, 'chem-a', control([glu(6.2, at(60))]));
    await closeRig(r);
    const again = await rig(devices, r.dataDir);
    expect(again.qc.list({ device: 'chem-a', limit: 10 }).entries.map((e) => e.status)).toEqual(['rejected', 'accepted']);
    expect(again.qc.problems().map((p) => p.rejection)).toEqual([out!.rejection]);
    expect((await again.intake.accept('chem-a', patient([glu(7.1)]))).holdReasons.map((h) => h.code)).toEqual(['qc-failed']);
    // The run goes on where it was: a result 10 minutes later is of the same run, and the same rejection.
    const [same] = await send(again, 'chem-a', control([glu(6.3, at(70))]));
    expect(same!.rejection).toBe(out!.rejection);
  });

  it('puts a rejection on record before its result is in the log: while the book’s save is pending, nothing is logged', async () => {
    let finish: () => void = () => undefined;
    const saved = new Promise<void>((resolve) => (finish = resolve));
    const adapter: DocumentAdapter<QcBookDoc> = { read: async () => null, write: () => saved, close: async () => undefined };
    const r = await rig([analyzer('chem-a')], undefined, undefined, silentLogger, { adapter });
    const config = r.devices[0]!;
    const report = control([glu(6.2, at(0))]);
    const recorded = r.qc.record(config, report, r.qc.recognise(config, report)!);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.qc.list({ limit: 10 }).entries).toEqual([]);
    finish();
    await recorded;
    expect(r.qc.list({ limit: 10 }).entries.map((e) => e.status)).toEqual(['rejected']);
  });

  it('raises again at start a rejection the log names and the book lost (its last save never reached the disk)', async () => {
    const devices = [analyzer('chem-a')];
    const r = await rig(devices);
    const [out] = await send(r, 'chem-a', control([glu(6.2, at(0))]));
    await closeRig(r);
    // The power went after the engine's commit and before qc.json's save.
    writeFileSync(qcFile(r.dataDir), JSON.stringify(emptyQcBook()));
    const again = await rig(devices, r.dataDir);
    expect(again.qc.problems()).toMatchObject([{ rejection: out!.rejection, device: 'chem-a', test: 'GLU', lot: LOT, rules: ['1-3s'] }]);
    expect((await again.intake.accept('chem-a', patient([glu(7.1)]))).holdReasons.map((h) => h.code)).toEqual(['qc-failed']);
  });

  it('logs an analyzer’s resend of a result once: one +2.3 SD is a warning, never a 2-2s with itself', async () => {
    const r = await rig([analyzer('chem-a')]);
    const report = () => control([glu(5.5 + 2.3 * 0.15, at(0))]);
    const [first] = await send(r, 'chem-a', report());
    const after = await send(r, 'chem-a', report());
    expect(after.map((e) => e.id)).toEqual([first!.id]);
    expect(after[0]!.status).toBe('warning');
    expect(r.qc.problems()).toEqual([]);
  });

  it('starts the rules over by the gateway’s clock: an analyzer clock behind or ahead of it changes nothing', async () => {
    let t = Date.parse('2026-12-06T12:00:00.000Z');
    const now = () => new Date((t += 1000));
    const high = (minutes: number) => control([glu(5.5 + 2.3 * 0.15, at(minutes))]);
    // Behind: results received after the review but stamped before it still count with each other (2-2s).
    const behind = await rig([analyzer('chem-a')], undefined, undefined, silentLogger, { now });
    const [out] = await send(behind, 'chem-a', control([glu(6.2, at(0))]));
    await behind.qc.review(ADMIN, out!.rejection!, { action: 'recalibrated' });
    await send(behind, 'chem-a', high(60));
    const [second] = await send(behind, 'chem-a', high(120));
    expect(second!.rules.map((x) => x.rule)).toContain('2-2s');
    // Ahead: a result received before the review, stamped hours after it, no longer counts.
    const ahead = await rig([analyzer('chem-b')], undefined, undefined, silentLogger, { now });
    await send(ahead, 'chem-b', high(600));
    const [rejected] = await send(ahead, 'chem-b', control([glu(6.2, at(700))]));
    await ahead.qc.review(ADMIN, rejected!.rejection!, { action: 'recalibrated' });
    const [next] = await send(ahead, 'chem-b', high(800));
    expect(next).toMatchObject({ status: 'warning' });
  });

  it('prunes reviewed rejections past the retention and keeps unreviewed ones', async () => {
    const r = await rig([analyzer('chem-a'), analyzer('chem-b')], undefined, { retentionDays: 365 });
    const [a] = await send(r, 'chem-a', control([glu(6.2, at(0))]));
    await send(r, 'chem-b', control([glu(6.2, at(0))]));
    await r.qc.review(ADMIN, a!.rejection!, { action: 'rerun' });
    const later = new Date(Date.now() + 400 * 86_400_000);
    await r.qc.prune(later);
    expect(r.qc.overview().rejections.map((x) => x.device)).toEqual(['chem-b']);
  });
});

describe('QcService: the review, as the lab lead meets it', () => {
  const LOT2 = 'QC-GLU-2';
  const twoLots = () =>
    analyzer('chem-a', {
      lots: [
        { id: LOT, level: '1', targets: TARGETS },
        { id: LOT2, level: '2', targets: { GLU: { mean: 16.5, sd: 0.4, unit: 'mmol/L' } } },
      ],
    });

  it('starts the rules over within a run too: a level run after the review is not paired with one judged before it', async () => {
    let clock = new Date(Date.UTC(2026, 11, 6, 7, 0));
    const r = await rig([twoLots()], undefined, undefined, silentLogger, { now: () => clock });
    // Level 1 at +3.3 SD: 1-3s; reviewed; ten minutes later (one run window) level 2 at +2.3 SD.
    const [first] = await send(r, 'chem-a', control([glu(5.5 + 3.3 * 0.15, at(0))]));
    clock = new Date(clock.getTime() + 60_000);
    await r.qc.review(ADMIN, first!.rejection!, { action: 'recalibrated, control rerun in range' });
    clock = new Date(clock.getTime() + 60_000);
    const entries = await send(r, 'chem-a', control([glu(16.5 + 2.3 * 0.4, at(10))], LOT2));
    const next = entries.find((e) => e.lot === LOT2)!;
    expect(next.rules.map((x) => x.rule)).toEqual(['1-2s']);
    expect(next.status).toBe('warning');
  });

  it('refuses a review whose action is only spaces, and records the action without them', async () => {
    const r = await rig([analyzer('chem-a')]);
    const [out] = await send(r, 'chem-a', control([glu(6.2, at(0))]));
    await expect(r.qc.review(ADMIN, out!.rejection!, { action: '  \t  ' })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/body\/action/),
    });
    expect(r.qc.rejection(out!.rejection!).review).toBeUndefined();
    const view = await r.qc.review(ADMIN, out!.rejection!, { action: '  new reagent lot  ' });
    expect(view.review?.action).toBe('new reagent lot');
  });

  it('refuses to release with a review when more results are held than the reviewer was shown', async () => {
    const r = await rig([analyzer('chem-a')]);
    const [out] = await send(r, 'chem-a', control([glu(6.2, at(0))]));
    const seen = await r.intake.accept('chem-a', patient([glu(7.1)]));
    expect(r.qc.rejection(out!.rejection!).held).toBe(1);
    // Another result arrived while the dialog was open.
    const unseen = await r.intake.accept('chem-a', patient([glu(7.3)], 'MRN1604'));
    await expect(r.qc.review(ADMIN, out!.rejection!, { action: 'rerun', release: true, heldSeen: 1 })).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/2 results are held .* not 1: look again/),
    });
    expect(r.qc.rejection(out!.rejection!).review).toBeUndefined();
    const view = await r.qc.review(ADMIN, out!.rejection!, { action: 'rerun', release: true, heldSeen: 2 });
    expect(view.review?.released).toBe(2);
    for (const s of [seen, unseen]) expect(r.store.data.readings[s.reading.id]?.status).toBe('queued');
  });

  it('marks what a review left held as reviewed: the hold no longer says "not reviewed"', async () => {
    const r = await rig([analyzer('chem-a')]);
    const [out] = await send(r, 'chem-a', control([glu(6.2, at(0))]));
    const held = await r.intake.accept('chem-a', patient([na(140), glu(7.1)]));
    await r.qc.review(ADMIN, out!.rejection!, { action: 'control vial was old' });
    const after = r.store.data.readings[held.reading.id]!;
    expect(after.status).toBe('held');
    expect(after.holdReasons).toEqual([
      {
        kind: 'qc',
        code: 'qc-reviewed',
        text: expect.stringMatching(/^qc failed: GLU on lot QC-GLU-1 \(.*1-3s.*\), reviewed by lablead: release or discard each result$/),
        observations: [1],
      },
    ]);
  });

  it("never judges a patient's sample re-run as a control, even with a target for its test", async () => {
    const r = await rig([analyzer('chem-a', { lots: [{ id: 'patient-replicate', targets: TARGETS }] })]);
    const [entry] = await send(r, 'chem-a', control([glu(9.9, at(0))], 'S-4711', { role: 'control', marker: 'HL7 SPM-11 R', lot: 'patient-replicate' }));
    expect(entry).toMatchObject({ lot: 'patient-replicate', status: 'not-judged', notJudged: expect.stringMatching(/re-run as a control/) });
    expect(r.qc.problems()).toEqual([]);
  });

  it('warns, once an hour and without ids, when only the sample-ID rule took a report naming a patient as a control', async () => {
    const lines: Array<{ level: string; obj: unknown; msg: string }> = [];
    const at_ = (level: string) => (obj: object | string, msg?: string) => lines.push({ level, obj, msg: msg ?? String(obj) });
    const logger: Logger = { error: at_('error'), warn: at_('warn'), info: at_('info'), debug: at_('debug'), child: () => logger };
    const r = await rig([analyzer('chem-a', { sampleIdPattern: '^QC' })], undefined, undefined, logger);
    const named: DeviceReport = { subject: { mrn: 'MRN1603' }, specimen: { id: 'QC-77' }, measurements: [glu(5.5, at(0))], raw: '' };
    await send(r, 'chem-a', named);
    await send(r, 'chem-a', { ...named, measurements: [glu(5.6, at(1))] });
    await send(r, 'chem-a', control([glu(5.5, at(2))]));
    const warns = lines.filter((l) => l.level === 'warn');
    expect(warns).toEqual([
      { level: 'warn', obj: { device: 'chem-a', how: 'sample ID pattern' }, msg: expect.stringMatching(/naming a patient was taken as control material/) },
    ]);
    expect(JSON.stringify(warns)).not.toMatch(/MRN1603|QC-77/);
  });
});

describe('QcService: a result a reviewer kept held', () => {
  it('is held anew when its test fails again, and that failure’s review does not release it', async () => {
    const r = await rig([analyzer('chem-a')]);
    const [out] = await send(r, 'chem-a', control([glu(6.2, at(0))]));
    const kept = await r.intake.accept('chem-a', patient([glu(7.1)]));
    await r.qc.review(ADMIN, out!.rejection!, { action: 'control vial was old; results to be checked one by one' });
    const codes = () => r.store.data.readings[kept.reading.id]!.holdReasons.map((h) => h.code);
    expect(codes()).toEqual(['qc-reviewed']);
    // Two hours later (a new run) glucose fails again.
    const [again] = await send(r, 'chem-a', control([glu(6.3, at(120))]));
    expect(again!.rejection).toBeDefined();
    expect(again!.rejection).not.toBe(out!.rejection);
    // Kept by a person after the first review: not among what the new failure holds.
    expect(r.qc.rejection(again!.rejection!).held).toBe(0);
    // The person confirming saw only the reviewed failure: the new one is shown first.
    await expect(r.intake.release(kept.reading.id, { acceptQcFailure: true })).rejects.toMatchObject({ status: 409 });
    expect(codes()).toEqual(['qc-reviewed', 'qc-failed']);
    // The second failure's review releases what it alone held, not what the first reviewer kept.
    const view = await r.qc.review(ADMIN, again!.rejection!, { action: 'recalibrated', release: true });
    expect(view.review?.released).toBe(0);
    expect(r.store.data.readings[kept.reading.id]?.status).toBe('held');
    expect(codes()).toEqual(['qc-reviewed']);
  });

  it('goes out when lifting a hold leaves nothing to wait for', async () => {
    const r = await rig([analyzer('chem-a')]);
    await send(r, 'chem-a', control([glu(6.2, at(0))]));
    const held = await r.intake.accept('chem-a', patient([glu(7.1)]));
    const left = await r.intake.dropHolds(held.reading.id, (h) => h.kind === 'qc');
    expect(left?.holdReasons).toEqual([]);
    expect(r.store.data.readings[held.reading.id]?.status).toBe('queued');
  });
});

describe('QcService: what a review releases', () => {
  it('never sends a result that arrived while the review was being written: it stays held, marked reviewed', async () => {
    const r = await rig([analyzer('chem-a')]);
    const [out] = await send(r, 'chem-a', control([glu(6.2, at(0))]));
    const seen = await r.intake.accept('chem-a', patient([glu(7.1)]));
    const record = r.audit.record.bind(r.audit);
    let late: string | undefined;
    r.audit.record = async (entry) => {
      // The analyzer sends a glucose while the review's audit entry is on its way to the disk.
      if (entry.action === 'qc-review') late = (await r.intake.accept('chem-a', patient([glu(7.4)], 'MRN1605'))).reading.id;
      return record(entry);
    };
    const view = await r.qc.review(ADMIN, out!.rejection!, { action: 'rerun in range', release: true, heldSeen: 1 });
    expect(view.review?.released).toBe(1);
    expect(r.store.data.readings[seen.reading.id]?.status).toBe('queued');
    expect(late).toBeDefined();
    expect(r.store.data.readings[late!]?.status).toBe('held');
    expect(r.store.data.readings[late!]?.holdReasons.map((h) => h.code)).toEqual(['qc-reviewed']);
  });
});
