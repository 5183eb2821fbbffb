import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drivers } from '../../../drivers/index.ts';
import { ConfigChangeRefused, ConfigFile, relativeProblems } from '../../../src/config/config-file.ts';
import type { Config } from '../../../src/config/schema.ts';
import { keepSecrets, redactDestination } from '../../../src/config/secrets.ts';
import { driverCatalog } from '../../../src/devices/driver-catalog.ts';

const catalog = driverCatalog(drivers);

function doc(): Config {
  return {
    dataDir: 'data',
    web: { port: 0 },
    devices: [{ id: 'scale-1', driver: 'ad-scale', transport: { type: 'tcp', mode: 'connect', host: '127.0.0.1', port: 47001 } }],
    destinations: [{ id: 'ehr', type: 'mllp', host: '127.0.0.1', port: 2575 }],
  };
}

describe('ConfigFile', () => {
  it('writes a valid change to the file, keeps the relative dataDir, and applies it after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'medgate.json');
    writeFileSync(file, JSON.stringify(doc()));
    const cf = new ConfigFile(file, doc(), catalog);
    const applied: Config[] = [];
    await cf.update(
      (d) => void d.devices.push({ id: 'scale-2', driver: 'ad-scale', transport: { type: 'serial', path: '/dev/ttyUSB0' } }),
      async (next) => void applied.push(next),
    );
    const onDisk = JSON.parse(readFileSync(file, 'utf8')) as Config;
    expect(onDisk.devices.map((d) => d.id)).toEqual(['scale-1', 'scale-2']);
    expect(onDisk.dataDir).toBe('data');
    expect(applied[0]?.dataDir).toBe(join(dir, 'data'));
    expect(cf.document.devices).toHaveLength(2);
  });

  it('refuses an invalid change with every problem, and leaves file and document as they were', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'medgate.json');
    const before = JSON.stringify(doc());
    writeFileSync(file, before);
    const cf = new ConfigFile(file, doc(), catalog);
    let applied = false;
    const change = cf.update(
      (d) => void d.devices.push({ id: 'scale-1', driver: 'ad-scale', transport: { type: 'serial', path: '' }, settings: { mode: 'sometimes' } }),
      async () => void (applied = true),
    );
    await expect(change).rejects.toBeInstanceOf(ConfigChangeRefused);
    const problems = await change.catch((e: ConfigChangeRefused) => e.problems);
    expect(problems).toEqual(expect.arrayContaining([{ path: 'devices[1].transport.path', message: 'must not be empty' }]));
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(applied).toBe(false);
    expect(cf.document.devices).toHaveLength(1);
    // The next change still works: a refusal does not jam the queue.
    await cf.update(
      (d) => void (d.devices[0]!.label = 'Scale'),
      async () => undefined,
    );
    expect(cf.document.devices[0]?.label).toBe('Scale');
  });

  it('names the allowed values of an enum instead of "Expected union value"', async () => {
    const cf = new ConfigFile(undefined, doc(), catalog);
    const err = await cf
      .update(
        (d) => void (d.devices[0]!.settings = { mode: 'sometimes' }),
        async () => undefined,
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigChangeRefused);
    const problems = (err as ConfigChangeRefused).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('devices[0].settings.mode');
    expect(problems[0]?.message).toMatch(/^must be one of "stream"/);
  });

  it('refuses a page edit with the words check-config uses: the field, never the password', async () => {
    const cf = new ConfigFile(undefined, doc(), catalog);
    const err = await cf
      .update(
        (d) => {
          d.mqtt = { embedded: { port: 0, users: [{ username: 'cart', password: 'secret7' }] } };
          d.destinations.push({ id: 'up', type: undefined } as never);
        },
        async () => undefined,
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigChangeRefused);
    expect((err as ConfigChangeRefused).problems).toEqual([
      { path: 'destinations[1].type', message: 'is missing: one of mllp, mqtt' },
      { path: 'mqtt.embedded.users[0].password', message: 'needs at least 8 characters' },
    ]);
    expect((err as ConfigChangeRefused).message).not.toContain('secret7');
  });

  // What POST /api/config/devices does with a body nested thousands deep: a refusal (400), not a RangeError (500).
  it('refuses a device nested thousands deep with where, not a stack overflow', async () => {
    const cf = new ConfigFile(undefined, doc(), catalog);
    const deep = JSON.parse(`${'['.repeat(5000)}${']'.repeat(5000)}`) as unknown;
    const err = await cf
      .update(
        (d) => void d.devices.push({ id: 'g', driver: 'generic-line', transport: { type: 'serial', path: '/dev/y' }, settings: { extra: deep } }),
        async () => undefined,
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigChangeRefused);
    expect((err as ConfigChangeRefused).problems).toEqual([
      { path: 'devices[1].settings.extra', message: 'nested too deeply here: no setting lies more than 32 levels down' },
    ]);
  });

  it('runs changes one at a time, so concurrent edits both land', async () => {
    const cf = new ConfigFile(undefined, doc(), catalog);
    await Promise.all([
      cf.update(
        (d) => void d.devices.push({ id: 'a', driver: 'ad-scale', transport: { type: 'serial', path: '/dev/a' } }),
        async () => undefined,
      ),
      cf.update(
        (d) => void d.devices.push({ id: 'b', driver: 'ad-scale', transport: { type: 'serial', path: '/dev/b' } }),
        async () => undefined,
      ),
    ]);
    expect(cf.document.devices.map((d) => d.id)).toEqual(['scale-1', 'a', 'b']);
  });
});

describe('relativeProblems', () => {
  it('strips the edited item prefix and leaves other paths whole', () => {
    expect(
      relativeProblems(
        [
          { path: 'devices[2].transport.path', message: 'x' },
          { path: 'devices[2]', message: 'y' },
          { path: 'devices[20].id', message: 'z' },
        ],
        'devices[2]',
      ),
    ).toEqual([
      { path: 'transport.path', message: 'x' },
      { path: '(item)', message: 'y' },
      { path: 'devices[20].id', message: 'z' },
    ]);
  });
});

describe('destination secrets', () => {
  const uplink = { id: 'up', type: 'mqtt' as const, url: 'mqtt://broker', topic: 't', username: 'u', password: 's3cret-pass' };

  it('never shows a stored password, only that one is stored', () => {
    const view = redactDestination(uplink);
    expect(JSON.stringify(view)).not.toContain('s3cret');
    expect(view.passwordSet).toBe(true);
  });

  it('keeps the stored password when an edit leaves it out, replaces it when given, drops it when emptied', () => {
    const { password: _p, ...edited } = uplink;
    expect(keepSecrets({ ...edited, passwordSet: true }, uplink)).toEqual(uplink);
    expect(keepSecrets({ ...edited, password: 'new-one-here' }, uplink)).toEqual({ ...uplink, password: 'new-one-here' });
    expect(keepSecrets({ ...edited, password: '' }, uplink)).toEqual(edited);
  });
});
