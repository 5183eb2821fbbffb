// GET /api/readings and GET /api/messages through the gateway process: filters, the search `q`,
// paging with `before`, the patient on each message, on a data folder whose history an earlier
// version wrote (index layout 1) plus readings a real serial scale sends now.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../../src/store/engine.ts';
import type { MessagesPage, ReadingsPage } from '../../../src/web/api-types.ts';
import { ALICE, gatewayConfig, serialDevice } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { historyRecord } from '../../support/history-records.ts';
import { writeLegacyHistory } from '../../support/legacy-history.ts';
import { openPtyPair, type PtyPair } from '../../support/pty.ts';
import { openDeviceEnd, type SerialDeviceEnd } from '../../support/serial-device.ts';

const OLD = 25;

let ehr: EhrStandin;
let gw: GatewayProcess;
let pty: PtyPair;
let scale: SerialDeviceEnd;

beforeAll(async () => {
  ehr = await startEhrStandin();
  pty = await openPtyPair();
  const dir = tempDir();
  // What the earlier version archived yesterday (inside retention): readings of a cuff no longer configured, for Dana Old.
  const engine = openEngine(`${dir}/data`);
  await writeLegacyHistory(
    engine,
    Array.from({ length: OLD }, (_, i) => {
      const r = historyRecord({
        id: `OLD${String(i).padStart(3, '0')}`,
        at: new Date(Date.now() - 86_400_000 + i * 60_000).toISOString(),
        deviceId: 'cuff-old',
        mrn: 'MRN9001',
      });
      r.reading.patient = { mrn: 'MRN9001', family: 'Old', given: 'Dana' };
      r.messages[0]!.seq = i + 1;
      return r;
    }),
  );
  await engine.close();
  gw = await startGatewayProcess(gatewayConfig(dir, ehr.port, [serialDevice('scale-1', 'ad-scale', pty.a, { mode: 'print' })]), { dir });
  expect((await gw.api('PUT', '/api/devices/scale-1/patient', { ...ALICE, minutes: 60 })).status).toBe(200);
  scale = await openDeviceEnd(pty.b, 2400);
  await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'scale-1', 10_000);
  for (let i = 0; i < 12; i++) await scale.write(`ST,GS,+0070.${String(i).padStart(2, '0')}kg\r\n`);
  await ehr.waitFor(12, 20_000);
  await eventually(
    async () => expect((await gw.api<ReadingsPage>('GET', '/api/readings?status=delivered&device=scale-1&limit=100')).body.readings).toHaveLength(12),
    20_000,
  );
}, 60_000);

afterAll(async () => {
  await scale?.close();
  await gw?.stop();
  await ehr?.stop();
  await pty?.close();
});

async function pages<T extends { more: boolean; next?: string }>(path: string, items: (p: T) => string[]): Promise<string[][]> {
  const out: string[][] = [];
  let before: string | undefined;
  for (let i = 0; i < 20; i++) {
    const res = await gw.api<T>('GET', `${path}${before ? `&before=${encodeURIComponent(before)}` : ''}`);
    expect(res.status).toBe(200);
    out.push(items(res.body));
    if (!res.body.more) return out;
    before = res.body.next;
  }
  throw new Error('paging did not end');
}

describe('GET /api/readings and /api/messages', () => {
  it('pages the delivered readings of an earlier version by device, newest first, each once', async () => {
    const got = await pages<ReadingsPage>('/api/readings?status=delivered&device=cuff-old&limit=10', (p) => p.readings.map((r) => r.reading.id));
    expect(got.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(got.flat()[0]).toBe('OLD024');
    expect(new Set(got.flat()).size).toBe(OLD);
  });

  it('is listening before the index upgrade of the old messages ends: it runs in the background, once', async () => {
    await gw.waitForLog((l) => l.msg === 'history indexes upgraded', 20_000);
    const listening = gw.logs.findIndex((l) => typeof l.msg === 'string' && l.msg.startsWith('medgate listening on'));
    const upgraded = gw.logs.findIndex((l) => l.msg === 'history indexes upgraded');
    expect(listening).toBeGreaterThanOrEqual(0);
    expect(upgraded).toBeGreaterThan(listening);
    expect(gw.logs[upgraded]).toMatchObject({ messages: OLD, layout: 2 });
  });

  it('lists messages by device and patient, the old ones included after the index upgrade, each with its patient and reading', async () => {
    const old = await pages<MessagesPage>('/api/messages?device=cuff-old&limit=10', (p) => p.messages.map((m) => m.id));
    expect(new Set(old.flat()).size).toBe(OLD);
    const byPatient = (await gw.api<MessagesPage>('GET', '/api/messages?patient=MRN9001&limit=3')).body;
    expect(byPatient.messages.map((m) => [m.readingId, m.patient])).toEqual([
      ['OLD024', { mrn: 'MRN9001', family: 'Old', given: 'Dana' }],
      ['OLD023', { mrn: 'MRN9001', family: 'Old', given: 'Dana' }],
      ['OLD022', { mrn: 'MRN9001', family: 'Old', given: 'Dana' }],
    ]);
    const scaleMessages = (await gw.api<MessagesPage>('GET', '/api/messages?device=scale-1&limit=100')).body.messages;
    expect(scaleMessages).toHaveLength(12);
    expect(scaleMessages.every((m) => m.patient?.family === ALICE.family && m.deviceId === 'scale-1')).toBe(true);
  });

  it('finds a reading and its message by control ID, by reading id, by MRN and by name', async () => {
    const newest = (await gw.api<ReadingsPage>('GET', '/api/readings?status=delivered&device=scale-1&limit=1')).body.readings[0]!;
    const controlId = newest.messages[0]!.controlId;
    const byControlId = (await gw.api<ReadingsPage>('GET', `/api/readings?status=delivered&q=${controlId}`)).body;
    expect([byControlId.match, byControlId.readings.map((r) => r.reading.id)]).toEqual(['control-id', [newest.reading.id]]);
    const message = (await gw.api<MessagesPage>('GET', `/api/messages?q=${newest.reading.id}`)).body;
    expect([message.match, message.messages.map((m) => m.controlId)]).toEqual(['reading', [controlId]]);
    const byMrn = (await gw.api<ReadingsPage>('GET', `/api/readings?status=delivered&q=${ALICE.mrn}&limit=100`)).body;
    expect([byMrn.match, byMrn.readings.length]).toEqual(['mrn', 12]);
    const byName = (await gw.api<MessagesPage>('GET', `/api/messages?q=${encodeURIComponent('dana old')}&limit=100`)).body;
    expect([byName.match, byName.messages.length]).toEqual(['name', OLD]);
    // One message in full carries its reading's device and patient too.
    const detail = (await gw.api<{ message: { deviceId?: string; patient?: { family?: string } } }>('GET', `/api/messages/${controlId}`)).body.message;
    expect([detail.deviceId, detail.patient?.family]).toEqual(['scale-1', ALICE.family]);
  });

  it('pages from a row of a page, that row included, by its place (archivedAt) and its id followed by U+0000', async () => {
    const page = (await gw.api<ReadingsPage>('GET', '/api/readings?status=delivered&device=cuff-old&limit=3')).body.readings;
    const row = page[1]!;
    expect(row.archivedAt).toBeDefined();
    const from = encodeURIComponent(`${row.archivedAt}~${row.reading.id}\u0000`);
    const again = (await gw.api<ReadingsPage>('GET', `/api/readings?status=delivered&device=cuff-old&limit=2&before=${from}`)).body.readings;
    expect(again.map((r) => r.reading.id)).toEqual([row.reading.id, page[2]!.reading.id]);
  });

  it('refuses queries its schema does not allow', async () => {
    expect((await gw.api('GET', '/api/messages?state=lost')).status).toBe(400);
    expect((await gw.api('GET', '/api/readings?limit=0')).status).toBe(400);
    expect((await gw.api('GET', `/api/readings?q=${'x'.repeat(101)}`)).status).toBe(400);
  });
});
