// The package as a clinic installs it: `npm pack` (which builds dist/), installed into an empty folder
// with `npm install --omit=dev`, run as `medgate` with plain node. No TypeScript compiler, no bundler,
// no child process; the page served from its built files; the inbound HL7 parser (bundled, only its
// used parts) reads an ADT; a reading reaches the EHR under that patient.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAdt } from '../../support/adt-sender.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { freePort } from '../../support/free-port.ts';
import { ROOT, startGatewayProcess, tempDir, writeConfig, type GatewayProcess } from '../../support/gateway-process.ts';
import { a04 } from '../../unit/inbound/fixtures.ts';

const run = promisify(execFile);
const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 16 * 1024 * 1024, timeout: 300_000 });

describe('the packed package, installed without dev dependencies', () => {
  let install: string;
  let medgate: string;
  let ehr: EhrStandin;
  let gw: GatewayProcess | undefined;

  beforeAll(async () => {
    const packs = tempDir('medgate-pack-');
    const { stdout } = await npm(['pack', '--pack-destination', packs], ROOT);
    const tarball = join(packs, stdout.trim().split('\n').pop()!);
    install = tempDir('medgate-install-');
    await npm(['install', '--omit=dev', '--prefer-offline', tarball], install);
    medgate = join(install, 'node_modules', '.bin', 'medgate');
    ehr = await startEhrStandin();
  }, 360_000);

  afterAll(async () => {
    await gw?.stop();
    await ehr?.stop();
  });

  it('holds the compiled gateway and its page, and neither sources nor build tools', () => {
    const pkg = join(install, 'node_modules', 'medgate');
    expect(existsSync(join(pkg, 'dist', 'cli.js'))).toBe(true);
    expect(readdirSync(join(pkg, 'dist', 'page')).sort()).toEqual(['app.css', 'app.js', 'index.html']);
    expect(existsSync(join(pkg, 'src'))).toBe(false);
    for (const tool of ['typescript', 'tsx', 'esbuild', 'vitest', 'node-hl7-client']) expect(existsSync(join(install, 'node_modules', tool)), tool).toBe(false);
  });

  it('checks a configuration', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, gatewayConfig(dir, 1, []));
    const { stdout } = await run(medgate, ['check-config', file], {
      env: { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}` },
    });
    expect(stdout.trim()).toBe(`${file}: OK`);
  });

  it('starts, serves its page, reads the EHR feed and forwards a reading under that patient', async () => {
    const dir = tempDir();
    const [inboundPort, scalePort] = [await freePort(), await freePort()];
    gw = await startGatewayProcess(
      gatewayConfig(
        dir,
        ehr.port,
        [{ id: 'scale-1', driver: 'ad-scale', transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port: scalePort }, settings: { mode: 'print' } }],
        {
          inbound: { mllp: { host: '127.0.0.1', port: inboundPort } },
        },
      ),
      { dir, bin: medgate },
    );
    const pid = gw.process.pid!;
    expect(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()).toBe('');

    const page = await fetch(`${gw.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('app.js');
    expect((await fetch(`${gw.url}/app.js`)).status).toBe(200);

    await gw.waitForLog((l) => l.msg === 'inbound HL7 listener (ADT and orders) listening', 60_000);
    const [ack] = await sendAdt(inboundPort, [a04('ADT0002', 'MRN2002', 'V6002')], 'split');
    expect(ack?.code).toBe('AA');
    const found = await gw.api<{ patients: unknown[] }>('GET', '/api/patients/search?q=MRN2002');
    expect(found.body.patients).toMatchObject([{ patient: { mrn: 'MRN2002', family: 'Müller', given: 'José' } }]);

    expect((await gw.api('PUT', '/api/devices/scale-1/patient', { mrn: 'MRN2002', family: 'Müller', given: 'José' })).status).toBe(200);
    const scale = net.connect({ port: scalePort, host: '127.0.0.1' });
    await new Promise((r) => scale.once('connect', r));
    scale.write('ST,GS,+0070.50kg\r\n');
    const [oru] = await ehr.waitFor(1, 60_000);
    scale.destroy();
    expect(oru!.text).toContain('\rPID|||MRN2002^^^CLINIC_A^MR||Müller^José^');
    expect(oru!.text).toMatch(/\rOBX\|2\|NM\|188736\^MDC_MASS_BODY_ACTUAL[^\r]*\|70\.50\|263875\^MDC_DIM_KILO_G/);
  });
});
