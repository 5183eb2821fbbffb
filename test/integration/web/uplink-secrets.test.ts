// Uplink passwords on a running gateway (issue 13, "Uplink secrets"): a password inside an MQTT URL
// is in no answer and no log line, and moving a destination to another host needs the password again.

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { DestinationConfigView } from '../../../src/web/api-types.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function gateway(): Promise<GatewayProcess> {
  const dir = tempDir();
  const gw = await startGatewayProcess(gatewayConfig(dir, 9, []), { dir });
  cleanups.push(() => gw.stop());
  return gw;
}

type Stored = { id: string; url: string; password?: string; topic?: string };
const storedDestination = (gw: GatewayProcess, id: string) =>
  (JSON.parse(readFileSync(gw.configFile, 'utf8')) as { destinations: Stored[] }).destinations.find((d) => d.id === id);

describe('uplink secrets', () => {
  it('a password inside the URL is shown by no API answer and no log line; an edit at the same URL keeps it', async () => {
    const gw = await gateway();
    const secret = 'Url-Secret-7c6b5a';
    const created = await gw.api<{ destination: DestinationConfigView }>('POST', '/api/config/destinations', {
      destination: { id: 'up', type: 'mqtt', url: `mqtt://gw:${secret}@127.0.0.1:9`, topic: 'medgate/{deviceId}' },
    });
    expect(created.status).toBe(201);
    expect(created.body.destination).toMatchObject({ url: 'mqtt://127.0.0.1:9', passwordSet: true });

    const edited = await gw.api<{ destination: DestinationConfigView }>('PUT', '/api/config/destinations/up', {
      destination: { ...created.body.destination, topic: 'clinic/{deviceId}' },
    });
    expect(edited.status).toBe(200);
    expect(storedDestination(gw, 'up')).toMatchObject({ url: `mqtt://gw:${secret}@127.0.0.1:9`, topic: 'clinic/{deviceId}' });

    const answers = await Promise.all(
      ['/api/destinations', '/api/config/destinations', '/api/health', '/api/audit'].map(async (p) => JSON.stringify((await gw.api('GET', p)).body)),
    );
    for (const text of [...answers, JSON.stringify(created.body), JSON.stringify(edited.body)]) expect(text).not.toContain(secret);
    expect(answers[0]).toContain('mqtt://127.0.0.1:9');
    expect(gw.rawLogs.join('\n')).not.toContain(secret);
  });

  it('moving a destination to another host without the password is refused; with it, the new one is stored and the old one gone', async () => {
    const gw = await gateway();
    const secret = 'Field-Secret-3d2c1b';
    const created = await gw.api<{ destination: DestinationConfigView }>('POST', '/api/config/destinations', {
      destination: { id: 'up', type: 'mqtt', url: 'mqtt://127.0.0.1:9', topic: 't/{deviceId}', username: 'gw', password: secret },
    });
    expect(created.status).toBe(201);

    // What an attacker with the admin page (or a slip of the finger) would do: point it elsewhere.
    for (const url of ['mqtt://127.0.0.2:9', 'mqtt://127.0.0.1:1884', 'mqtts://127.0.0.1:9']) {
      const moved = await gw.api<{ message: string }>('PUT', '/api/config/destinations/up', { destination: { ...created.body.destination, url } });
      expect(moved.status, url).toBe(400);
      expect(moved.body.message).toMatch(/enter the password again/);
    }
    expect(storedDestination(gw, 'up')).toMatchObject({ url: 'mqtt://127.0.0.1:9', password: secret });

    const again = await gw.api('PUT', '/api/config/destinations/up', {
      destination: { ...created.body.destination, url: 'mqtt://127.0.0.2:9', password: 'New-Secret-0a9b8c' },
    });
    expect(again.status).toBe(200);
    expect(storedDestination(gw, 'up')).toMatchObject({ url: 'mqtt://127.0.0.2:9', password: 'New-Secret-0a9b8c' });
  });
});
