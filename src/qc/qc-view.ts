// The QC log as the API and the page see it. One TypeBox source for the routes (their types come
// from these schemas), the QC service and the page (type-only import there).

import { Type, type Static } from '@sinclair/typebox';
import { QcRule } from '../model/qc-settings.ts';

export const QcRuleResult = Type.Object({
  rule: QcRule,
  /** 1-2s warns; every other rule rejects the run. */
  outcome: Type.Union([Type.Literal('warning'), Type.Literal('rejection')]),
  /** point: this result alone; within-run: with the run's other levels; across-runs: with this lot's earlier runs; across-lots: with other lots' results. */
  scope: Type.Union([Type.Literal('point'), Type.Literal('within-run'), Type.Literal('across-runs'), Type.Literal('across-lots')]),
  /** The other QC entries (ids) that take part in the violation. */
  with: Type.Array(Type.String()),
});
export type QcRuleResult = Static<typeof QcRuleResult>;

export const QcTargetView = Type.Object({
  mean: Type.Number(),
  sd: Type.Number(),
  unit: Type.Optional(Type.String()),
  source: Type.Union([Type.Literal('configured'), Type.Literal('established')]),
  /** For an established target: how many results and from when to when. */
  from: Type.Optional(Type.Object({ n: Type.Integer(), first: Type.String(), last: Type.String() })),
});
export type QcTargetView = Static<typeof QcTargetView>;

/**
 * - accepted: judged, no rule violated;
 * - warning: 1-2s only;
 * - rejected: a rejection rule violated;
 * - not-judged: no target yet (establishing, or none configured), a text value, a unit other than the target's, or a calibrator.
 */
export const QcStatus = Type.Union([Type.Literal('accepted'), Type.Literal('warning'), Type.Literal('rejected'), Type.Literal('not-judged')]);
export type QcStatus = Static<typeof QcStatus>;

export const QcEntryView = Type.Object({
  id: Type.String(),
  device: Type.String(),
  deviceLabel: Type.Optional(Type.String()),
  /** The analyzer's test code (what `test=` filters on). */
  test: Type.String(),
  testName: Type.Optional(Type.String()),
  loinc: Type.Optional(Type.String()),
  lot: Type.String(),
  level: Type.Optional(Type.String()),
  material: Type.Optional(Type.String()),
  /** The control's sample ID as the analyzer sent it. */
  specimen: Type.Optional(Type.String()),
  value: Type.Union([Type.Number(), Type.String()]),
  unit: Type.Optional(Type.String()),
  /** When the analyzer measured it (ISO 8601); its receipt time when the analyzer sent none. */
  time: Type.String(),
  receivedAt: Type.String(),
  role: Type.Union([Type.Literal('control'), Type.Literal('calibrator')]),
  /** How it was recognised: "ASTM O-12 Q", "HL7 SPM-11 Q", "sample ID pattern", "control lot list". */
  marker: Type.String(),
  target: Type.Optional(QcTargetView),
  /** (value - mean) / SD, when judged. */
  z: Type.Optional(Type.Number()),
  status: QcStatus,
  /** Why not judged, in plain words. */
  notJudged: Type.Optional(Type.String()),
  /** Every rule violated, empty when in control or not judged. */
  rules: Type.Array(QcRuleResult),
  /** The rejection this result raised, when it raised one. */
  rejection: Type.Optional(Type.String()),
});
export type QcEntryView = Static<typeof QcEntryView>;

export const QcQuery = Type.Object(
  {
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    test: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    lot: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    /** Paging: only entries measured strictly before this time (the last entry's `time`). */
    before: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type QcQuery = Static<typeof QcQuery>;

export const QcPage = Type.Object({
  /** Newest first. */
  entries: Type.Array(QcEntryView),
  /** Pass as `before` for the next page; absent on the last. */
  next: Type.Optional(Type.String()),
});
export type QcPage = Static<typeof QcPage>;

export const QcReviewView = Type.Object({
  by: Type.String(),
  at: Type.String(),
  /** What was done about it (corrective action), as the reviewer wrote it. */
  action: Type.String(),
  /** Held patient results released with the review. */
  released: Type.Integer({ minimum: 0 }),
});
export type QcReviewView = Static<typeof QcReviewView>;

export const QcRejectionView = Type.Object({
  id: Type.String(),
  device: Type.String(),
  deviceLabel: Type.Optional(Type.String()),
  test: Type.String(),
  lot: Type.String(),
  level: Type.Optional(Type.String()),
  rules: Type.Array(QcRule),
  /** The QC entry that raised it. */
  entry: Type.String(),
  at: Type.String(),
  /** The device holds patient results for the test until the review (its `qc.holdOnReject`). */
  holds: Type.Boolean(),
  /** Patient readings held for it now. */
  held: Type.Integer({ minimum: 0 }),
  review: Type.Optional(QcReviewView),
});
export type QcRejectionView = Static<typeof QcRejectionView>;

/** One device, test and lot: what the page's chart and list are made of. */
export const QcSeriesView = Type.Object({
  device: Type.String(),
  deviceLabel: Type.Optional(Type.String()),
  test: Type.String(),
  testName: Type.Optional(Type.String()),
  lot: Type.String(),
  level: Type.Optional(Type.String()),
  material: Type.Optional(Type.String()),
  unit: Type.Optional(Type.String()),
  target: Type.Optional(QcTargetView),
  /** Establishing a target from the first N runs: how many there are so far. */
  establishing: Type.Optional(Type.Object({ have: Type.Integer(), need: Type.Integer() })),
  runs: Type.Integer({ minimum: 0 }),
  last: Type.Optional(QcEntryView),
  /** An unreviewed rejection on this device and test. */
  openRejection: Type.Optional(Type.String()),
});
export type QcSeriesView = Static<typeof QcSeriesView>;

export const QcOverview = Type.Object({
  series: Type.Array(QcSeriesView),
  /** Unreviewed first, then the latest reviewed. */
  rejections: Type.Array(QcRejectionView),
  /** Who may review (config `qc.reviewRole`): the page offers the review only to them. */
  reviewRole: Type.Union([Type.Literal('admin'), Type.Literal('staff')]),
});
export type QcOverview = Static<typeof QcOverview>;

export const QcReviewBody = Type.Object(
  {
    action: Type.String({ minLength: 3, maxLength: 2000, description: 'what was found and done (corrective action)' }),
    release: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'also release the patient results held for this rejection (otherwise each is released or discarded on its own)',
      }),
    ),
    heldSeen: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'with release: how many held results the reviewer was shown; when more or fewer are held now, the review is refused (409) so nobody releases results unseen',
      }),
    ),
  },
  { additionalProperties: false },
);
export type QcReviewBody = Static<typeof QcReviewBody>;
