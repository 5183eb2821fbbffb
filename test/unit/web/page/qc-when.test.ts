// When the page offers the QC view, and which reading events make the QC view fetch again.

import { describe, expect, it } from 'vitest';
import type { QcRejectionView } from '../../../../src/qc/qc-view.ts';
import { movesHeldCount, qcOffered } from '../../../../src/web/page/lib/qc-when.ts';

const AT = '2026-12-06T09:14:00Z';
const rejection = (over: Partial<QcRejectionView> = {}): QcRejectionView => ({
  id: 'R1',
  device: 'chem-1',
  test: 'GLU',
  lot: 'QC-4711',
  rules: ['1-3s'],
  entry: 'e1',
  at: AT,
  holds: true,
  held: 1,
  ...over,
});

describe('when the QC page refreshes for a reading', () => {
  const glu = (over: { status?: string; kinds?: string[]; device?: string } = {}) => ({
    status: over.status ?? 'sent',
    holdReasons: (over.kinds ?? []).map((kind) => ({ kind })),
    reading: { deviceId: over.device ?? 'chem-1', observations: [{ code: { local: { code: 'GLU' } } }] },
  });
  const holding = [rejection({ held: 1 })];

  it('refreshes for a result held for QC, or let out while a rejection of its test holds results; not for other patient results', () => {
    expect(movesHeldCount(glu({ status: 'held', kinds: ['qc', 'patient'] }), [])).toBe(true);
    expect(movesHeldCount(glu({ status: 'sent' }), holding)).toBe(true);
    expect(movesHeldCount(glu({ status: 'discarded' }), holding)).toBe(true);
    expect(movesHeldCount(glu({ status: 'sent' }), [])).toBe(false);
    expect(movesHeldCount(glu({ status: 'held', kinds: ['patient'] }), holding)).toBe(false);
    expect(movesHeldCount(glu({ status: 'sent', device: 'chem-2' }), holding)).toBe(false);
    expect(movesHeldCount(glu({ status: 'sent' }), [rejection({ held: 0 })])).toBe(false);
    expect(movesHeldCount(glu({ status: 'sent' }), [rejection({ held: 1, test: 'CREA' })])).toBe(false);
    const review = { by: 'x', at: AT, action: 'done', released: 0 };
    expect(movesHeldCount(glu({ status: 'sent' }), [rejection({ held: 1, review })])).toBe(false);
  });
});

describe('when the page offers the QC view', () => {
  it('while a lab analyzer is configured, or while a QC failure waits for review', () => {
    expect(qcOffered([{ kind: 'vitals' }, { kind: 'lab' }], [])).toBe(true);
    expect(qcOffered([{ kind: 'vitals' }], [{ kind: 'qc-rejected' }])).toBe(true);
    expect(qcOffered([{ kind: 'vitals' }], [{ kind: 'device-down' }])).toBe(false);
    expect(qcOffered([], [])).toBe(false);
  });
});
