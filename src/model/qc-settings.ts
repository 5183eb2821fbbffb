// Quality-control settings: which specimens are control material, the control lots with their
// target means and SDs, which Westgard rules judge them, and whether a rejection holds patient
// results. One TypeBox source for the configuration schema, the page's form and the QC service
// (src/qc/). docs/architecture.md#quality-control.

import { Type, type Static } from '@sinclair/typebox';

/**
 * The Westgard multirule set (Westgard JO, Barry PL, Hunt MR, Groth T. A multi-rule Shewhart chart
 * for quality control in clinical chemistry. Clin Chem 1981;27:493-501): 1-2s is a warning, the
 * others reject the run.
 */
export const QC_RULES = ['1-2s', '1-3s', '2-2s', 'R-4s', '4-1s', '10-x'] as const;
export type QcRuleName = (typeof QC_RULES)[number];
export const QcRule = Type.Union(
  QC_RULES.map((r) => Type.Literal(r)),
  { description: '1-2s (warning), 1-3s, 2-2s, R-4s, 4-1s, 10-x (rejections)' },
);

/**
 * What each rule means, in the words the page shows and as src/qc/westgard.ts applies it (Westgard
 * 1981; J Assist Reprod Genet 2014;31:25-33, Table 1 "Definitions of Westgard quality control rules"):
 * R-4s within a run only; 2-2s across the levels of a run or between runs on one control; 4-1s and
 * 10-x on one control or across controls. One table, so the page cannot say a rule the engine does not apply.
 */
export const QC_RULE_MEANING: Readonly<Record<QcRuleName, string>> = {
  '1-2s': 'one result beyond 2 SD, a warning',
  '1-3s': 'one result beyond 3 SD',
  '2-2s': 'two results beyond the same 2 SD limit: two levels of one run, or two runs in a row on one control',
  'R-4s': 'one result of a run beyond +2 SD and another beyond \u22122 SD',
  '4-1s': 'four results in a row beyond the same 1 SD limit, on one control or across controls',
  '10-x': 'ten results in a row on the same side of the mean, on one control or across controls',
};

/** CLSI C24 asks for at least 20 runs to establish a new lot's mean and SD. */
export const DEFAULT_ESTABLISH_RUNS = 20;
/** Results of one test within this many minutes of each other form one run (the within-run rules compare its levels). */
export const DEFAULT_RUN_WINDOW_MINUTES = 30;
/** CLIA (42 CFR 493.1105(a)(3)) keeps quality-control records at least two years. */
export const DEFAULT_QC_RETENTION_DAYS = 730;

export const QcTarget = Type.Object(
  {
    mean: Type.Number({ title: 'Target mean' }),
    sd: Type.Number({ exclusiveMinimum: 0, title: 'Target SD' }),
    unit: Type.Optional(Type.String({ maxLength: 32, title: 'Unit', description: 'UCUM; a result in another unit is logged and not judged' })),
  },
  { additionalProperties: false },
);
export type QcTargetT = Static<typeof QcTarget>;

export const QcLot = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      maxLength: 64,
      title: 'Lot',
      description: 'the control lot as the analyzer identifies it: the sample ID it gives the control, or the lot it names',
    }),
    level: Type.Optional(Type.String({ maxLength: 32, title: 'Level', description: 'e.g. 1, 2, low, high' })),
    material: Type.Optional(Type.String({ maxLength: 100, title: 'Control material' })),
    expires: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', title: 'Expires', description: 'YYYY-MM-DD' })),
    targets: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 64 }), QcTarget, {
        title: 'Targets per test',
        description: 'the analyzer\'s test code to the lot\'s target mean and SD, e.g. { "GLU": { "mean": 5.5, "sd": 0.15 } }',
      }),
    ),
  },
  { additionalProperties: false },
);
export type QcLotT = Static<typeof QcLot>;

export const DeviceQc = Type.Object(
  {
    sampleIdPattern: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        title: 'Control sample IDs',
        description:
          'a regular expression for sample IDs the analyzer gives control material, e.g. ^QC; named groups (?<lot>...) and (?<level>...) take the lot and level from the ID. For analyzers that do not mark QC on the wire',
      }),
    ),
    lots: Type.Optional(Type.Array(QcLot, { maxItems: 200, title: 'Control lots' })),
    rules: Type.Optional(
      Type.Array(QcRule, {
        uniqueItems: true,
        title: 'Westgard rules',
        description: 'which rules judge the runs; absent: all six. 1-2s warns, the others reject',
      }),
    ),
    establishFromRuns: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 100,
        title: 'Establish targets from the first N runs',
        description:
          'a lot and test without a configured target gets the mean and SD of its first N results (CLSI C24: at least 20); absent: only configured targets judge',
      }),
    ),
    runWindowMinutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1440,
        default: DEFAULT_RUN_WINDOW_MINUTES,
        title: 'One run (minutes)',
        description: 'results of one test within this many minutes form one run: the within-run rules (2-2s, R-4s) compare its levels',
      }),
    ),
    holdOnReject: Type.Optional(
      Type.Boolean({
        default: true,
        title: 'Hold patient results after a QC rejection',
        description: "until a person reviews the rejection, this analyzer's patient results for that test are held (reason: qc failed)",
      }),
    ),
  },
  { additionalProperties: false },
);
export type DeviceQcT = Static<typeof DeviceQc>;

/** Gateway-wide QC settings (config `qc`). */
export const QcConfig = Type.Object(
  {
    retentionDays: Type.Optional(
      Type.Integer({
        minimum: 365,
        maximum: 3650,
        default: DEFAULT_QC_RETENTION_DAYS,
        description: 'how long QC results are kept (CLIA: at least two years); default 730',
      }),
    ),
    reviewRole: Type.Optional(
      Type.Union([Type.Literal('admin'), Type.Literal('staff')], {
        default: 'admin',
        description: 'who may record the review of a QC rejection; default admin',
      }),
    ),
  },
  { additionalProperties: false },
);
export type QcConfigT = Static<typeof QcConfig>;

/** What a destination takes: patient results (the default), QC results (a LIS that wants them), or both. Never QC in a patient message. */
export const DestinationReceives = Type.Array(Type.Union([Type.Literal('patient'), Type.Literal('qc')]), {
  minItems: 1,
  uniqueItems: true,
  description: "patient: patient results (default); qc: QC results, as HL7 with the control specimen marked (SPM-11 Q) or the uplink's JSON",
});
