// The storage engine, through the gateway process: started on a data folder the previous version
// wrote (the delivered history and the rejected inputs in JSONL day files), it serves the old
// messages and inputs from the engine and keeps the old folders renamed; started on a data file
// that is not LMDB's, it runs on an empty store, keeps the damaged one, and /healthz says so.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { History } from '../../../src/store/history.ts';
import type { RejectedInput } from '../../../src/store/rejects.ts';
import type { HistoryRecord, OutboxMessage } from '../../../src/store/types.ts';
import type { MessageView, ReadingView } from '../../../src/web/api-types.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { freePort } from '../../support/free-port.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { historyRecord } from '../../support/history-records.ts';

const DAY = 86_400_000;

describe('upgrade in place: the history and rejected inputs of the previous version', () => {
  let gw: GatewayProcess;
  let dir: string;
  let dataDir: string;
  let ehrPort: number;
  const old: HistoryRecord[] = [];
  const rejected: RejectedInput[] = [];

  beforeAll(async () => {
    dir = tempDir();
    dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    // The previous version's state document (version 2), with nothing in flight.
    writeFileSync(join(dataDir, 'state.json'), JSON.stringify({ version: 2, seq: 40, bindings: {}, readings: {}, messages: {} }));
    // Forty days of history, two readings a day, one of them sent to two destinations; written by that version's own day-file writer.
    for (let d = 40; d >= 1; d--) {
      const at = new Date(Date.now() - d * DAY).toISOString();
      old.push(historyRecord({ at, id: `OLD${String(d).padStart(3, '0')}A`, deviceId: 'scale-1', mrn: 'MRN4711', destinations: ['ehr', 'archive'] }));
      old.push(historyRecord({ at: new Date(Date.parse(at) + 60_000).toISOString(), id: `OLD${String(d).padStart(3, '0')}B`, deviceId: 'bp-1' }));
    }
    await new History(join(dataDir, 'history')).append(old);
    for (let d = 3; d >= 1; d--)
      rejected.push({
        at: new Date(Date.now() - d * DAY).toISOString(),
        deviceId: d === 2 ? 'bp-1' : 'scale-1',
        reason: 'not a weight line',
        bytes: `garbage ${d}`,
      });
    await new History<RejectedInput>(join(dataDir, 'rejected')).append(rejected);
    ehrPort = await freePort(); // nothing listens: nothing new is delivered meanwhile
    gw = await startGatewayProcess(gatewayConfig(dir, ehrPort, []), { dir });
  });

  afterAll(async () => {
    await gw?.stop();
  });

  it('serves an old message by its id, HL7 text and ACK included', async () => {
    const oldest = old[0]!.messages[1]!;
    const res = await gw.api<{ message: OutboxMessage }>('GET', `/api/messages/${oldest.id}`);
    expect(res.status).toBe(200);
    // Exactly as stored, plus the device and patient of its reading (read from the old reading entry).
    const { deviceId, patient, ...stored } = res.body.message as OutboxMessage & { deviceId?: string; patient?: { mrn: string } };
    expect(stored).toEqual(oldest);
    expect(deviceId).toBe(old[0]!.reading.reading.deviceId);
    expect(patient?.mrn).toBe(old[0]!.reading.patient?.mrn);
  });

  it('lists the old messages newest first, by destination too', async () => {
    const all = (await gw.api<{ messages: MessageView[] }>('GET', '/api/messages?limit=5')).body.messages;
    expect(all.map((m) => m.id)).toEqual(['OLD001B-ehr', 'OLD001A-archive', 'OLD001A-ehr', 'OLD002B-ehr', 'OLD002A-archive']);
    expect(all[0]).toMatchObject({ deviceId: 'bp-1', state: 'delivered' });
    const archive = (await gw.api<{ messages: MessageView[] }>('GET', '/api/messages?destination=archive&state=delivered&limit=100')).body.messages;
    expect(archive).toHaveLength(40);
    const page = (await gw.api<{ messages: MessageView[] }>('GET', `/api/messages?limit=2&before=${encodeURIComponent(all[4]!.createdAt)}`)).body.messages;
    expect(page.map((m) => m.id)).toEqual(['OLD003B-ehr', 'OLD003A-archive']);
  });

  it('lists the old readings by status, device and patient', async () => {
    const delivered = async (q: string) =>
      (await gw.api<{ readings: ReadingView[] }>('GET', `/api/readings?status=delivered&${q}`)).body.readings.map((r) => r.reading.id);
    expect(await delivered('limit=3')).toEqual(['OLD001B', 'OLD001A', 'OLD002B']);
    expect(await delivered('limit=2&device=scale-1')).toEqual(['OLD001A', 'OLD002A']);
    expect(await delivered('limit=100&patient=MRN4711')).toHaveLength(40);
  });

  it('serves the old rejected inputs, per device too', async () => {
    const all = (await gw.api<{ rejected: RejectedInput[] }>('GET', '/api/rejected?limit=10')).body.rejected;
    expect(all).toEqual([...rejected].reverse());
    expect((await gw.api<{ rejected: RejectedInput[] }>('GET', '/api/rejected?device=bp-1')).body.rejected).toEqual([rejected[1]]);
  });

  it('keeps the old folders, renamed, and says so in the log', () => {
    expect(existsSync(join(dataDir, 'history'))).toBe(false);
    expect(readdirSync(join(dataDir, 'history.imported'))).toHaveLength(new Set(old.map((r) => r.at.slice(0, 10))).size);
    expect(readdirSync(join(dataDir, 'rejected.imported'))).toHaveLength(3);
    const imported = gw.logs.filter((l) => l.msg === 'history files imported; the old folder is kept, renamed');
    expect(imported.map((l) => [l.records, l.torn])).toEqual([
      [80, 0],
      [3, 0],
    ]);
  });

  it('imports nothing again at the next start, and still serves the same', async () => {
    await gw.stop();
    // Stopped cleanly: the next start trusts the database without the child-process check.
    expect(existsSync(join(dataDir, 'db', 'clean-shutdown'))).toBe(true);
    gw = await startGatewayProcess(gatewayConfig(dir, ehrPort, []), { dir });
    expect(gw.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('importing'))).toBe(false);
    const all = (await gw.api<{ messages: MessageView[] }>('GET', '/api/messages?limit=1000')).body.messages;
    expect(all).toHaveLength(120);
    expect(new Set(all.map((m) => m.id)).size).toBe(120);
  });
});

describe('a damaged data file', () => {
  let gw: GatewayProcess;
  let dataDir: string;

  beforeAll(async () => {
    const dir = tempDir();
    dataDir = join(dir, 'data');
    mkdirSync(join(dataDir, 'db'), { recursive: true });
    writeFileSync(join(dataDir, 'db', 'data.mdb'), 'garbage\n');
    gw = await startGatewayProcess(gatewayConfig(dir, await freePort(), []), { dir });
  });

  afterAll(async () => {
    await gw?.stop();
  });

  it('starts on an empty store, keeps the damaged one, and reports it on /healthz and in the log', async () => {
    const health = (await (await fetch(`${gw.url}/healthz`)).json()) as { status: string; storage: { damaged?: { movedTo: string; reason: string } } };
    expect(health.status).toBe('degraded');
    expect(health.storage.damaged?.reason).toMatch(/not an LMDB data file/);
    const movedTo = health.storage.damaged!.movedTo;
    expect(movedTo.startsWith(join(dataDir, 'db.damaged-'))).toBe(true);
    expect(readFileSync(join(movedTo, 'data.mdb'), 'utf8')).toBe('garbage\n');
    expect(gw.logs.some((l) => l.level === 50 && l.movedTo === movedTo)).toBe(true);
    expect((await gw.api<{ messages: MessageView[] }>('GET', '/api/messages')).body.messages).toEqual([]);
  });
});
