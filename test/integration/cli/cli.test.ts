// The command line as a technician uses it: check-config, simulate, and start's first-run token.

import { spawn } from 'node:child_process';
import { statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, tempDir } from '../../support/gateway-process.ts';
import { openPtyPair } from '../../support/pty.ts';
import { openDeviceEnd } from '../../support/serial-device.ts';
import { EXIT_REFUSED } from '../../../src/commands/exit-codes.ts';

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('medgate CLI', () => {
  it('check-config accepts the demo and example configs', async () => {
    for (const file of ['config/demo.json', 'config/medgate.example.json']) {
      const r = await run(['check-config', file]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('OK');
    }
  });

  it('check-config prints every problem with its JSON path and exits 1', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        dataDir: './data',
        web: { port: 8080 },
        devices: [{ id: 'scale-1', driver: 'ad-scal', transport: { type: 'serial', path: '/dev/ttyUSB0', baudRate: -1 } }],
        destinations: [{ id: 'ehr', type: 'mllp', host: '127.0.0.1' }],
      }),
    );
    const r = await run(['check-config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/devices\[0\]\.transport\.baudRate/);
    expect(r.stderr).toMatch(/destinations\[0\]/);
    expect(r.stderr).toMatch(/port/);
  });

  it('check-config reports a file that is not JSON, with the line', async () => {
    const dir = tempDir();
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{\n  "dataDir": "x",\n}\n');
    const r = await run(['check-config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not valid JSON: line 2, column 17: a comma before "}"/);
  });

  it('simulate speaks the wire format onto a serial path', async () => {
    const pty = await openPtyPair();
    const end = await openDeviceEnd(pty.a, 2400);
    try {
      const r = await run(['simulate', 'ad-scale', '--serial', pty.b, '--count', '2', '--interval', '50', '--seed', '1']);
      expect(r.code).toBe(0);
      expect(end.received()).toMatch(/ST,(GS|NT),[+-][0-9. ]{7}(kg|lb)\r\n/);
    } finally {
      await end.close();
      await pty.close();
    }
  });

  it('rejects unknown commands and drivers with usage', async () => {
    const r = await run(['simulate', 'toaster', '--serial', '/dev/null']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no simulator for "toaster"/);
  });

  it('start refuses a configuration that does not validate with its own exit code (the service does not restart it)', async () => {
    const dir = tempDir();
    const file = join(dir, 'cfg.json');
    writeFileSync(
      file,
      JSON.stringify({
        dataDir: './data',
        web: { port: 0 },
        devices: [{ id: 'x', driver: 'toaster', transport: { type: 'serial', path: '/dev/null' } }],
        destinations: [],
      }),
    );
    const r = await run(['start', '--config', file]);
    expect(r.code).toBe(EXIT_REFUSED);
    expect(r.stderr).toMatch(/devices\[0\]\.driver/);
  });

  it('start exits 1 on a configuration it cannot read (it may be readable at the next try: the service restarts it)', async () => {
    const r = await run(['start', '--config', join(tempDir(), 'not-mounted-yet', 'medgate.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ENOENT/);
  });

  it('start creates an API token file with mode 0600 when none is given', async () => {
    const dir = tempDir();
    const file = join(dir, 'cfg.json');
    writeFileSync(file, JSON.stringify({ dataDir: './data', web: { port: 0 }, devices: [], destinations: [] }));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start', '--config', file], {
      cwd: ROOT,
      env: { ...process.env, MEDGATE_API_TOKEN: '', MEDGATE_LOG_PRETTY: '0' },
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        out += s;
        if (out.includes('medgate listening')) resolve();
      });
      child.on('exit', () => reject(new Error(`exited early: ${out}`)));
    });
    const tokenFile = join(dir, 'data', 'api-token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(tokenFile, 'utf8').trim().length).toBeGreaterThanOrEqual(16);
    expect(out).toContain(tokenFile);
    expect(out).not.toContain(readFileSync(tokenFile, 'utf8').trim());
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  });
});
