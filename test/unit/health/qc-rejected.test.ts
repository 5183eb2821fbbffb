// An unreviewed QC rejection in the health verdict (GET /api/health, for alerting) and on the page's
// status strip (GET /api/status): degraded, about the analyzer, naming the test, lot and rules (codes,
// never values), with the patient results it holds; many rejections are one item.

import { describe, expect, it } from 'vitest';
import { judgeHealth, type HealthFacts } from '../../../src/health/judge.ts';
import { pageThresholds, statusProblems, type ProblemContext } from '../../../src/health/problems.ts';
import { healthThresholds } from '../../../src/health/thresholds.ts';
import type { QcProblem } from '../../../src/qc/qc-api.ts';
import { facts, MIN, NOW } from './facts.ts';

const iso = (ms: number) => new Date(ms).toISOString();

const rejection = (over: Partial<QcProblem> = {}): QcProblem => ({
  rejection: 'qcr-1',
  device: 'chem',
  test: 'GLU',
  lot: 'QC-LOT-4711',
  rules: ['1-3s'],
  since: iso(NOW - 7 * MIN),
  held: 0,
  ...over,
});

const context = (over: Partial<ProblemContext> = {}): ProblemContext => ({
  devices: [
    { id: 'chem', label: 'Chemistry, lab 2', retryWaiting: false },
    { id: 'scale-1', label: 'Scale, room 1', retryWaiting: true },
  ],
  destinations: [{ id: 'ehr', retryWaiting: false }],
  held: 0,
  ...over,
});
const status = (f: Partial<HealthFacts>, c: Partial<ProblemContext> = {}) =>
  statusProblems(judgeHealth(facts(f), pageThresholds(healthThresholds())), context(c));

describe('health: qc-rejected', () => {
  const cases: Array<[string, QcProblem[], unknown[]]> = [
    ['no rejection', [], []],
    [
      'one rejection holding nothing (holdOnReject off, or nothing arrived yet)',
      [rejection()],
      [
        {
          code: 'qc-rejected',
          severity: 'degraded',
          subject: 'chem',
          message: 'device chem: quality control failed for GLU on lot QC-LOT-4711 (1-3s): review it',
          since: iso(NOW - 7 * MIN),
          count: 0,
          qc: { rejection: 'qcr-1', test: 'GLU', lot: 'QC-LOT-4711', rules: ['1-3s'] },
        },
      ],
    ],
    [
      'one rejection holding three patient results',
      [rejection({ rules: ['2-2s', 'R-4s'], held: 3 })],
      [
        expect.objectContaining({
          code: 'qc-rejected',
          message:
            'device chem: quality control failed for GLU on lot QC-LOT-4711 (2-2s, R-4s); 3 patient result(s) of that test held until it is reviewed: review it',
          count: 3,
        }),
      ],
    ],
  ];
  it.each(cases)('%s', (_name, qc, reasons) => {
    const report = judgeHealth(facts({ qc }), healthThresholds());
    expect(report.reasons).toEqual(reasons);
    expect(report.status).toBe(qc.length > 0 ? 'degraded' : 'ok');
  });

  it('is degraded, never failing, and comes after what fails', () => {
    const report = judgeHealth(facts({ qc: [rejection()], storage: { writesFailing: true } }), healthThresholds());
    expect(report.status).toBe('failing');
    expect(report.reasons.map((r) => r.code)).toEqual(['storage-writes-failing', 'qc-rejected']);
  });
});

describe('status strip: qc-rejected', () => {
  it('names the analyzer by its label, the test and the rules, with the results it holds', () => {
    expect(status({ qc: [rejection({ rules: ['1-3s', '2-2s'], held: 4 })] })).toEqual({
      status: 'degraded',
      checkedAt: iso(NOW),
      problems: [
        {
          kind: 'qc-rejected',
          severity: 'degraded',
          text: 'Chemistry, lab 2: QC failed for GLU (1-3s, 2-2s)',
          since: iso(NOW - 7 * MIN),
          count: 4,
          counted: '4 results held',
          device: 'chem',
          name: 'Chemistry, lab 2',
          rejection: 'qcr-1',
        },
      ],
    });
  });

  it('uses the device ID without a label, and says nothing held when nothing is', () => {
    const [p] = status({ qc: [rejection({ held: 1 })] }, { devices: [{ id: 'chem', retryWaiting: false }] }).problems;
    expect(p).toMatchObject({ text: 'chem: QC failed for GLU (1-3s)', name: 'chem', count: 1, counted: '1 result held' });
    const [none] = status({ qc: [rejection()] }).problems;
    expect(none).toMatchObject({ count: 0 });
    expect(none).not.toHaveProperty('counted');
  });

  it('three rejections are named one by one; more are one item counting the rejections, with the results they hold', () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => rejection({ rejection: `qcr-${i}`, test: `T${i}`, since: iso(NOW - (i + 1) * MIN), held: i }));
    expect(status({ qc: many(3) }, { held: 2 }).problems.map((p) => p.text)).toEqual([
      'Chemistry, lab 2: QC failed for T0 (1-3s)',
      'Chemistry, lab 2: QC failed for T1 (1-3s)',
      'Chemistry, lab 2: QC failed for T2 (1-3s)',
      '2 held readings',
    ]);
    expect(status({ qc: many(5) }).problems).toEqual([
      { kind: 'qc-rejected', severity: 'degraded', text: '5 QC rejections', since: iso(NOW - 5 * MIN), count: 5, counted: '10 results held' },
    ]);
  });

  it('keeps the report order around devices down: failing first, then devices, then QC, then held readings', () => {
    const s = status(
      {
        destinations: [{ id: 'ehr', queued: 1, dead: 0, oldestQueuedAt: NOW - 20 * MIN }],
        devices: [{ id: 'scale-1', up: false, state: 'retrying', downSince: NOW - MIN }],
        qc: [rejection()],
      },
      { held: 3 },
    );
    expect(s.problems.map((p) => p.kind)).toEqual(['destination-stalled', 'device-link-down', 'qc-rejected', 'readings-held']);
    const grouped = status({
      devices: ['a', 'b', 'c', 'd'].map((id) => ({ id, up: false, state: 'retrying' as const, downSince: NOW - MIN })),
      qc: ['1', '2', '3', '4'].map((n) => rejection({ rejection: n })),
    });
    expect(grouped.problems.map((p) => p.text)).toEqual(['4 devices not connected', '4 QC rejections']);
  });
});
