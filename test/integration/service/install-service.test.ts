// `medgate install-service` as an installer runs it: the unit it writes passes `systemd-analyze
// verify`, it needs no root with --output, and it refuses what the service could not run with.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { CLI, ROOT } from '../../support/gateway-process.ts';
import { missingTools } from './tools.ts';
import { NODE_FLAGS } from '../../../src/node-flags.ts';

const SYSTEMD_ANALYZE = missingTools(['systemd-analyze']).length === 0;

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const medgate = (...args: string[]) => run(process.execPath, ['--import', 'tsx', CLI, ...args]);

// Not under the system's temporary folder: the service gets a private /tmp, and the command refuses
// data there. The repository's tmp/ is ignored by git; a checkout that is itself under /tmp (a CI
// clone) uses /var/lib, and the unit then names an entry point there (--entry).
const CHECKOUT_IN_TMP = /^\/(?:var\/)?tmp\//.test(`${ROOT}/`);
const folders: string[] = [];
function installFolder(): string {
  const base = CHECKOUT_IN_TMP ? '/var/lib' : join(ROOT, 'tmp');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, 'medgate-service-test-'));
  folders.push(dir);
  return dir;
}
/** The entry point the unit runs: this checkout's, or a stand-in outside /tmp. */
function entryIn(dir: string): string {
  if (!CHECKOUT_IN_TMP) return join(ROOT, 'bin', 'medgate.js');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'bin', 'medgate.js'), '');
  return join(dir, 'bin', 'medgate.js');
}
const entryArgs = (entry: string) => (CHECKOUT_IN_TMP ? ['--entry', entry] : []);
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function writeConfigIn(dir: string, config: Config): string {
  mkdirSync(join(dir, 'etc'), { recursive: true });
  const file = join(dir, 'etc', 'medgate.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

describe('medgate install-service', () => {
  // Skipped only off CI on a machine without systemd; on CI a missing systemd-analyze fails the test.
  it.skipIf(!SYSTEMD_ANALYZE && process.env.CI !== 'true')('writes a unit that systemd-analyze verify accepts, and prints the next steps', async () => {
    expect(SYSTEMD_ANALYZE, 'systemd-analyze is installed (apt-get install systemd)').toBe(true);
    const dir = installFolder();
    const config = writeConfigIn(dir, {
      ...gatewayConfig(dir, 2575, [{ id: 'ekg', driver: 'ekg-aecg', label: 'EKG cart', transport: { type: 'file', path: '/srv/medgate-test-ekg-export' } }]),
      dataDir: '../data',
    });
    const unitFile = join(dir, 'medgate.service');
    const entry = entryIn(dir);
    const r = await medgate('install-service', '--config', config, '--output', unitFile, '--watchdog-sec', '20', ...entryArgs(entry));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const unit = readFileSync(unitFile, 'utf8');
    expect(unit).toContain(`\nExecStart=${process.execPath} ${NODE_FLAGS.join(' ')} ${entry} start --config ${config}\n`);
    expect(unit).toContain(`\nReadWritePaths=${join(dir, 'etc')} ${join(dir, 'data')}\n`);
    expect(unit).toContain('\nReadWritePaths=-/srv/medgate-test-ekg-export\n');
    expect(unit).toContain('\nWatchdogSec=20s\n');
    expect(r.stdout).toMatch(/useradd --system .*--groups dialout .*medgate/);
    expect(r.stdout).toContain(`install -d -o medgate -g medgate -m 0700 ${join(dir, 'data')}`);
    expect(r.stdout).toContain('systemctl enable --now medgate.service');

    const verify = await run('systemd-analyze', ['verify', unitFile]);
    expect(verify.stderr, 'systemd-analyze verify says nothing about the unit').toBe('');
    expect(verify.code).toBe(0);
  });

  it('prints the unit with --print and writes nothing', async () => {
    const dir = installFolder();
    const config = writeConfigIn(dir, gatewayConfig(dir, 2575, []));
    const r = await medgate('install-service', '--config', config, '--print', '--user', 'gateway', ...entryArgs(entryIn(dir)));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# Written by `medgate install-service`/);
    expect(r.stdout).toContain('\nUser=gateway\n');
    expect(r.stderr).toContain('systemctl enable --now medgate.service');
    expect(existsSync(join(dir, 'medgate.service'))).toBe(false);
  });

  it('refuses a relative or missing configuration, and one the service could not reach', async () => {
    const relative = await medgate('install-service', '--config', 'config/medgate.json', '--print');
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain('--config must be an absolute path');

    const dir = installFolder();
    const missing = await medgate('install-service', '--config', join(dir, 'nowhere.json'), '--print');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nowhere\.json.*ENOENT/s);

    const tmp = mkdtempSync('/tmp/medgate-service-');
    folders.push(tmp);
    const inTmp = await medgate('install-service', '--config', writeConfigIn(tmp, gatewayConfig(tmp, 2575, [])), '--print');
    expect(inTmp.code).toBe(1);
    expect(inTmp.stderr).toMatch(/data folder "\/tmp\/medgate-service-\w+\/data" is under \/tmp/);
    expect(inTmp.stdout).toBe('');
  });

  it('refuses a configuration that does not pass check-config', async () => {
    const dir = installFolder();
    const config = writeConfigIn(dir, { ...gatewayConfig(dir, 2575, []), web: { port: -1 } } as Config);
    const r = await medgate('install-service', '--config', config, '--output', join(dir, 'medgate.service'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/web\.port/);
    expect(existsSync(join(dir, 'medgate.service'))).toBe(false);
  });
});
