// The attack through a running gateway: an administrator (or the API token) points a watched-folder
// device at a folder holding a private key; the EKG driver cannot read the key as a document, so it
// landed in the rejected-input journal and `GET /api/rejected` returned it, to staff as well. Now
// the file's contents are never kept (its reason and size are), staff never see raw bytes, and the
// data folder itself cannot be watched.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../support/configs.ts';
import { eventually } from '../../support/eventually.ts';
import { freePort } from '../../support/free-port.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { signIn } from '../../support/sign-in.ts';

const KEY = `-----BEGIN PRIVATE KEY-----\n${'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'.repeat(4)}\n-----END PRIVATE KEY-----\n`;

interface Rejected {
  deviceId: string;
  reason: string;
  bytes?: string;
  size?: number;
  withheld?: boolean;
}

describe('watched folder -> rejected inputs API', () => {
  let gw: GatewayProcess | undefined;
  let dataDir: string;
  let keys: string;

  beforeAll(async () => {
    const dir = tempDir();
    dataDir = join(dir, 'data');
    keys = join(dir, 'keys');
    mkdirSync(keys);
    writeFileSync(join(keys, 'server.key'), KEY, { mode: 0o600 });
    const device = { id: 'ekg-1', driver: 'ekg-aecg', label: 'EKG cart', transport: { type: 'file' as const, path: keys, pollMs: 100 } };
    gw = await startGatewayProcess(gatewayConfig(dir, await freePort(), [device]), { dir, token: 'file-rejects-api-test-token-0123456789' });
  });

  afterAll(async () => {
    await gw?.stop();
  });

  it('keeps the reason and size of a file that is no device document, never its contents', async () => {
    const g = gw!;
    // Refused by the driver, acknowledged, moved away like any file the cart wrote.
    await eventually(() => expect(existsSync(join(keys, 'processed', 'server.key'))).toBe(true), 10_000);
    let rejected: Rejected[] = [];
    await eventually(async () => {
      rejected = (await g.api<{ rejected: Rejected[] }>('GET', '/api/rejected?device=ekg-1')).body.rejected;
      expect(rejected).toHaveLength(1);
    }, 10_000);
    expect(rejected[0]).toMatchObject({ deviceId: 'ekg-1', size: KEY.length, withheld: true });
    const admin = await g.api('GET', '/api/rejected');
    expect(JSON.stringify(admin.body)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(admin.body)).not.toContain('MIIEvQ');
  });

  it('shows staff the reason and size of rejected inputs, not their bytes', async () => {
    const g = gw!;
    expect((await g.api('POST', '/api/users', { name: 'nurse', password: 'another long password', role: 'staff' })).status).toBe(201);
    const nurse = await signIn(g, 'nurse', 'another long password');
    const res = await fetch(`${g.url}/api/rejected`, { headers: { cookie: nurse.cookie } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rejected: Rejected[]; dropped: Record<string, unknown> };
    expect(body.rejected.length).toBeGreaterThan(0);
    for (const r of body.rejected) {
      expect(r).not.toHaveProperty('bytes');
      expect(typeof r.size).toBe('number');
      expect(r.reason.length).toBeGreaterThan(0);
    }
    expect(body.dropped).toEqual({});
  });

  it('refuses a watched folder inside the data folder', async () => {
    const res = await gw!.api<{ message?: string }>('POST', '/api/config/devices', {
      device: { id: 'ekg-2', driver: 'ekg-aecg', label: 'EKG 2', transport: { type: 'file', path: dataDir } },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/inside the data folder/);
  });
});
