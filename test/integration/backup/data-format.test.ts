// The data format through the gateway process: a folder an earlier release wrote (no stamp, state
// version 1, history in day files) starts, loses nothing and is stamped; a folder a newer release
// stamped is refused, with one clear line, the refusal exit code and not a byte written.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_REFUSED } from '../../../src/commands/exit-codes.ts';
import { DATA_FORMAT, FORMAT_FILE, medgateVersion } from '../../../src/store/data-format.ts';
import type { ReadingView } from '../../../src/web/api-types.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { freePort } from '../../support/free-port.ts';
import { CLI, ROOT, startGatewayProcess, tempDir, writeConfig, type GatewayProcess } from '../../support/gateway-process.ts';
import { folderSnapshot } from '../../support/folder-snapshot.ts';
import { WEIGHT, writeLegacyDataDir } from '../../support/legacy-data.ts';

describe('a data folder of a release before format stamps', () => {
  let gw: GatewayProcess;
  let dataDir: string;

  beforeAll(async () => {
    const dir = tempDir();
    dataDir = join(dir, 'data');
    writeLegacyDataDir(
      dataDir,
      [
        { id: 'HELD1', observations: [WEIGHT(70)], holdReasons: ['no patient: the device reported none and is not bound'] },
        { id: 'HELD2', observations: [WEIGHT(900)], holdReasons: ['implausible: Body weight 900 kg outside 0.2–650'], patient: { mrn: 'MRN4711' } },
      ],
      [
        { id: 'OLD1', observations: [WEIGHT(71)], status: 'delivered', holdReasons: [] },
        {
          id: 'OLD2',
          observations: [WEIGHT(900)],
          status: 'discarded',
          holdReasons: ['implausible: Body weight 900 kg outside 0.2–650', 'discarded: leaned on the scale'],
        },
      ],
    );
    gw = await startGatewayProcess(gatewayConfig(dir, await freePort(), []), { dir });
  });

  afterAll(async () => {
    await gw?.stop();
  });

  it('is stamped with this format once it started, and the log says from what', () => {
    expect(JSON.parse(readFileSync(join(dataDir, FORMAT_FILE), 'utf8'))).toEqual({ format: DATA_FORMAT, writtenBy: `medgate ${medgateVersion()}` });
    expect(gw.logs.some((l) => l.msg === `data folder is format ${DATA_FORMAT} now` && l.from === 0)).toBe(true);
  });

  it('keeps every reading it held and its history', async () => {
    const ids = async (status: string) =>
      (await gw.api<{ readings: ReadingView[] }>('GET', `/api/readings?status=${status}&limit=100`)).body.readings.map((r) => r.reading.id).sort();
    expect(await ids('held')).toEqual(['HELD1', 'HELD2']);
    expect(await ids('delivered')).toEqual(['OLD1']);
    expect(await ids('discarded')).toEqual(['OLD2']);
  });
});

describe('a data folder of a newer format', () => {
  it('is refused: exit code 78 (not restarted by systemd), one line naming both versions on stderr, the folder untouched', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    mkdirSync(join(dataDir, 'audit'), { recursive: true });
    writeFileSync(join(dataDir, FORMAT_FILE), JSON.stringify({ format: DATA_FORMAT + 1, writtenBy: 'medgate 7.0.0' }));
    writeFileSync(join(dataDir, 'state.json'), JSON.stringify({ version: 9, seq: 3, somethingNew: {} }));
    writeFileSync(join(dataDir, 'audit', '2026-03-01.jsonl'), '{"at":"2026-03-01T10:00:00.000Z","who":"mary","action":"bind"}\n');
    const before = folderSnapshot(dataDir);
    const config = writeConfig(dir, gatewayConfig(dir, await freePort(), []));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start', '--config', config], {
      cwd: ROOT,
      env: { ...process.env, MEDGATE_API_TOKEN: 'test-token-0123456789abcdef-0123456789', MEDGATE_LOG_PRETTY: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    // A gateway that starts instead of refusing is ended here, and the test fails on its exit code.
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    expect(code).toBe(EXIT_REFUSED);
    const lines = stderr.trim().split('\n');
    expect(lines).toEqual([
      `${dataDir} holds data format ${DATA_FORMAT + 1}, written by medgate 7.0.0; this medgate (${medgateVersion()}) knows formats up to ${DATA_FORMAT}. ` +
        'Nothing was changed. Run medgate 7.0.0 or newer on it, or, to go back to this version, restore a backup taken before the upgrade (medgate restore).',
    ]);
    // The service log (journald) has it too, at error level.
    expect(stdout).toMatch(/"level":50.*holds data format/);
    expect(stdout).not.toMatch(/medgate listening/);
    expect(folderSnapshot(dataDir)).toEqual(before);
  });
});
