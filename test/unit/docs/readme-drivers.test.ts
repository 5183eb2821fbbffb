// The README's driver table and the driver registry agree: every registered driver has its row (and
// no row names a driver that is gone), with the transports the driver declares and its simulator.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drivers } from '../../../drivers/index.ts';
import { simulatorIds } from '../../../simulators/ids.ts';
import { PACKAGE_ROOT } from '../../../src/package-root.ts';
import { section, tableRows } from '../../support/markdown.ts';

const TRANSPORTS = ['serial', 'tcp', 'mqtt', 'file'];

interface DriverRow {
  id: string;
  transports: string[];
  simulator: string;
}

function readmeDriverRows(): DriverRow[] {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const text = section(readme, 'Drivers');
  if (text === undefined) throw new Error('README.md has no "## Drivers" section');
  return tableRows(text).map((cells) => {
    const id = /`([^`]+)`/.exec(cells[0] ?? '')?.[1] ?? `(no id in "${cells[0]}")`;
    const words = (cells[2] ?? '').split(/[^a-z]+/);
    return { id, transports: TRANSPORTS.filter((t) => words.includes(t)), simulator: cells[4] ?? '' };
  });
}

describe("the README's driver table", () => {
  const rows = readmeDriverRows();
  const registered = drivers.map((d) => d.id);

  it('lists every registered driver, once', () => {
    const listed = rows.map((r) => r.id);
    expect(registered.filter((id) => !listed.includes(id))).toEqual([]);
    expect(listed.filter((id, i) => listed.indexOf(id) !== i)).toEqual([]);
  });

  it('lists no driver the registry lacks', () => {
    expect(rows.map((r) => r.id).filter((id) => !registered.includes(id))).toEqual([]);
  });

  it('gives each driver the transports it declares and links its README', () => {
    const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    for (const driver of drivers) {
      const row = rows.find((r) => r.id === driver.id);
      expect({ id: driver.id, transports: row?.transports.toSorted() }).toEqual({ id: driver.id, transports: [...driver.transports].sort() });
      expect(readme).toContain(`(drivers/${driver.id}/README.md)`);
      expect(existsSync(join(PACKAGE_ROOT, 'drivers', driver.id, 'README.md'))).toBe(true);
    }
  });

  it('names a simulator file that exists for each driver that has one', () => {
    for (const row of rows) {
      const file = /`(simulators\/[\w./-]+\.ts)`/.exec(row.simulator)?.[1];
      expect({ id: row.id, hasSimulator: file !== undefined }).toEqual({ id: row.id, hasSimulator: simulatorIds.includes(row.id) });
      if (file !== undefined) expect(existsSync(join(PACKAGE_ROOT, file)), file).toBe(true);
    }
  });
});
