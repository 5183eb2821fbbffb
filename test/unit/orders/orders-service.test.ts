// The orders service on a real patient directory and a real orders.json: the inbound feed's orders
// dispatched, downloads to an analyzer that accepts, says "not now" or refuses, host queries, results
// closing the loop, and all of it surviving a restart on the same data folder.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../src/audit/journal.ts';
import { parseInbound } from '../../../src/inbound/parse.ts';
import type { DownloadOutcome, WorkOrder } from '../../../src/model/work-order.ts';
import type { OrdersDevice } from '../../../src/orders/dispatch.ts';
import { ordersFile } from '../../../src/orders/order-book.ts';
import { OrdersService } from '../../../src/orders/orders-service.ts';
import { directoryFile, PatientDirectoryStore } from '../../../src/patients/directory.ts';
import type { StoredReading } from '../../../src/store/types.ts';
import { eventually } from '../../support/eventually.ts';
import { hl7, seg } from '../inbound/fixtures.ts';

const MSH = 'MSH|^~\\&|EPIC|CLINIC|MEDGATE|CLINIC|20261206090000||';

function orderMessage(n: string, opts: { control?: string; tests?: string[]; specimen?: string; type?: string; mrn?: string } = {}): string {
  const tests = opts.tests ?? ['2345-7'];
  const mrn = opts.mrn ?? 'MRN1';
  return hl7(
    `${MSH}OML^O21^OML_O21|C${n}-${opts.control ?? 'NW'}-${tests.join('')}-${mrn}-${opts.specimen ?? ''}|P|2.5.1`,
    `PID|1||${mrn}^^^CLINIC^MR||DOE^JANE||19800102|F`,
    seg('ORC', { 1: opts.control ?? 'NW', 2: `PL${n}`, 3: `FL${n}` }),
    ...tests.map((t, i) => seg('OBR', { 1: String(i + 1), 2: `PL${n}`, 3: `FL${n}`, 4: `${t}^^LN` })),
    seg('SPM', { 1: '1', 2: opts.specimen ?? `SP${n}`, 4: opts.type ?? 'SER' }),
  );
}

const chem: OrdersDevice = {
  id: 'chem',
  orders: { mode: 'download' },
  capabilities: { query: false, download: true },
  codeMap: { GLU: { loinc: '2345-7' }, CREA: { loinc: '2160-0' } },
};
const a1c: OrdersDevice = { id: 'a1c', orders: { mode: 'query', tests: { '4548-4': 'A1C' } }, capabilities: { query: true, download: false } };

/** An analyzer end: answers each download as told, and records what it got. */
function analyzer() {
  const a = {
    got: [] as WorkOrder[],
    answer: { outcome: 'accepted' } as DownloadOutcome,
    download: async (_device: string, order: WorkOrder): Promise<DownloadOutcome> => {
      a.got.push(order);
      return a.answer;
    },
  };
  return a;
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'medgate-orders-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(dir: string, end: ReturnType<typeof analyzer>, devices: OrdersDevice[] = [chem, a1c]) {
  const directory = await PatientDirectoryStore.open(directoryFile(dir), { pruneIntervalMs: 0 });
  const audit: AuditRecord[] = [];
  const changes: string[] = [];
  const service = await OrdersService.open({
    dataDir: dir,
    directory,
    devices: () => devices,
    download: end.download,
    audit: { record: async (e) => void audit.push(e) },
    reconcileEveryMs: 0,
    onChange: (key) => changes.push(key),
  });
  let closed = false;
  const stop = async () => {
    if (closed) return;
    closed = true;
    await service.close();
    await directory.close();
  };
  cleanup.push(stop);
  service.start();
  const feed = async (text: string) => {
    const parsed = parseInbound(text);
    if (!parsed.ok) throw new Error(parsed.reason);
    await directory.applyDurably(parsed.event);
    service.inboundApplied(parsed.event);
  };
  return { service, directory, audit, changes, feed, stop };
}

const at = (s: OrdersService, placer: string, device: string) => s.list({ q: placer }).orders[0]?.devices.find((d) => d.device === device);

describe('orders service', () => {
  it('downloads a new order in the analyzer codes, records it sent, and audits it', async () => {
    const end = analyzer();
    const gw = await start(tempDir(), end);
    await gw.feed(orderMessage('1', { tests: ['2345-7', '2160-0', '4548-4'] }));
    await eventually(() => expect(at(gw.service, 'PL1', 'chem')?.state).toBe('sent'));
    expect(end.got.map((o) => [o.action, o.specimenId, o.tests.map((t) => t.code)])).toEqual([['new', 'SP1', ['GLU', 'CREA']]]);
    await eventually(() =>
      expect(gw.audit).toEqual([
        expect.objectContaining({ who: 'system', action: 'order', device: 'chem', patient: { mrn: 'MRN1', assigningAuthority: 'CLINIC' } }),
      ]),
    );
    const view = gw.service.get(gw.service.list({ q: 'PL1' }).orders[0]!.key);
    // The page is told of each change (dispatched, then sent), by key only.
    expect(new Set(gw.changes)).toEqual(new Set([view.key]));
    expect(gw.changes.length).toBeGreaterThanOrEqual(2);
    expect(view.events.map((e) => [e.what, e.device])).toEqual([
      ['received', undefined],
      ['queued', 'chem'],
      ['sent', 'chem'],
    ]);
    expect(at(gw.service, 'PL1', 'a1c')).toMatchObject({ state: 'waiting', tests: ['A1C'] });
  });

  it('sends a change as add and cancel, and a cancellation as cancel', async () => {
    const end = analyzer();
    const gw = await start(tempDir(), end);
    await gw.feed(orderMessage('2', { tests: ['2345-7'] }));
    await eventually(() => expect(at(gw.service, 'PL2', 'chem')?.state).toBe('sent'));
    await gw.feed(orderMessage('2', { control: 'XO', tests: ['2160-0'] }));
    await eventually(() => expect(end.got).toHaveLength(3));
    await gw.feed(orderMessage('2', { control: 'CA', tests: ['2160-0'] }));
    await eventually(() => expect(at(gw.service, 'PL2', 'chem')?.state).toBe('cancelled'));
    expect(end.got.map((o) => `${o.action} ${o.tests.map((t) => t.code).join('+')}`)).toEqual(['new GLU', 'add CREA', 'cancel GLU', 'cancel CREA']);
  });

  it('keeps a download while the analyzer is away, sends it when a session opens, and drops one cancelled before it went', async () => {
    const end = analyzer();
    end.answer = { outcome: 'retry', reason: 'not connected' };
    const gw = await start(tempDir(), end);
    await gw.feed(orderMessage('3'));
    await eventually(() => expect(at(gw.service, 'PL3', 'chem')).toMatchObject({ state: 'waiting', reason: 'not connected', attempts: 1 }));
    await gw.feed(orderMessage('4'));
    await gw.feed(orderMessage('4', { control: 'CA' }));
    expect(at(gw.service, 'PL4', 'chem')?.state).toBe('cancelled');
    end.answer = { outcome: 'accepted' };
    end.got.length = 0;
    gw.service.sessionOpened('chem');
    await eventually(() => expect(at(gw.service, 'PL3', 'chem')?.state).toBe('sent'));
    expect(end.got.map((o) => o.specimenId)).toEqual(['SP3']);
  });

  it("keeps a refused download as rejected with the analyzer's reason, goes on with the next, and sends it again on resend", async () => {
    const end = analyzer();
    end.answer = { outcome: 'rejected', reason: 'test GLU not configured' };
    const gw = await start(tempDir(), end);
    await gw.feed(orderMessage('5'));
    await eventually(() => expect(at(gw.service, 'PL5', 'chem')).toMatchObject({ state: 'rejected', reason: 'test GLU not configured' }));
    expect(gw.service.problems()).toEqual({ rejected: 1, unresulted: 0 });
    end.answer = { outcome: 'accepted' };
    await gw.feed(orderMessage('6'));
    await eventually(() => expect(at(gw.service, 'PL6', 'chem')?.state).toBe('sent'));
    expect(at(gw.service, 'PL5', 'chem')?.state).toBe('rejected');
    const key = gw.service.list({ q: 'PL5' }).orders[0]!.key;
    await expect(gw.service.resend('nurse', key, 'a1c')).rejects.toThrow(/only a rejected download/);
    await gw.service.resend('nurse', key, 'chem');
    await eventually(() => expect(at(gw.service, 'PL5', 'chem')?.state).toBe('sent'));
    expect(end.got.map((o) => o.specimenId)).toEqual(['SP5', 'SP6', 'SP5']);
    // Audited as an order (what the audit filter `order` finds), named by the numbers staff know, never the book's key.
    const resent = gw.audit.filter((e) => e.who === 'nurse');
    expect(resent).toEqual([expect.objectContaining({ action: 'order', device: 'chem', patient: { mrn: 'MRN1', assigningAuthority: 'CLINIC' } })]);
    expect(resent[0]?.reason).toMatch(/^new order placer PL5, filler FL5, specimen SP5, tests GLU: queued again by a person/);
    expect(resent[0]?.reason).not.toContain(key);
    await expect(gw.service.resend('nurse', key, 'chem')).rejects.toThrow(/^the order placer PL5, filler FL5, specimen SP5 is sent at device "chem"/);
  });

  it('answers a host query from the book: work for an ordered specimen, unknown otherwise; records queried', async () => {
    const gw = await start(tempDir(), analyzer());
    await gw.feed(orderMessage('7', { tests: ['4548-4'], type: 'WB' }));
    const worklist = gw.service.worklistFor('a1c')!;
    expect(gw.service.worklistFor('chem')).toBeUndefined();
    const answer = worklist.query(['SP7', 'NOPE']);
    expect(answer.unknown).toEqual(['NOPE']);
    expect(answer.orders.map((o) => [o.action, o.specimenId, o.placer, o.patient.mrn, o.tests.map((t) => t.code)])).toEqual([
      ['new', 'SP7', 'PL7', 'MRN1', ['A1C']],
    ]);
    expect(at(gw.service, 'PL7', 'a1c')?.state).toBe('queried');
    worklist.answered(answer, { sent: true });
    expect(at(gw.service, 'PL7', 'a1c')?.state).toBe('queried');
    // An answer that could not go out in time: the analyzer has nothing and will ask again.
    const again = worklist.query(['SP7']);
    worklist.answered(again, { sent: false, reason: 'no answer possible within 10000 ms' });
    expect(at(gw.service, 'PL7', 'a1c')).toMatchObject({
      state: 'waiting',
      reason: 'the answer to its query did not go out: no answer possible within 10000 ms',
    });
  });

  it('marks the order resulted when a reading is filed under it, and lists it unresulted when none comes in time', async () => {
    let now = new Date('2026-12-06T09:00:00Z');
    const dir = tempDir();
    const directory = await PatientDirectoryStore.open(directoryFile(dir), { pruneIntervalMs: 0 });
    const service = await OrdersService.open({
      dataDir: dir,
      directory,
      devices: () => [{ ...chem, orders: { mode: 'download', unresultedAfterHours: 2 } }],
      download: analyzer().download,
      audit: { record: async () => undefined },
      reconcileEveryMs: 0,
      now: () => now,
    });
    cleanup.push(async () => {
      await service.close();
      await directory.close();
    });
    service.start();
    for (const n of ['8', '9']) {
      const parsed = parseInbound(orderMessage(n));
      if (!parsed.ok) throw new Error(parsed.reason);
      await directory.applyDurably(parsed.event);
      service.inboundApplied(parsed.event);
    }
    await eventually(() => expect(at(service, 'PL9', 'chem')?.state).toBe('sent'));
    const reading = { reading: { id: 'R1', deviceId: 'chem', specimen: { id: 'SP8' } }, patientSource: 'order', status: 'queued' } as unknown as StoredReading;
    service.noteReading(reading);
    now = new Date('2026-12-06T12:00:00Z');
    expect(at(service, 'PL8', 'chem')).toMatchObject({ state: 'resulted', readings: ['R1'] });
    expect(at(service, 'PL9', 'chem')).toMatchObject({ state: 'sent', unresulted: true });
    expect(service.list({ state: 'unresulted' }).orders.map((o) => o.placer)).toEqual(['PL9']);
    expect(service.problems()).toEqual({ rejected: 0, unresulted: 1 });
  });

  it("drops an order from the book when the directory's retention drops it, with its waiting download", async () => {
    const end = analyzer();
    end.answer = { outcome: 'retry', reason: 'not connected' };
    const gw = await start(tempDir(), end);
    await gw.feed(orderMessage('14'));
    await eventually(() => expect(at(gw.service, 'PL14', 'chem')?.attempts).toBe(1));
    expect(gw.service.book.state.queue).toHaveLength(1);
    await gw.directory.prune(new Date(Date.now() + 15 * 24 * 3_600_000));
    gw.service.book.reconcile();
    expect(gw.service.book.state.orders.size).toBe(0);
    expect(gw.service.book.state.queue).toEqual([]);
  });

  it('survives a restart: a download queued while the analyzer was away goes after the restart, what was sent stays sent', async () => {
    const dir = tempDir();
    const end = analyzer();
    const first = await start(dir, end);
    await first.feed(orderMessage('10'));
    await eventually(() => expect(at(first.service, 'PL10', 'chem')?.state).toBe('sent'));
    end.answer = { outcome: 'retry', reason: 'not connected' };
    await first.feed(orderMessage('11'));
    await eventually(() => expect(at(first.service, 'PL11', 'chem')?.attempts).toBe(1));
    await first.stop();

    end.answer = { outcome: 'accepted' };
    end.got.length = 0;
    const second = await start(dir, end);
    second.service.sessionOpened('chem');
    await eventually(() => expect(at(second.service, 'PL11', 'chem')?.state).toBe('sent'));
    expect(end.got.map((o) => o.specimenId)).toEqual(['SP11']);
    expect(at(second.service, 'PL10', 'chem')?.state).toBe('sent');
  });

  it('starts on a data folder of an earlier version (a directory with orders, no orders.json): old orders are taken as dispatched, none is sent', async () => {
    const dir = tempDir();
    const directory = await PatientDirectoryStore.open(directoryFile(dir), { pruneIntervalMs: 0 });
    const parsed = parseInbound(orderMessage('12'));
    if (!parsed.ok) throw new Error(parsed.reason);
    await directory.applyDurably(parsed.event);
    await directory.close();
    expect(existsSync(ordersFile(dir))).toBe(false);

    const end = analyzer();
    const gw = await start(dir, end);
    gw.service.sessionOpened('chem');
    await gw.service.book.save();
    expect(end.got).toEqual([]);
    expect(gw.service.list({ q: 'PL12' }).orders[0]?.devices).toEqual([]);
    expect(JSON.parse(readFileSync(ordersFile(dir), 'utf8'))).toMatchObject({ version: 1, orders: [{ key: 'P|PL12', devices: [] }], queue: [] });
    // A new order after the upgrade goes out as usual.
    await gw.feed(orderMessage('13'));
    await eventually(() => expect(end.got.map((o) => o.specimenId)).toEqual(['SP13']));
  });
});

/** A reading from an analyzer, filed under its order, with the analyzer's codes. */
function result(id: string, device: string, specimen: string, codes: string[], status: StoredReading['status'] = 'queued'): StoredReading {
  const observations = codes.map((code) => ({ code: { local: { system: '99MDG', code } }, value: 1, status: 'F' }));
  return { reading: { id, deviceId: device, specimen: { id: specimen }, observations }, patientSource: 'order', status } as unknown as StoredReading;
}

const line = (o: WorkOrder): string => `${o.action} ${o.specimenId} ${o.patient.mrn} ${o.tests.map((t) => t.code).join('+')}`;

describe('orders service: one tube, changes of tube or patient, and what a query is told', () => {
  it('two orders on one tube: the second goes as add, a query gets both, each result marks its own order', async () => {
    const end = analyzer();
    const both: OrdersDevice = { id: 'q', orders: { mode: 'query' }, capabilities: { query: true, download: false }, codeMap: chem.codeMap };
    const glu: OrdersDevice = { id: 'g', orders: { mode: 'query' }, capabilities: { query: true, download: false }, codeMap: { GLU: { loinc: '2345-7' } } };
    const gw = await start(tempDir(), end, [chem, both, glu]);
    await gw.feed(orderMessage('20', { specimen: 'TUBE', tests: ['2345-7'] }));
    await gw.feed(orderMessage('21', { specimen: 'TUBE', tests: ['2160-0'] }));
    await eventually(() => expect(at(gw.service, 'PL21', 'chem')?.state).toBe('sent'));
    expect(end.got.map(line)).toEqual(['new TUBE MRN1 GLU', 'add TUBE MRN1 CREA']);
    // The newest order on the tube has nothing for `g`: the older one still has.
    expect(gw.service.worklistFor('g')!.query(['TUBE']).orders.map(line)).toEqual(['new TUBE MRN1 GLU']);
    expect(gw.service.worklistFor('q')!.query(['TUBE']).orders.map(line)).toEqual(['new TUBE MRN1 GLU+CREA']);
    expect(at(gw.service, 'PL20', 'q')?.state).toBe('queried');
    expect(at(gw.service, 'PL21', 'q')?.state).toBe('queried');
    gw.service.noteReading(result('R1', 'chem', 'TUBE', ['CREA']));
    expect(at(gw.service, 'PL21', 'chem')?.state).toBe('resulted');
    expect(at(gw.service, 'PL20', 'chem')?.state).toBe('sent');
    gw.service.noteReading(result('R2', 'chem', 'TUBE', ['GLU']));
    expect(at(gw.service, 'PL20', 'chem')).toMatchObject({ state: 'resulted', readings: ['R2'] });
  });

  const moves: Array<[string, string, Parameters<typeof orderMessage>[1], Parameters<typeof orderMessage>[1], string[]]> = [
    [
      'a new specimen ID: cancel on the old tube, then new on the new one',
      '22',
      { specimen: 'OLD' },
      { specimen: 'NEW' },
      ['new OLD MRN1 GLU', 'cancel OLD MRN1 GLU', 'new NEW MRN1 GLU'],
    ],
    [
      'another patient: cancel under the old patient, new under the right one',
      '23',
      { mrn: 'MRNA' },
      { mrn: 'MRNB' },
      ['new SP23 MRNA GLU', 'cancel SP23 MRNA GLU', 'new SP23 MRNB GLU'],
    ],
  ];
  it.each(moves)('an order the analyzer has, moved to %s', async (_name, n, before, after, expected) => {
    const end = analyzer();
    const gw = await start(tempDir(), end, [chem]);
    await gw.feed(orderMessage(n, before));
    await eventually(() => expect(at(gw.service, `PL${n}`, 'chem')?.state).toBe('sent'));
    await gw.feed(orderMessage(n, { control: 'XO', ...after }));
    await eventually(() => expect(end.got).toHaveLength(3));
    expect(end.got.map(line)).toEqual(expected);
    await eventually(() => expect(at(gw.service, `PL${n}`, 'chem')?.state).toBe('sent'));
  });

  it('a download not yet sent when the tube and the patient change goes with the order as it is then', async () => {
    const end = analyzer();
    const gw = await start(tempDir(), end, [chem]);
    end.answer = { outcome: 'retry', reason: 'not connected' };
    await gw.feed(orderMessage('24', { mrn: 'MRNA', specimen: 'T1' }));
    await eventually(() => expect(at(gw.service, 'PL24', 'chem')?.attempts).toBe(1));
    await gw.feed(orderMessage('24', { control: 'XO', mrn: 'MRNB', specimen: 'T2' }));
    end.answer = { outcome: 'accepted' };
    end.got.length = 0;
    gw.service.sessionOpened('chem');
    await eventually(() => expect(at(gw.service, 'PL24', 'chem')?.state).toBe('sent'));
    expect(end.got.map(line)).toEqual(['new T2 MRNB GLU']);
  });

  it('a query device configured after the order came (or at the upgrade) is still told the work', async () => {
    const dir = tempDir();
    const first = await start(dir, analyzer(), []);
    await first.feed(orderMessage('25', { tests: ['4548-4'], type: 'WB' }));
    await first.stop();
    const gw = await start(dir, analyzer(), [a1c]);
    const answer = gw.service.worklistFor('a1c')!.query(['SP25']);
    expect(answer.unknown).toEqual([]);
    expect(answer.orders.map(line)).toEqual(['new SP25 MRN1 A1C']);
    expect(at(gw.service, 'PL25', 'a1c')?.state).toBe('queried');
  });

  it('a download analyzer given orders settings on the page gets the open orders of the last day', async () => {
    const end = analyzer();
    const devices: OrdersDevice[] = [];
    const gw = await start(tempDir(), end, devices);
    await gw.feed(orderMessage('30'));
    expect(at(gw.service, 'PL30', 'chem')).toBeUndefined();
    devices.push(chem);
    gw.service.devicesChanged('chem');
    await eventually(() => expect(at(gw.service, 'PL30', 'chem')?.state).toBe('sent'));
    expect(end.got.map(line)).toEqual(['new SP30 MRN1 GLU']);
    // Again without a change: nothing is sent twice.
    gw.service.devicesChanged('chem');
    await new Promise((r) => setTimeout(r, 50));
    expect(end.got).toHaveLength(1);
  });

  it('mode both: a query answer that gave the tests takes the queued download back, and is audited', async () => {
    const end = analyzer();
    end.answer = { outcome: 'retry', reason: 'busy' };
    const dual: OrdersDevice = { id: 'dual', orders: { mode: 'both' }, capabilities: { query: true, download: true }, codeMap: chem.codeMap };
    const gw = await start(tempDir(), end, [dual]);
    await gw.feed(orderMessage('26'));
    await eventually(() => expect(at(gw.service, 'PL26', 'dual')?.attempts).toBe(1));
    const worklist = gw.service.worklistFor('dual')!;
    worklist.answered(worklist.query(['SP26']), { sent: true });
    end.answer = { outcome: 'accepted' };
    gw.service.sessionOpened('dual');
    await new Promise((r) => setTimeout(r, 100));
    expect(end.got.map(line)).toEqual(['new SP26 MRN1 GLU']);
    expect(gw.service.book.state.queue).toEqual([]);
    expect(at(gw.service, 'PL26', 'dual')?.state).toBe('queried');
    await eventually(() =>
      expect(gw.audit).toEqual([
        expect.objectContaining({
          who: 'system',
          action: 'order',
          device: 'dual',
          reason: expect.stringMatching(/in answer to its query: specimen SP26, tests GLU/),
        }),
      ]),
    );
  });

  it('a held or discarded result does not mark the order resulted; the same reading released does', async () => {
    const gw = await start(tempDir(), analyzer(), [chem]);
    await gw.feed(orderMessage('27'));
    await eventually(() => expect(at(gw.service, 'PL27', 'chem')?.state).toBe('sent'));
    gw.service.noteReading(result('R3', 'chem', 'SP27', ['GLU'], 'held'));
    gw.service.noteReading(result('R3', 'chem', 'SP27', ['GLU'], 'discarded'));
    expect(at(gw.service, 'PL27', 'chem')?.state).toBe('sent');
    gw.service.noteReading(result('R3', 'chem', 'SP27', ['GLU'], 'queued'));
    expect(at(gw.service, 'PL27', 'chem')).toMatchObject({ state: 'resulted', readings: ['R3'] });
  });

  it('a result for some of the ordered tests leaves the order waiting for the rest', async () => {
    const gw = await start(tempDir(), analyzer(), [chem]);
    await gw.feed(orderMessage('34', { tests: ['2345-7', '2160-0'] }));
    await eventually(() => expect(at(gw.service, 'PL34', 'chem')?.state).toBe('sent'));
    gw.service.noteReading(result('R4', 'chem', 'SP34', ['GLU']));
    expect(at(gw.service, 'PL34', 'chem')).toMatchObject({ state: 'sent', readings: ['R4'] });
    gw.service.noteReading(result('R5', 'chem', 'SP34', ['CREA']));
    expect(at(gw.service, 'PL34', 'chem')).toMatchObject({ state: 'resulted', readings: ['R4', 'R5'] });
  });

  it('never gives the job on the wire to a second worker', async () => {
    const end = analyzer();
    let release: (o: DownloadOutcome) => void = () => undefined;
    end.download = (_d, order) => {
      end.got.push(order);
      return new Promise((r) => {
        release = r;
      });
    };
    const gw = await start(tempDir(), end, [chem]);
    await gw.feed(orderMessage('28'));
    await eventually(() => expect(end.got).toHaveLength(1));
    expect(gw.service.book.nextJob('chem')).toBeUndefined();
    release({ outcome: 'accepted' });
    await eventually(() => expect(at(gw.service, 'PL28', 'chem')?.state).toBe('sent'));
  });

  it('one worker per analyzer across a settings flip: a send in flight is not joined by a second one', async () => {
    const end = analyzer();
    const releases: Array<(o: DownloadOutcome) => void> = [];
    end.download = (_d, order) => {
      end.got.push(order);
      return new Promise((r) => releases.push(r));
    };
    const devices: OrdersDevice[] = [chem];
    const gw = await start(tempDir(), end, devices);
    await gw.feed(orderMessage('31'));
    await eventually(() => expect(end.got).toHaveLength(1));
    const first = gw.service.worker('chem');
    devices.length = 0;
    expect(gw.service.worker('chem')).toBeUndefined();
    devices.push(chem);
    expect(gw.service.worker('chem')).toBe(first);
    await gw.feed(orderMessage('32'));
    gw.service.sessionOpened('chem');
    await new Promise((r) => setTimeout(r, 50));
    expect(end.got.map(line)).toEqual(['new SP31 MRN1 GLU']);
    releases[0]!({ outcome: 'accepted' });
    await eventually(() => expect(end.got.map(line)).toEqual(['new SP31 MRN1 GLU', 'new SP32 MRN1 GLU']));
    releases[1]!({ outcome: 'accepted' });
    await eventually(() => expect(at(gw.service, 'PL32', 'chem')?.state).toBe('sent'));
  });

  it('starts on an orders.json without the tube and patient each analyzer was given (as written before they were kept)', async () => {
    const dir = tempDir();
    const end = analyzer();
    const first = await start(dir, end, [chem]);
    await first.feed(orderMessage('33'));
    await eventually(() => expect(at(first.service, 'PL33', 'chem')?.state).toBe('sent'));
    await first.stop();
    const doc = JSON.parse(readFileSync(ordersFile(dir), 'utf8')) as { orders: Array<{ devices: Array<Record<string, unknown>> }> };
    for (const o of doc.orders)
      for (const d of o.devices) {
        expect(d).toMatchObject({ givenSpecimen: 'SP33', givenMrn: 'MRN1' });
        delete d.givenSpecimen;
        delete d.givenMrn;
      }
    writeFileSync(ordersFile(dir), JSON.stringify(doc));
    end.got.length = 0;
    const gw = await start(dir, end, [chem]);
    // Unknown means "as the order says": a change of tests is an add, not a cancel and a new.
    await gw.feed(orderMessage('33', { control: 'XO', tests: ['2345-7', '2160-0'] }));
    await eventually(() => expect(end.got.map(line)).toEqual(['add SP33 MRN1 CREA']));
    await eventually(() => expect(at(gw.service, 'PL33', 'chem')?.state).toBe('sent'));
  });

  it('a periodic reconcile that fails is logged, never thrown from the timer', async () => {
    const dir = tempDir();
    const directory = await PatientDirectoryStore.open(directoryFile(dir), { pruneIntervalMs: 0 });
    let boom = false;
    const errors: unknown[] = [];
    const log = {
      error: (o: unknown) => errors.push(o),
      warn() {},
      info() {},
      debug() {},
      child: () => log,
    } as unknown as import('../../../src/model/logger.ts').Logger;
    const service = await OrdersService.open({
      dataDir: dir,
      directory,
      devices: () => {
        if (boom) throw new Error('settings unreadable');
        return [chem];
      },
      download: analyzer().download,
      audit: { record: async () => undefined },
      reconcileEveryMs: 20,
      log,
    });
    cleanup.push(async () => {
      await service.close();
      await directory.close();
    });
    service.start();
    boom = true;
    const parsed = parseInbound(orderMessage('29'));
    if (!parsed.ok) throw new Error(parsed.reason);
    await directory.applyDurably(parsed.event);
    await eventually(() => expect(errors[0]).toEqual(expect.objectContaining({ err: expect.objectContaining({ message: 'settings unreadable' }) })));
  });
});

const adt = (mrn: string) => hl7(`${MSH}ADT^A04|ADT-${mrn}|P|2.5.1`, 'EVN|A04|20261206090000', `PID|1||${mrn}^^^CLINIC^MR||DOE^JANE||19800102|F`);

describe('orders service: what an order tells staff (issue 15 exploratory test)', () => {
  it('an order for a patient not in the directory says so from receipt, and a result held for it says why, with the reading', async () => {
    const dir = tempDir();
    let gw = await start(dir, analyzer(), [chem]);
    await gw.feed(adt('MRN1'));
    await gw.feed(orderMessage('40', { mrn: 'NOPE9' }));
    await gw.feed(orderMessage('41'));
    await eventually(() => expect(at(gw.service, 'PL40', 'chem')?.state).toBe('sent'));
    expect(gw.service.list({ q: 'PL40' }).orders[0]?.patientNotInDirectory).toBe(true);
    expect(gw.service.list({ q: 'PL41' }).orders[0]?.patientNotInDirectory).toBeUndefined();
    const held = {
      ...result('R40', 'chem', 'SP40', ['GLU'], 'held'),
      patientSource: undefined,
      holdReasons: [{ kind: 'patient', code: 'unknown-patient-id', text: "unknown patient ID: the order's patient is not in the directory" }],
    } as StoredReading;
    gw.service.noteReading(held);
    gw.service.noteReading(held);
    expect(at(gw.service, 'PL40', 'chem')).toMatchObject({
      state: 'sent',
      held: [{ reading: 'R40', reason: "unknown patient ID: the order's patient is not in the directory" }],
    });
    const key = gw.service.list({ q: 'PL40' }).orders[0]!.key;
    expect(gw.service.get(key).events.filter((e) => e.what === 'held')).toHaveLength(1);
    // Kept in orders.json across a restart (a book written before has no `held`: none known).
    await gw.stop();
    gw = await start(dir, analyzer(), [chem]);
    expect(at(gw.service, 'PL40', 'chem')?.held).toEqual([{ reading: 'R40', reason: "unknown patient ID: the order's patient is not in the directory" }]);
    // A monitor's held reading naming the same specimen is none of the order's.
    gw.service.noteReading({ ...held, reading: { ...held.reading, id: 'R41', deviceId: 'monitor' } });
    expect(at(gw.service, 'PL40', 'chem')?.held).toHaveLength(1);
    // Discarded by a person: no longer held.
    gw.service.noteReading({ ...held, reading: { ...held.reading, id: 'R39' } });
    expect(at(gw.service, 'PL40', 'chem')?.held).toHaveLength(2);
    gw.service.noteReading({ ...held, reading: { ...held.reading, id: 'R39' }, status: 'discarded' });
    expect(at(gw.service, 'PL40', 'chem')?.held?.map((x) => x.reading)).toEqual(['R40']);
    // Released by a person and filed under the order: resulted, no longer held.
    gw.service.noteReading(result('R40', 'chem', 'SP40', ['GLU']));
    expect(at(gw.service, 'PL40', 'chem')).toMatchObject({ state: 'resulted', readings: ['R40'] });
    expect(at(gw.service, 'PL40', 'chem')?.held).toBeUndefined();
    // The ADT comes: the order no longer warns.
    await gw.feed(adt('NOPE9'));
    expect(gw.service.list({ q: 'PL40' }).orders[0]?.patientNotInDirectory).toBeUndefined();
  });

  it('a cancel after an analyzer sent results leaves that line resulted, with an event, and sends it no cancel', async () => {
    const end = analyzer();
    const uro: OrdersDevice = {
      id: 'uro',
      orders: { mode: 'download' },
      capabilities: { query: false, download: true },
      codeMap: { CREA: { loinc: '2160-0' } },
    };
    const gw = await start(tempDir(), end, [chem, uro]);
    await gw.feed(orderMessage('42', { tests: ['2345-7', '2160-0'] }));
    await eventually(() => expect(at(gw.service, 'PL42', 'uro')?.state).toBe('sent'));
    await eventually(() => expect(at(gw.service, 'PL42', 'chem')?.state).toBe('sent'));
    gw.service.noteReading(result('R42', 'chem', 'SP42', ['GLU']));
    end.got.length = 0;
    await gw.feed(orderMessage('42', { control: 'CA', tests: ['2345-7', '2160-0'] }));
    await eventually(() => expect(at(gw.service, 'PL42', 'uro')?.state).toBe('cancelled'));
    // Partly resulted (CREA still to come): the tube was run, its GLU went out.
    expect(at(gw.service, 'PL42', 'chem')).toMatchObject({ state: 'resulted', readings: ['R42'], tests: ['GLU', 'CREA'] });
    expect(end.got.map(line)).toEqual(['cancel SP42 MRN1 CREA']);
    const view = gw.service.get(gw.service.list({ q: 'PL42' }).orders[0]!.key);
    expect(view.events.filter((e) => e.device === 'chem').map((e) => `${e.what}: ${e.detail}`)).toEqual([
      'queued: new GLU, CREA',
      'sent: new GLU, CREA',
      'resulted: reading R42; still to come: CREA',
      'cancelled: cancelled by the EHR after results were sent',
    ]);
    // Queued, then done: the two cancel events of uro say which is which.
    expect(view.events.filter((e) => e.device === 'uro').map((e) => `${e.what}: ${e.detail}`)).toEqual([
      'queued: new CREA',
      'sent: new CREA',
      'queued: cancel CREA',
      'cancelled: cancel CREA',
    ]);
    expect(view.state).toBe('resulted');
  });

  it('a cancel keeps the reason an analyzer never had the order', async () => {
    const gw = await start(tempDir(), analyzer(), [chem, a1c]);
    await gw.feed(orderMessage('43'));
    await eventually(() => expect(at(gw.service, 'PL43', 'chem')?.state).toBe('sent'));
    const why = at(gw.service, 'PL43', 'a1c')?.reason;
    expect(why).toMatch(/none of the ordered tests/);
    await gw.feed(orderMessage('43', { control: 'CA' }));
    await eventually(() => expect(at(gw.service, 'PL43', 'chem')?.state).toBe('cancelled'));
    expect(at(gw.service, 'PL43', 'a1c')).toMatchObject({ state: 'not-sent', reason: why });
  });

  it('an analyzer added or changed by a technician is never told as a change by the EHR', async () => {
    const devices: OrdersDevice[] = [chem];
    const gw = await start(tempDir(), analyzer(), devices);
    await gw.feed(orderMessage('44', { tests: ['4548-4'], type: 'WB' }));
    const key = gw.service.list({ q: 'PL44' }).orders[0]!.key;
    devices.push(a1c);
    gw.service.devicesChanged('a1c');
    expect(at(gw.service, 'PL44', 'a1c')?.state).toBe('waiting');
    devices[1] = { ...a1c, orders: { mode: 'query', tests: { '4548-4': ['A1C', 'A1CX'] } } };
    gw.service.devicesChanged('a1c');
    expect(at(gw.service, 'PL44', 'a1c')?.tests).toEqual(['A1C', 'A1CX']);
    const events = gw.service.get(key).events;
    expect(events.map((e) => e.what)).not.toContain('changed');
    expect(events.filter((e) => e.what === 'device-changed').map((e) => `${e.device}: ${e.detail}`)).toEqual([
      'a1c: set up to take orders',
      'a1c: its settings changed',
    ]);
    // A change by the EHR still is one.
    await gw.feed(orderMessage('44', { control: 'XO', tests: ['4548-4', '2345-7'], type: 'WB' }));
    expect(gw.service.get(key).events.map((e) => e.what)).toContain('changed');
  });

  it('names the ordered tests no analyzer does on the specimen type, and is never received after its last change', async () => {
    const gw = await start(tempDir(), analyzer(), [chem, a1c]);
    await gw.feed(orderMessage('45', { tests: ['2345-7', '4548-4', '99999-9'], type: 'UR' }));
    const view = gw.service.list({ q: 'PL45' }).orders[0]!;
    // chem takes any specimen type (none configured); a1c does 4548-4, but takes no specimen type list either.
    expect(view.notDone).toEqual([{ code: '99999-9', reason: 'no analyzer does this test on UR' }]);
    expect(view.receivedAt <= view.updatedAt).toBe(true);
  });
});

describe('orders service: one tube, two patients; new or add by what the analyzer holds (issue 15 final review)', () => {
  const glu: OrdersDevice = { id: 'q', orders: { mode: 'query' }, capabilities: { query: true, download: false }, codeMap: chem.codeMap };
  const view = (s: OrdersService, placer: string) => s.list({ q: placer }).orders[0];
  const CONFLICT = 'specimen TUBE is also ordered for another patient: check the orders';

  it("never merges two patients' orders on one tube: the query is told nothing, the analyzer's copy is taken back, both warn", async () => {
    const end = analyzer();
    const gw = await start(tempDir(), end, [chem, glu]);
    await gw.feed(orderMessage('60', { mrn: 'MRNA', specimen: 'TUBE', tests: ['2345-7'] }));
    await eventually(() => expect(at(gw.service, 'PL60', 'chem')?.state).toBe('sent'));
    await gw.feed(orderMessage('61', { mrn: 'MRNB', specimen: 'TUBE', tests: ['2160-0'] }));
    await eventually(() => expect(at(gw.service, 'PL60', 'chem')?.state).toBe('cancelled'));
    expect(end.got.map(line)).toEqual(['new TUBE MRNA GLU', 'cancel TUBE MRNA GLU']);
    expect(at(gw.service, 'PL60', 'chem')?.reason).toBe(CONFLICT);
    expect(at(gw.service, 'PL61', 'chem')).toMatchObject({ state: 'not-sent', reason: CONFLICT });
    expect(at(gw.service, 'PL61', 'q')).toMatchObject({ state: 'not-sent', reason: CONFLICT });
    expect(gw.service.worklistFor('q')!.query(['TUBE'])).toEqual({ orders: [], unknown: ['TUBE'] });
    expect(view(gw.service, 'PL60')?.specimenConflict).toBe('TUBE');
    expect(view(gw.service, 'PL61')?.specimenConflict).toBe('TUBE');
    // The EHR cancels the wrong one: the other goes to the analyzer again, and no longer warns.
    await gw.feed(orderMessage('61', { control: 'CA', mrn: 'MRNB', specimen: 'TUBE', tests: ['2160-0'] }));
    await eventually(() => expect(at(gw.service, 'PL60', 'chem')?.state).toBe('sent'));
    expect(end.got.map(line).slice(2)).toEqual(['new TUBE MRNA GLU']);
    expect(view(gw.service, 'PL60')?.specimenConflict).toBeUndefined();
    expect(gw.service.worklistFor('q')!.query(['TUBE']).orders.map(line)).toEqual(['new TUBE MRNA GLU']);
  });

  it('drops a download still queued when another patient is ordered on its tube', async () => {
    const end = analyzer();
    end.answer = { outcome: 'retry', reason: 'not connected' };
    const gw = await start(tempDir(), end, [chem]);
    await gw.feed(orderMessage('62', { mrn: 'MRNA', specimen: 'TUBE' }));
    await eventually(() => expect(at(gw.service, 'PL62', 'chem')?.attempts).toBe(1));
    await gw.feed(orderMessage('63', { mrn: 'MRNB', specimen: 'TUBE', tests: ['2160-0'] }));
    expect(gw.service.book.state.queue).toEqual([]);
    expect(at(gw.service, 'PL62', 'chem')).toMatchObject({ state: 'not-sent', reason: CONFLICT });
    end.answer = { outcome: 'accepted' };
    end.got.length = 0;
    gw.service.sessionOpened('chem');
    await new Promise((r) => setTimeout(r, 50));
    expect(end.got).toEqual([]);
  });

  it('sends new, not add, when the order that was to create the sample was cancelled or refused before it went', async () => {
    const end = analyzer();
    end.answer = { outcome: 'retry', reason: 'not connected' };
    const gw = await start(tempDir(), end, [chem]);
    await gw.feed(orderMessage('64', { specimen: 'T4', tests: ['2345-7'] }));
    await gw.feed(orderMessage('65', { specimen: 'T4', tests: ['2160-0'] }));
    await gw.feed(orderMessage('64', { control: 'CA', specimen: 'T4', tests: ['2345-7'] }));
    end.answer = { outcome: 'accepted' };
    end.got.length = 0;
    gw.service.sessionOpened('chem');
    await eventually(() => expect(at(gw.service, 'PL65', 'chem')?.state).toBe('sent'));
    expect(end.got.map(line)).toEqual(['new T4 MRN1 CREA']);
    // The analyzer holds T4 now: a third order on it goes as add.
    await gw.feed(orderMessage('66', { specimen: 'T4', tests: ['2345-7'] }));
    await eventually(() => expect(at(gw.service, 'PL66', 'chem')?.state).toBe('sent'));
    expect(end.got.map(line).slice(1)).toEqual(['add T4 MRN1 GLU']);
  });

  it('sends new when the first order on the tube, queued before it, was refused (a dead letter)', async () => {
    const end = analyzer();
    end.answer = { outcome: 'retry', reason: 'not connected' };
    const answers: DownloadOutcome[] = [];
    end.download = async (_d, order) => {
      end.got.push(order);
      return answers.shift() ?? end.answer;
    };
    const gw = await start(tempDir(), end, [chem]);
    await gw.feed(orderMessage('67', { specimen: 'T5', tests: ['2345-7'] }));
    await eventually(() => expect(at(gw.service, 'PL67', 'chem')?.attempts).toBe(1));
    await gw.feed(orderMessage('68', { specimen: 'T5', tests: ['2160-0'] }));
    answers.push({ outcome: 'rejected', reason: 'unknown test' });
    end.answer = { outcome: 'accepted' };
    end.got.length = 0;
    gw.service.sessionOpened('chem');
    await eventually(() => expect(at(gw.service, 'PL68', 'chem')?.state).toBe('sent'));
    expect(at(gw.service, 'PL67', 'chem')?.state).toBe('rejected');
    expect(end.got.map(line)).toEqual(['new T5 MRN1 GLU', 'new T5 MRN1 CREA']);
  });

  it('a test two orders on the tube share still goes when the order that was to send it is cancelled or refused first', async () => {
    const end = analyzer();
    end.answer = { outcome: 'retry', reason: 'not connected' };
    // Once connected, it refuses T7's first order only.
    end.download = async (_d, order) => {
      end.got.push(order);
      if (end.answer.outcome === 'retry') return end.answer;
      return order.placer === 'PL73' ? { outcome: 'rejected', reason: 'unknown test' } : end.answer;
    };
    const gw = await start(tempDir(), end, [chem]);
    await gw.feed(orderMessage('71', { specimen: 'T6', tests: ['2345-7'] }));
    await eventually(() => expect(at(gw.service, 'PL71', 'chem')?.attempts).toBe(1));
    await gw.feed(orderMessage('72', { specimen: 'T6', tests: ['2345-7', '2160-0'] }));
    await gw.feed(orderMessage('71', { control: 'CA', specimen: 'T6', tests: ['2345-7'] }));
    await gw.feed(orderMessage('73', { specimen: 'T7', tests: ['2345-7'] }));
    await gw.feed(orderMessage('74', { specimen: 'T7', tests: ['2345-7', '2160-0'] }));
    end.answer = { outcome: 'accepted' };
    end.got.length = 0;
    gw.service.sessionOpened('chem');
    await eventually(() => expect(at(gw.service, 'PL74', 'chem')?.state).toBe('sent'));
    await eventually(() => expect(at(gw.service, 'PL72', 'chem')?.state).toBe('sent'));
    expect(end.got.map(line)).toEqual(['new T6 MRN1 GLU+CREA', 'new T7 MRN1 GLU', 'new T7 MRN1 GLU+CREA']);
    expect(at(gw.service, 'PL73', 'chem')?.state).toBe('rejected');
  });

  it('a held result noted on an order cancelled since is taken off it once a person settles it', async () => {
    const gw = await start(tempDir(), analyzer(), [chem]);
    await gw.feed(orderMessage('69'));
    await eventually(() => expect(at(gw.service, 'PL69', 'chem')?.state).toBe('sent'));
    const held = {
      ...result('R69', 'chem', 'SP69', ['GLU'], 'held'),
      holdReasons: [{ kind: 'patient', code: 'unknown-patient-id', text: 'to check' }],
    } as StoredReading;
    gw.service.noteReading(held);
    expect(at(gw.service, 'PL69', 'chem')?.held).toHaveLength(1);
    await gw.feed(orderMessage('69', { control: 'CA' }));
    await eventually(() => expect(at(gw.service, 'PL69', 'chem')?.state).toBe('cancelled'));
    // Still listed after the cancel, and taken off by the discard.
    expect(at(gw.service, 'PL69', 'chem')?.held).toHaveLength(1);
    gw.service.noteReading({ ...held, status: 'discarded' });
    expect(at(gw.service, 'PL69', 'chem')?.held).toBeUndefined();
    // Cancelled first, then the analyzer reports for the tube anyway: held, noted on it, settled the same way.
    const late = { ...held, reading: { ...held.reading, id: 'R69b' } } as StoredReading;
    gw.service.noteReading(late);
    expect(at(gw.service, 'PL69', 'chem')?.held?.map((x) => x.reading)).toEqual(['R69b']);
    gw.service.noteReading({ ...late, status: 'discarded' });
    expect(at(gw.service, 'PL69', 'chem')?.held).toBeUndefined();
  });

  it('a result released by a person for the patient of the open order on its tube marks that order resulted; for another patient, not', async () => {
    const gw = await start(tempDir(), analyzer(), [chem]);
    await gw.feed(orderMessage('70', { mrn: 'MRNA' }));
    await eventually(() => expect(at(gw.service, 'PL70', 'chem')?.state).toBe('sent'));
    const released = (id: string, mrn: string) => ({ ...result(id, 'chem', 'SP70', ['GLU']), patientSource: 'assigned', patient: { mrn } }) as StoredReading;
    gw.service.noteReading(released('R70', 'MRNB'));
    expect(at(gw.service, 'PL70', 'chem')?.state).toBe('sent');
    gw.service.noteReading(released('R71', 'MRNA'));
    expect(at(gw.service, 'PL70', 'chem')).toMatchObject({ state: 'resulted', readings: ['R71'] });
  });
});
