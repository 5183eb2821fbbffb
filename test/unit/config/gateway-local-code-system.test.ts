import { describe, expect, it } from 'vitest';
import { drivers } from '../../../drivers/index.ts';
import { validateConfig } from '../../../src/config/validate.ts';
import { driverCatalog } from '../../../src/devices/driver-catalog.ts';

const catalog = driverCatalog(drivers);

function problems(localCodeSystem: unknown): string[] {
  const doc = {
    dataDir: './data',
    web: { port: 8080 },
    gateway: { application: 'MEDGATE', localCodeSystem },
    devices: [],
    destinations: [],
  };
  const r = validateConfig(doc, catalog);
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('gateway.localCodeSystem (HL7 table 0396)', () => {
  it('takes L and 99 with one to three letters or digits', () => {
    for (const name of ['L', '99MDG', '99A', '99ab1']) expect(problems(name)).toEqual([]);
  });

  it('refuses any other name, naming the field', () => {
    for (const name of ['MEDGATE', '99', '99ABCD', 'LN', 'l', '99-X', 7]) {
      expect(problems(name), String(name)).toEqual([expect.stringMatching(/^gateway\.localCodeSystem: /)]);
    }
  });
});
