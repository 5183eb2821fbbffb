// When the page shows QC: whether it offers the QC view at all, and which reading events make the
// QC view fetch again. Pure.

import type { QcRejectionView } from '../../../qc/qc-view.ts';

/** Offered while a lab analyzer is configured (the kind QC is about), or while a failed QC waits for review. */
export const qcOffered = (devices: ReadonlyArray<{ kind: string }>, problems: ReadonlyArray<{ kind: string }>): boolean =>
  devices.some((d) => d.kind === 'lab') || problems.some((p) => p.kind === 'qc-rejected');

/**
 * Whether a reading's event can move a rejection's count of held results: it is held for failed QC,
 * or it is no longer held (released, discarded) while an unreviewed rejection of its analyzer holds
 * results of one of its tests. Other patient results (most of a busy analyzer's) leave the count alone.
 */
export function movesHeldCount(
  r: {
    status: string;
    holdReasons: ReadonlyArray<{ kind: string }>;
    reading: { deviceId: string; observations: ReadonlyArray<{ code: { local?: { code: string } } }> };
  },
  rejections: ReadonlyArray<Pick<QcRejectionView, 'device' | 'test' | 'held' | 'review'>>,
): boolean {
  if (r.holdReasons.some((h) => h.kind === 'qc')) return true;
  if (r.status === 'held') return false;
  const tests = new Set(r.reading.observations.map((o) => o.code.local?.code));
  return rejections.some((x) => !x.review && x.held > 0 && x.device === r.reading.deviceId && tests.has(x.test));
}
