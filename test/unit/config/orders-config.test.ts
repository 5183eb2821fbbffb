// A device's `orders` settings checked beyond their schema: each refusal at the device's path, in words
// that say what to change.

import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/validate.ts';
import { driverCatalog } from '../../../src/devices/driver-catalog.ts';
import type { Driver } from '../../../src/model/driver.ts';

function driver(id: string, kind: Driver['kind'], orders?: Driver['orders']): Driver {
  return {
    id,
    title: id,
    kind,
    transports: ['tcp'],
    validateSettings: () => [],
    open: () => ({ receive() {}, on() {}, close() {} }),
    ...(orders ? { orders } : {}),
  };
}

const catalog = driverCatalog([
  driver('analyzer', 'lab', { query: true, download: true }),
  driver('query-only', 'lab', { query: true, download: false }),
  driver('scale', 'scale'),
]);

const CODE_MAP = { GLU: { loinc: '2345-7' }, CREA: { loinc: '2160-0' } };

function configWith(device: Record<string, unknown>, inbound = true): unknown {
  return {
    dataDir: './data',
    web: { port: 8080 },
    ...(inbound ? { inbound: { mllp: { port: 2576 } } } : {}),
    devices: [{ id: 'chem', transport: { type: 'tcp', mode: 'connect', host: '10.0.0.9', port: 5000 }, ...device }],
    destinations: [],
  };
}

function problems(device: Record<string, unknown>, inbound = true): string[] {
  const r = validateConfig(configWith(device, inbound), catalog);
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('orders settings', () => {
  it('accepts an analyzer with orders, its code map one-to-one, or orders.tests', () => {
    expect(problems({ driver: 'analyzer', codeMap: CODE_MAP, orders: { mode: 'both', specimenTypes: ['SER'] } })).toEqual([]);
    expect(
      problems({ driver: 'analyzer', orders: { mode: 'download', tests: { '2345-7': 'GLU', '24320-4': ['GLU', 'NA'] } }, patient: { mode: 'order' } }),
    ).toEqual([]);
  });

  it('refuses orders on a driver that takes none, and a mode the driver cannot do', () => {
    expect(problems({ driver: 'scale', orders: { mode: 'download', tests: { '29463-7': 'W' } } })).toEqual([
      'devices[0].orders: driver "scale" takes no orders (no host query, no download): remove "orders"',
    ]);
    expect(problems({ driver: 'query-only', codeMap: CODE_MAP, orders: { mode: 'both' } })).toEqual([
      'devices[0].orders.mode: driver "query-only" cannot take orders by download: use mode "query"',
    ]);
  });

  it('refuses a patient mode other than order', () => {
    expect(problems({ driver: 'analyzer', codeMap: CODE_MAP, orders: { mode: 'query' }, patient: { mode: 'reported' } })).toEqual([
      'devices[0].patient.mode: a device with "orders" files its results under their order by specimen ID: use mode "order" (or leave "patient" out), not "reported"',
    ]);
  });

  it('refuses a code map that maps two analyzer codes to one LOINC when orders.tests is absent, naming both', () => {
    expect(problems({ driver: 'analyzer', codeMap: { GLU: { loinc: '2345-7' }, GLUC: { loinc: '2345-7' } }, orders: { mode: 'download' } })).toEqual([
      'devices[0].codeMap: "GLU" and "GLUC" both map to LOINC 2345-7: an order for 2345-7 would not say which test to run; give orders.tests',
    ]);
    // With orders.tests the code map is for results only.
    expect(
      problems({
        driver: 'analyzer',
        codeMap: { GLU: { loinc: '2345-7' }, GLUC: { loinc: '2345-7' } },
        orders: { mode: 'download', tests: { '2345-7': 'GLU' } },
      }),
    ).toEqual([]);
  });

  it('refuses orders with no way to name a test, and orders without the EHR feed', () => {
    expect(problems({ driver: 'analyzer', orders: { mode: 'download' } })).toEqual([
      'devices[0].orders.tests: no test could be ordered: give orders.tests, or a codeMap whose codes map to LOINC',
    ]);
    expect(problems({ driver: 'analyzer', codeMap: CODE_MAP, orders: { mode: 'download' } }, false)).toEqual([
      'devices[0].orders: orders come from the EHR\'s feed: configure "inbound" (the MLLP listener for ADT and orders)',
    ]);
  });

  it('checks the settings against their schema: a mode that is none of the three, a wait out of range', () => {
    const list = problems({ driver: 'analyzer', codeMap: CODE_MAP, orders: { mode: 'push', answerWithinMs: 50 } });
    expect(list).toEqual(
      expect.arrayContaining([expect.stringMatching(/^devices\[0\]\.orders\.mode: /), expect.stringMatching(/^devices\[0\]\.orders\.answerWithinMs: /)]),
    );
  });
});
