// Which QC series the page shows and in what order: pure, for the view (views/qc.ts) and its tests.

import type { QcOverview, QcSeriesView } from '../../../qc/qc-view.ts';
import { deviceName, type SeriesRef } from './qc-words.ts';

/** The series a link asks for: exactly one, or the first failed one of a device, or a rejection's. */
export function seriesFromParams(params: URLSearchParams, overview: QcOverview): SeriesRef | undefined {
  const device = params.get('device') ?? undefined;
  const test = params.get('test') ?? undefined;
  const lot = params.get('lot') ?? undefined;
  const rejection = params.get('rejection') ?? undefined;
  if (rejection) {
    const r = overview.rejections.find((x) => x.id === rejection);
    if (r) return { device: r.device, test: r.test, lot: r.lot };
  }
  if (device && test && lot) return { device, test, lot };
  const of = [...overview.series].sort(seriesOrder).filter((s) => (!device || s.device === device) && (!test || s.test === test));
  const found = of.find((s) => s.openRejection) ?? of[0];
  return found && { device: found.device, test: found.test, lot: found.lot };
}

/** Failed series first, then by analyzer, test and lot: what the lab lead looks at first. */
export function seriesOrder(a: QcSeriesView, b: QcSeriesView): number {
  return (
    Number(b.openRejection !== undefined) - Number(a.openRejection !== undefined) ||
    deviceName(a).localeCompare(deviceName(b)) ||
    a.test.localeCompare(b.test) ||
    (a.level ?? '').localeCompare(b.level ?? '') ||
    a.lot.localeCompare(b.lot)
  );
}
