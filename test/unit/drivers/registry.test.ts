import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { drivers, findDriver } from '../../../drivers/index.ts';
import { noninExample } from '../../../drivers/generic-line/index.ts';
import type { Driver } from '../../../src/model/driver.ts';
import { PACKAGE_ROOT } from '../../../src/package-root.ts';

// The registry is derived from nothing but its own lines: each folder of drivers/ (but _shared) is one
// driver, whose index.ts exports it as `driver`, and the registry lists exactly those.
const DRIVERS_DIR = join(PACKAGE_ROOT, 'drivers');
const folders = readdirSync(DRIVERS_DIR).filter((name) => !name.startsWith('_') && statSync(join(DRIVERS_DIR, name)).isDirectory());

describe('driver registry', () => {
  it('lists the driver of every folder in drivers/, once, under the folder’s name', async () => {
    expect(folders.length).toBeGreaterThan(0);
    const exported = await Promise.all(folders.map(async (name) => ((await import(join(DRIVERS_DIR, name, 'index.ts'))) as { driver: Driver }).driver));
    expect(exported.map((d) => d.id)).toEqual(folders);
    expect(new Set(drivers)).toEqual(new Set(exported));
    expect(drivers.length).toBe(folders.length);
  });

  it('takes one line per driver: its line in registered.ts, and no other registry file names a driver', () => {
    const lines = (name: string) => readFileSync(join(DRIVERS_DIR, name), 'utf8').split('\n');
    const naming = (line: string) => folders.filter((folder) => line.includes(`./${folder}/`));
    const registered = lines('registered.ts').filter((line) => naming(line).length > 0);
    expect(registered.flatMap(naming).sort()).toEqual(folders);
    expect(registered.length).toBe(folders.length);
    expect(lines('index.ts').flatMap(naming)).toEqual([]);
  });

  it('finds each driver by id; each has transports, serial defaults where serial, and validates its settings', () => {
    for (const d of drivers) {
      expect(findDriver(d.id)).toBe(d);
      expect(typeof d.validateSettings).toBe('function');
      expect(d.transports.length).toBeGreaterThan(0);
      // A driver that speaks over serial says how the port is set up.
      if (d.transports.includes('serial')) expect(d.serialDefaults).toBeDefined();
    }
    expect(findDriver('nope')).toBeUndefined();
  });

  it('every driver except generic-line opens with empty settings; its schema accepts its defaults', () => {
    for (const d of drivers) {
      const settings = d.id === 'generic-line' ? { ...noninExample } : {};
      expect(d.validateSettings(settings)).toEqual([]);
      if (d.settings) expect(Value.Check(d.settings, Value.Default(d.settings, structuredClone(settings)))).toBe(true);
    }
  });

  it('every driver refuses a setting it does not have, naming it', () => {
    for (const d of drivers) {
      const settings = d.id === 'generic-line' ? { ...noninExample, nonsense: 1 } : { nonsense: 1 };
      expect(
        d.validateSettings(settings).some((p) => p.startsWith('settings')),
        d.id,
      ).toBe(true);
    }
  });
});
