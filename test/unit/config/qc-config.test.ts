// A device's `qc` settings and the destinations' `receives` checked beyond their schema: each refusal
// at its path, in words that say what to change; a pattern that would backtrack without end refused.

import { describe, expect, it } from 'vitest';
import { drivers } from '../../../drivers/index.ts';
import { nestedQuantifier } from '../../../src/config/nested-quantifier.ts';
import type { Config } from '../../../src/config/schema.ts';
import { configWarnings, validateConfig } from '../../../src/config/validate.ts';
import { driverCatalog } from '../../../src/devices/driver-catalog.ts';

const catalog = driverCatalog(drivers);

const analyzer = { id: 'chem', driver: 'astm-lis2', transport: { type: 'tcp', mode: 'connect', host: '10.0.0.9', port: 5000 } };
const scale = {
  id: 'scale-1',
  driver: 'ad-scale',
  transport: { type: 'serial', path: '/dev/ttyUSB0', baudRate: 2400, dataBits: 7, parity: 'even', stopBits: 1 },
};

function configWith(devices: unknown[], destinations: unknown[] = []): unknown {
  return { dataDir: './data', web: { host: '127.0.0.1', port: 8080 }, devices, destinations };
}

function problems(qc: unknown, device: Record<string, unknown> = analyzer): string[] {
  const r = validateConfig(configWith([{ ...device, qc }]), catalog);
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('devices[].qc', () => {
  it('accepts an analyzer with a pattern taking lot and level, lots with targets, rules and the rest', () => {
    expect(
      problems({
        sampleIdPattern: '^QC-(?<lot>[A-Z0-9]+)-L(?<level>[1-3])$',
        lots: [
          { id: 'QC-LOT-4711', level: '1', material: 'PreciControl 1', expires: '2027-06-30', targets: { GLU: { mean: 5.5, sd: 0.15, unit: 'mmol/L' } } },
          { id: 'QC-LOT-4712', level: '2', targets: { GLU: { mean: 16.1, sd: 0.4 } } },
        ],
        rules: ['1-3s', '2-2s', 'R-4s'],
        establishFromRuns: 20,
        runWindowMinutes: 30,
        holdOnReject: false,
      }),
    ).toEqual([]);
    expect(problems({}, { ...analyzer, driver: 'hl7-analyzer', transport: { type: 'tcp', mode: 'listen', port: 5001 } })).toEqual([]);
  });

  it('refuses qc on a device that is not a lab analyzer', () => {
    expect(problems({ sampleIdPattern: '^QC' }, scale)).toEqual([
      'devices[0].qc: driver "ad-scale" is not a lab analyzer (kind "scale"): it runs no control material; remove "qc"',
    ]);
  });

  it('refuses a pattern that does not compile, one that backtracks without end, and groups other than lot and level', () => {
    expect(problems({ sampleIdPattern: '^QC-(?<lot>[A-Z' })).toEqual([
      expect.stringMatching(/^devices\[0\]\.qc\.sampleIdPattern: not a valid regular expression: Invalid regular expression/),
    ]);
    expect(problems({ sampleIdPattern: '^QC-([A-Z0-9]+)+$' })).toEqual([
      'devices[0].qc.sampleIdPattern: "([A-Z0-9]+)+" repeats a group that repeats itself: such a pattern can take minutes on one long sample ID; write it without a repeated group that holds a + or *, e.g. ^QC-[A-Z0-9]+$',
    ]);
    expect(problems({ sampleIdPattern: '^QC-(?<lto>\\d+)$' })).toEqual([
      'devices[0].qc.sampleIdPattern: the group "lto" means nothing here: name the groups (?<lot>...) and (?<level>...), or make it (?:...)',
    ]);
  });

  it('refuses a control lot listed twice, and a target without a test code', () => {
    expect(
      problems({
        lots: [
          { id: 'QC-LOT-4711', targets: { GLU: { mean: 5.5, sd: 0.15 } } },
          { id: 'QC-LOT-4712' },
          { id: 'QC-LOT-4711', targets: { '': { mean: 5, sd: 1 }, ' CREA': { mean: 80, sd: 4 } } },
        ],
      }),
    ).toEqual([
      'devices[0].qc.lots[2].id: control lot "QC-LOT-4711" is listed already (lots[0]): list each lot once, with all its targets',
      'devices[0].qc.lots[2].targets: a target without a test code: name the analyzer\'s test code, e.g. "GLU"',
      'devices[0].qc.lots[2].targets: test code " CREA" has spaces around it: the analyzer\'s code is "CREA"',
    ]);
  });

  it('refuses a target unit in another spelling than the UCUM code results arrive in', () => {
    expect(problems({ lots: [{ id: 'L1', targets: { GLU: { mean: 5.5, sd: 0.15, unit: 'mmol/l' }, ALT: { mean: 40, sd: 3, unit: 'U/L' } } }] })).toEqual([
      'devices[0].qc.lots[0].targets.GLU.unit: write the UCUM code "mmol/L": results arrive in it, and against "mmol/l" none would be judged',
    ]);
  });

  it('leaves the schema its own checks: an SD of zero, an unknown rule, too few runs to establish a target', () => {
    expect(problems({ lots: [{ id: 'L1', targets: { GLU: { mean: 5, sd: 0 } } }], rules: ['1-2s', '3-1s'], establishFromRuns: 5 })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^devices\[0\]\.qc\.lots\[0\]\.targets\.GLU\.sd: /),
        expect.stringMatching(/^devices\[0\]\.qc\.rules\[1\]: /),
        expect.stringMatching(/^devices\[0\]\.qc\.establishFromRuns: /),
      ]),
    );
  });
});

describe('destinations[].receives', () => {
  const ehr = { id: 'ehr', type: 'mllp', host: '10.1.2.40', port: 2575 };
  const lis = { id: 'lis', type: 'mllp', host: '10.1.2.41', port: 2575 };
  const warnings = (destinations: unknown[], devices: unknown[] = []): string[] => {
    const r = validateConfig(configWith(devices, destinations), catalog);
    if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    return configWarnings(r.config as Config).map((w) => `${w.path}: ${w.message}`);
  };

  it('takes a destination for QC results even with no device doing QC', () => {
    expect(warnings([ehr, { ...lis, receives: ['qc'] }])).toEqual([]);
    expect(warnings([{ ...ehr, receives: ['patient', 'qc'] }])).toEqual([]);
    expect(warnings([])).toEqual([]);
  });

  it('warns when no destination takes patient results any more', () => {
    const words =
      'no destination receives patient results (all have "receives" without "patient"): patient readings would reach no chart; add "patient" to a destination\'s "receives"';
    expect(warnings([{ ...ehr, receives: ['qc'] }])).toEqual([`destinations[0].receives: ${words}`]);
    expect(
      warnings([
        { ...ehr, receives: ['qc'] },
        { ...lis, receives: ['qc'] },
      ]),
    ).toEqual([`destinations: ${words}`]);
  });
});

describe('nestedQuantifier', () => {
  const cases: Array<[string, string | undefined]> = [
    ['^QC', undefined],
    ['^QC-[A-Z0-9]+$', undefined],
    ['^QC-(?<lot>[A-Z0-9]+)-L(?<level>\\d)$', undefined],
    ['^(QC|CTRL)\\d*$', undefined],
    ['^(ab)+$', undefined],
    ['^(a{1,3}){2}$', undefined],
    ['^(a+)?$', undefined],
    ['[(+)]+', undefined],
    ['\\(a+\\)+', undefined],
    ['^(a+)+$', '(a+)+'],
    ['^(a*)*$', '(a*)*'],
    ['^(?:\\d+-?)*$', '(?:\\d+-?)*'],
    ['^(?<lot>[A-Z]+)+$', '(?<lot>[A-Z]+)+'],
    ['^((a+))+$', '((a+))+'],
    ['^(x(a+)y){2,}$', '(x(a+)y){2,}'],
    ['^(a+){2,5}$', '(a+){2,5}'],
    ['^(a+)+?$', '(a+)+?'],
    ['^([^)]+)+$', '([^)]+)+'],
  ];
  it.each(cases)('%s -> %s', (source, nested) => {
    expect(nestedQuantifier(source)).toBe(nested);
  });
});
