// What the routes, the health judgement and the status strip need of the QC service
// (src/qc/qc-service.ts implements it), so each side is written against this and not the other.

import type { QcOverview, QcPage, QcQuery, QcRejectionView, QcReviewBody } from './qc-view.ts';

/** An unreviewed rejection, as the health judgement and the status strip name it: codes and ids only. */
export interface QcProblem {
  rejection: string;
  device: string;
  test: string;
  lot: string;
  rules: string[];
  /** When it was raised (ISO). */
  since: string;
  /** Patient readings held for it now. */
  held: number;
}

export interface QcReviewer {
  name: string;
  role: 'admin' | 'staff';
}

export interface QcApi {
  /** GET /api/qc: newest first, filtered by device, test and lot. Throws RequestError(400) on a bad `before`. */
  list(query: QcQuery): QcPage;
  /** GET /api/qc/overview: every device/test/lot series with its target and last result, and the rejections. */
  overview(): QcOverview;
  /** GET /api/qc/rejections/:id. Throws RequestError(404). */
  rejection(id: string): QcRejectionView;
  /**
   * POST /api/qc/rejections/:id/review: records the review in the audit journal (action `qc-review`)
   * before it resolves; releases what the rejection held when `release` is true. Throws RequestError
   * 403 (the reviewer's role is below `qc.reviewRole`), 404, 409 (already reviewed).
   */
  review(who: QcReviewer, id: string, body: QcReviewBody): Promise<QcRejectionView>;
  /** The unreviewed rejections, oldest first. Cheap: kept in memory. */
  problems(): QcProblem[];
}
