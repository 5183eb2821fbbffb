// Backups of a running gateway while readings keep arriving (MQTT, acknowledged by PUBACK once
// stored) and messages keep being delivered and archived; then the gateway stops, each archive is
// restored into a new folder and a gateway started there. Everything acknowledged before the backup
// began is there, once: no reading both in the outbox and in the history, nothing damaged. One
// backup is the command as a person runs it; the other is taken with a second's pause between the
// state read and the database copy, so that much happens in between and has to be matched.

import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { list } from 'tar';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { takeBackup } from '../../../src/backup/take-backup.ts';
import type { Config } from '../../../src/config/schema.ts';
import type { MessageView, ReadingView } from '../../../src/web/api-types.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { freePort } from '../../support/free-port.ts';
import { CLI, ROOT, startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';

const USER = { username: 'bp-bridge', password: 'bridge-secret-1' };
const TOPIC = 'clinic/vitals/bp1/reading';
const FILE_TOKEN = 'token-in-the-data-folder-0123456789';
/** Reading n is measured at T0 + n seconds: its observation time tells which message it was. */
const T0 = Date.parse('2026-03-01T08:00:00.000Z');

/** Every fourth comes without a patient and is held, never archived: a reading stored after the state
 * was read and archived before the database was copied then has a held one stored before it. */
const isHeld = (n: number): boolean => n % 4 === 0;

const vitals = (n: number): string =>
  JSON.stringify({
    device: 'SN-20431',
    id: `msg-${n}`,
    time: new Date(T0 + n * 1000).toISOString(),
    ...(isHeld(n) ? {} : { patient: { mrn: 'MRN4711', family: 'Example', given: 'Alice' } }),
    measurements: [
      { type: 'bp.systolic', value: 120, unit: 'mmHg' },
      { type: 'bp.diastolic', value: 80, unit: 'mmHg' },
    ],
  });

const numberOf = (r: ReadingView): number => (Date.parse(r.reading.observedAt) - T0) / 1000;

function medgate(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

async function entriesOf(archive: string): Promise<string[]> {
  const paths: string[] = [];
  await list({ file: archive, onReadEntry: (e) => paths.push(e.path) });
  return paths;
}

function brokerUrl(config: Config): string {
  const embedded = config.mqtt && 'embedded' in config.mqtt ? config.mqtt.embedded : undefined;
  return `mqtt://127.0.0.1:${embedded!.port}`;
}

async function publish(config: Config, n: number): Promise<void> {
  const device = await connectAsync(brokerUrl(config), { protocolVersion: 4, clientId: `bp-bridge-${n}`, ...USER });
  await device.publishAsync(TOPIC, vitals(n), { qos: 1 });
  await device.endAsync();
}

describe('backups of a running gateway, restored and started elsewhere', () => {
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  let config: Config;
  let dir: string;
  /** Readings acknowledged (PUBACK) before the backups began: 1..ackedBefore. */
  let ackedBefore = 0;
  let ackedInAll = 0;
  /** Control IDs the EHR had acknowledged before the backups began. */
  let deliveredBefore: string[] = [];
  let restored: GatewayProcess | undefined;

  beforeAll(async () => {
    ehr = await startEhrStandin();
    dir = tempDir();
    config = gatewayConfig(
      dir,
      ehr.port,
      [{ id: 'bp-mqtt', driver: 'mqtt-json', label: 'BP bridge', transport: { type: 'mqtt', topic: 'clinic/vitals/+/reading' } }],
      {
        mqtt: { embedded: { host: '127.0.0.1', port: await freePort(), users: [{ ...USER, publish: ['clinic/vitals/+/reading'] }] } },
      },
    );
    gw = await startGatewayProcess(config, { dir });
    await eventually(async () => {
      const devices = await gw.api<{ devices: Array<{ link: { state: string } }> }>('GET', '/api/devices');
      expect(devices.body.devices[0]!.link.state).toBe('connected');
    }, 15_000);
    // The gateway here takes its token from the environment; this file stands for one it created.
    writeFileSync(join(dir, 'data', 'api-token'), `${FILE_TOKEN}\n`, { mode: 0o600 });

    const device = await connectAsync(brokerUrl(config), { protocolVersion: 4, clientId: 'bp-bridge', ...USER });
    let acked = 0;
    let publishing = true;
    const publisher = (async () => {
      // One at a time, QoS 1: publishAsync resolves on the PUBACK, which the gateway sends once the reading is stored.
      for (let n = 1; publishing; n++) {
        await device.publishAsync(TOPIC, vitals(n), { qos: 1 });
        acked = n;
        // Some 100 a second at most: the lists below read up to 1000.
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await eventually(() => expect(acked >= 30 && ehr.messages.length >= 10).toBe(true), 30_000);

    ackedBefore = acked;
    deliveredBefore = ehr.messages.map((m) => m.controlId);
    const [cli] = await Promise.all([
      medgate(['backup', '--config', gw.configFile, '--to', join(dir, 'backup.tar.gz')]),
      takeBackup({ configFile: gw.configFile, to: join(dir, 'paused.tar.gz'), withToken: true, afterStateRead: () => new Promise((r) => setTimeout(r, 1000)) }),
    ]);
    expect(cli.stderr).toContain('the archive holds patient data');
    expect(cli.code).toBe(0);
    publishing = false;
    await publisher;
    ackedInAll = acked;
    await device.endAsync();
    await gw.stop();
    // No EHR for the restored gateways: what they hold stays where the backup put it, to be counted.
    await ehr.stop();
  }, 120_000);

  afterEach(async () => {
    await restored?.stop();
    restored = undefined;
  });

  afterAll(async () => {
    await gw?.stop();
    await ehr?.stop();
  });

  async function restore(archive: string): Promise<{ gw: GatewayProcess; dataDir: string }> {
    const target = tempDir();
    const r = await medgate(['restore', '--from', join(dir, archive), '--config', join(target, 'medgate.json'), '--data-dir', join(target, 'data')]);
    expect(r.stderr).toContain('restored the data folder');
    expect(r.code).toBe(0);
    restored = await startGatewayProcess(config, { dir: target, keepConfigFile: true });
    return { gw: restored, dataDir: join(target, 'data') };
  }

  async function readings(g: GatewayProcess): Promise<{ inFlight: ReadingView[]; delivered: ReadingView[] }> {
    const list = async (status: string) => {
      const res = await g.api<{ readings: ReadingView[] }>('GET', `/api/readings?status=${status}&limit=1000`);
      expect(res.body.readings.length).toBeLessThan(1000);
      return res.body.readings;
    };
    return { inFlight: [...(await list('queued')), ...(await list('held')), ...(await list('dead'))], delivered: await list('delivered') };
  }

  /** What any restored backup must hold; returns the readings' numbers. */
  async function expectConsistent(g: GatewayProcess): Promise<number[]> {
    const { inFlight, delivered } = await readings(g);
    expect(inFlight.filter((r) => (r.status === 'held') !== isHeld(numberOf(r))).map(numberOf)).toEqual([]);
    const live = new Set(inFlight.map((r) => r.reading.id));
    expect(delivered.filter((r) => live.has(r.reading.id)).map((r) => r.reading.id)).toEqual([]);
    const numbers = [...inFlight, ...delivered].map(numberOf).sort((a, b) => a - b);
    expect(new Set(numbers).size).toBe(numbers.length);
    // Every reading acknowledged before the backup began, and no reading stored after one that is missing.
    expect(numbers.length).toBeGreaterThanOrEqual(ackedBefore);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));

    const messages = (await g.api<{ messages: MessageView[] }>('GET', '/api/messages?limit=1000')).body.messages;
    expect(messages.length).toBeLessThan(1000);
    const ids = new Set(messages.map((m) => m.controlId));
    expect(deliveredBefore.filter((id) => !ids.has(id))).toEqual([]);
    expect(ids.size).toBe(messages.length);

    const health = (await (await fetch(`${g.url}/healthz`)).json()) as { status: string; storage: Record<string, unknown> };
    expect(health.status).toBe('ok');
    expect(health.storage).toEqual({});
    const complaints = g.logs.filter((l) => (l.level ?? 0) >= 40 && /damaged|aside|cut short|dropped/i.test(String(l.msg)));
    expect(complaints).toEqual([]);
    return numbers;
  }

  it('the command: everything acknowledged before it began, once, nothing damaged, and no API token', { timeout: 90_000 }, async () => {
    expect(await entriesOf(join(dir, 'backup.tar.gz'))).not.toContain('data/api-token');
    const { gw: g, dataDir } = await restore('backup.tar.gz');
    await expectConsistent(g);
    expect(() => readFileSync(join(dataDir, 'api-token'))).toThrow(/ENOENT/);
  });

  it('with much happening between its two reads: the same, and a resend of a reading it does not hold is stored', { timeout: 90_000 }, async () => {
    expect(await entriesOf(join(dir, 'paused.tar.gz'))).toContain('data/api-token');
    const { gw: g, dataDir } = await restore('paused.tar.gz');
    expect(readFileSync(join(dataDir, 'api-token'), 'utf8')).toBe(`${FILE_TOKEN}\n`);
    const numbers = await expectConsistent(g);
    // The device had its PUBACK for the next one; the original gateway remembered it during the pause.
    const next = numbers.length + 1;
    expect(next).toBeLessThanOrEqual(ackedInAll);
    await publish(config, next);
    const after = (await readings(g)).inFlight.map(numberOf);
    expect(after).toContain(next);
    // A resend of one it does hold is still recognised: acknowledged, not stored twice.
    await publish(config, 1);
    const all = await readings(g);
    expect([...all.inFlight, ...all.delivered].map(numberOf).filter((n) => n === 1)).toHaveLength(1);
  });
});
