// The attack: a gateway started by a service manager with the common umask 022 left its data folder
// 0755 and every file 0644, so any local user of a shared clinic PC could read the history (names,
// results), the rejected inputs, users.json (password hashes) and the API token. Started on an
// earlier version's folder, it must also tighten what that version left behind.

import { chmodSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { History } from '../../../src/store/history.ts';
import type { RejectedInput } from '../../../src/store/rejects.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { freePort } from '../../support/free-port.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';

function walk(dir: string, out: Array<{ path: string; mode: number; kind: 'folder' | 'file' }> = []) {
  out.push({ path: dir, mode: lstatSync(dir).mode & 0o777, kind: 'folder' });
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) walk(path, out);
    else if (e.isFile()) out.push({ path, mode: lstatSync(path).mode & 0o777, kind: 'file' });
  }
  return out;
}

describe('data folder modes under umask 022', () => {
  let gw: GatewayProcess | undefined;
  let dataDir: string;
  let umaskBefore: number;

  beforeAll(async () => {
    // The child inherits the umask of the process that starts it, as under a service manager.
    umaskBefore = process.umask(0o022);
    const dir = tempDir();
    dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true, mode: 0o755 });
    // What an earlier version left: world-readable day files and a users file.
    await new History<RejectedInput>(join(dataDir, 'rejected')).append([
      { at: new Date(Date.now() - 86_400_000).toISOString(), deviceId: 'scale-1', reason: 'not a weight line', bytes: 'ST,GS,+00083.40kg' },
    ]);
    writeFileSync(join(dataDir, 'users.json'), '{"version":1,"users":[]}', { mode: 0o644 });
    mkdirSync(join(dataDir, 'audit'), { mode: 0o755 });
    writeFileSync(join(dataDir, 'audit', '2025-01-01.jsonl'), '', { mode: 0o644 });
    chmodSync(dataDir, 0o755);
    expect(walk(dataDir).some((e) => (e.mode & 0o044) !== 0)).toBe(true);
    gw = await startGatewayProcess(gatewayConfig(dir, await freePort(), []), { dir, token: 'data-folder-modes-test-token-0123456789' });
    // Something written after the start, too: a user signs in for the first time (users.json, sessions, audit).
    expect((await gw.api('GET', '/api/devices')).status).toBe(200);
  });

  afterAll(async () => {
    await gw?.stop();
    process.umask(umaskBefore);
  });

  it('makes the folder and every folder in it 0700 and every file 0600, old and new', async () => {
    const entries = walk(dataDir);
    expect(entries.some((e) => e.path.endsWith('.mdb'))).toBe(true); // the storage engine's files are among them
    const open = entries
      .filter((e) => e.mode !== (e.kind === 'folder' ? 0o700 : 0o600))
      .map((e) => `${e.path.slice(dataDir.length) || '/'} ${e.mode.toString(8)}`);
    expect(open).toEqual([]);
  });
});
