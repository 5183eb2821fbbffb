// A device's `qc` settings and the destinations' `receives` checked beyond their schema: each refusal
// at its path, in words that say what to change; a pattern that would backtrack without end refused.

import { describe, expect, it } from 'vitest';
import { drivers } from '../../../drivers/index.ts';
import { backtrackingShape } from '../../../src/config/nested-quantifier.ts';
import { anchoredAtStart } from '../../../src/config/pattern-anchor.ts';
import type { Config } from '../../../src/config/schema.ts';
import { configWarnings, validateConfig } from '../../../src/config/validate.ts';
import { qcWarnings } from '../../../src/config/qc-checks.ts';
import { driverCatalog } from '../../../src/devices/driver-catalog.ts';
import { qcIdentityOf } from '../../../src/qc/recognise.ts';

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

  it('a pattern it accepts is one recognition compiles: "\\-" for a literal dash finds the lot', () => {
    const qc = { sampleIdPattern: '^QC\\-(?<lot>\\d+)' };
    expect(problems(qc)).toEqual([]);
    expect(qcIdentityOf({ specimen: { id: 'QC-4711' } }, qc)?.lot).toBe('4711');
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

describe('devices[].qc: settings that would take patient results or judge nothing', () => {
  const patternProblem = (sampleIdPattern: string) => problems({ sampleIdPattern });
  const emptyWords =
    'matches an empty sample ID, so it matches every sample ID: every patient result from this analyzer would be taken as a control and never reach the chart; make it match the control IDs only, e.g. ^QC';

  it.each([['.*'], ['^'], ['x?'], ['^(?<lot>\\d*)$'], ['QC|']])('refuses %s: it matches an empty sample ID', (pattern) => {
    expect(patternProblem(pattern)).toEqual([`devices[0].qc.sampleIdPattern: ${emptyWords}`]);
  });

  it.each([['^QC'], ['^QC-(?<lot>[A-Z0-9]+)-L(?<level>[1-3])$'], ['QC']])('accepts %s: it needs at least one character', (pattern) => {
    expect(patternProblem(pattern)).toEqual([]);
  });

  it.each([
    ['^QC(a|a)*$', '"(a|a)*" repeats alternatives that can match the same text ("a" and "a")'],
    ['^QC-(?:L|L1)+$', '"(?:L|L1)+" repeats alternatives that can match the same text ("L" and "L1")'],
  ])('refuses %s: repeated alternatives that match the same text backtrack without end', (pattern, words) => {
    expect(patternProblem(pattern)).toEqual([
      `devices[0].qc.sampleIdPattern: ${words}: such a pattern can take minutes on one long sample ID; give each alternative its own first character, or repeat a character class, e.g. ^QC-[A-Z0-9]+$`,
    ]);
  });

  it.each([
    ['2027-02-30', false],
    ['2027-13-01', false],
    ['2027-00-10', false],
    ['2026-02-29', false],
    ['2028-02-29', true],
    ['2027-06-30', true],
  ])('expires %s is a calendar date: %s', (expires, ok) => {
    expect(problems({ lots: [{ id: 'L1', expires }] })).toEqual(
      ok ? [] : [`devices[0].qc.lots[0].expires: "${expires}" is no date in the calendar: write the expiry date printed on the control, YYYY-MM-DD`],
    );
  });

  const unitCases: Array<[string, string | undefined]> = [
    ['mmol/L', undefined],
    ['mg/dL', undefined],
    ['U/L', undefined],
    ['[IU]/L', undefined],
    ['10*9/L', undefined],
    ['milligram', 'write the UCUM code "mg" (mass units it knows: kg, g, mg, pg)'],
    ['umol/l', 'write the UCUM code "umol/L" (amount per volume units it knows: mol/L, mmol/L, umol/L, nmol/L, pmol/L)'],
    ['IU/L', 'write the UCUM code "[IU]/L" (international units per volume units it knows: [IU]/L, [IU]/mL, m[IU]/L, m[IU]/mL, u[IU]/mL)'],
    ['mEq/L', 'write the UCUM code "meq/L" (equivalents per volume units it knows: meq/L)'],
    ['milligrams per milliliter', 'write one of the mass per volume units it knows: g/L, g/dL, mg/L, mg/dL, ug/L, ug/dL, ug/mL, ng/L, ng/dL, ng/mL, pg/mL'],
    ['furlongs', 'write the UCUM code (e.g. "mmol/L", "U/L")'],
  ];
  it.each(unitCases)('target unit %s: %s', (unit, advice) => {
    expect(problems({ lots: [{ id: 'L1', targets: { GLU: { mean: 5, sd: 1, unit } } }] })).toEqual(
      advice === undefined
        ? []
        : [
            `devices[0].qc.lots[0].targets.GLU.unit: "${unit}" is not a UCUM unit the gateway knows: ${advice}, or leave "unit" out if the analyzer sends its own spelling; a result is judged only in its target's unit`,
          ],
    );
  });

  const warningsOf = (qc: unknown, now?: Date): string[] => {
    const r = validateConfig(configWith([{ ...analyzer, qc }]), catalog);
    if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    return (now ? qcWarnings(r.config as Config, now) : configWarnings(r.config as Config)).map((w) => `${w.path}: ${w.message}`);
  };

  const unanchored = (anchored: string) =>
    `without "^" at its start the pattern matches anywhere in a sample ID ("QC" also matches a patient's "S12QC9"): a patient result whose ID holds it would be taken as a control and never reach the chart; anchor it: "${anchored}"`;
  const patientLike = (id: string) =>
    `matches "${id}", a sample ID of the kind patient specimens get: a patient result with such an ID would be taken as a control and never reach the chart; make the pattern match the control IDs only, e.g. ^QC`;
  it.each([
    ['QC', unanchored('^QC')],
    ['QC-(?<lot>\\d+)$', unanchored('^QC-(?<lot>\\d+)$')],
    ['^QC|CTRL', unanchored('^(?:QC|CTRL)')],
    ['\\d{8}QC', unanchored('^\\d{8}QC')],
    ['^.', patientLike('1234567890')],
    ['^[A-Z]', patientLike('S72094773')],
    ['^\\w+$', patientLike('1234567890')],
    ['^[A-Z]\\d{6}$', patientLike('A123456')],
  ])('warns that %s can take patient specimens', (sampleIdPattern, words) => {
    expect(warningsOf({ sampleIdPattern })).toEqual([`devices[0].qc.sampleIdPattern: ${words}`]);
  });

  it.each([['^QC'], ['^QC(?<level>[123])-(?<lot>.+)$'], ['^CTRL\\d+$'], ['^(?:QC|QCL)-\\d+$']])(
    '%s matches no patient-like sample ID: no warning',
    (sampleIdPattern) => {
      expect(warningsOf({ sampleIdPattern })).toEqual([]);
    },
  );

  it('warns that with no rule nothing judges the QC; all six by default, or some, are fine', () => {
    expect(warningsOf({ rules: [] })).toEqual([
      'devices[0].qc.rules: no rule judges this analyzer\'s QC: results are logged, but a failed control raises nothing and holds no patient result; list the rules, or leave "rules" out for all six',
    ]);
    expect(warningsOf({})).toEqual([]);
    expect(warningsOf({ rules: ['1-3s'], sampleIdPattern: '^QC' })).toEqual([]);
  });

  it("warns of a lot that expired before today (the gateway's own date), not of one expiring today", () => {
    const lots = [
      { id: 'L1', expires: '2026-12-05' },
      { id: 'L2', expires: '2026-12-06' },
      { id: 'L3', expires: '2027-06-30' },
    ];
    const noon = new Date(2026, 11, 6, 12, 0);
    expect(warningsOf({ lots }, noon)).toEqual([
      'devices[0].qc.lots[0].expires: expired on 2026-12-05: its results are still logged and judged; replace the lot',
    ]);
    expect(warningsOf({ lots: [{ id: 'L9', expires: '2020-01-01' }] })).toEqual([
      'devices[0].qc.lots[0].expires: expired on 2020-01-01: its results are still logged and judged; replace the lot',
    ]);
  });
});

describe('backtrackingShape: a repeated group that repeats itself', () => {
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
    const shape = backtrackingShape(source);
    expect(shape === undefined ? undefined : shape.kind === 'nested' && shape.text).toBe(nested);
  });
});

describe('backtrackingShape: repeated alternatives that match the same text', () => {
  const cases: Array<[string, [string, string, string] | undefined]> = [
    ['^(a|a)*$', ['(a|a)*', 'a', 'a']],
    ['^(a|ab)*$', ['(a|ab)*', 'a', 'ab']],
    ['^(?:ab|a)+c$', ['(?:ab|a)+', 'a', 'ab']],
    ['^(\\d|\\d\\d)+$', ['(\\d|\\d\\d)+', '\\d', '\\d\\d']],
    ['^QC(?<level>1|1[0-9]){2,}$', ['(?<level>1|1[0-9]){2,}', '1', '1[0-9]']],
    ['^(|a)*$', ['(|a)*', '', 'a']],
    ['^(QC|CTRL)+$', undefined],
    ['^(QC|CTRL)-\\d+$', undefined],
    ['^(a|ab)?$', undefined],
    ['^(a|a){1}$', undefined],
    ['^[a|ab]+$', undefined],
    ['^(a\\|ab)+$', undefined],
    // Not detected, as the README says: alternatives that overlap without one written as the start of another.
    ['^(\\w|\\d)+$', undefined],
  ];
  it.each(cases)('%s -> %j', (source, expected) => {
    const shape = backtrackingShape(source);
    expect(shape === undefined ? undefined : shape.kind === 'overlap' && [shape.text, ...shape.alternatives]).toEqual(expected);
  });
});

describe('anchoredAtStart', () => {
  const cases: Array<[string, boolean]> = [
    ['^QC', true],
    ['^QC-(?<lot>\\d+)$', true],
    ['^(QC|CTRL)', true],
    ['(?:^QC|^CTRL)-\\d', true],
    ['(?<lot>^QC\\d+)', true],
    ['^QC|^CTRL', true],
    ['QC', false],
    ['QC$', false],
    ['^QC|CTRL', false],
    ['(^QC)?X', false],
    ['(?:^QC|CTRL)', false],
    ['[\\^]QC', false],
    ['\\^QC', false],
    ['(?=^)QC', false],
  ];
  it.each(cases)('%s -> %s', (source, anchored) => {
    expect(anchoredAtStart(source)).toBe(anchored);
  });
});
