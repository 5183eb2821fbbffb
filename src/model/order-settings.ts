// A device's `orders` settings: which work the gateway gives an analyzer and how. One TypeBox source
// for the configuration schema, the page's form and the orders service. docs/architecture.md#orders.

import { Type, type Static } from '@sinclair/typebox';

/** Clinic analyzers commonly wait 10 to 30 s for a host-query answer; the shortest common setting is the default. */
export const DEFAULT_ANSWER_WITHIN_MS = 10_000;
export const DEFAULT_UNRESULTED_AFTER_HOURS = 24;

export const DeviceOrders = Type.Object(
  {
    mode: Type.Union([Type.Literal('query'), Type.Literal('download'), Type.Literal('both')], {
      title: 'How the analyzer gets its orders',
      description:
        'query: the analyzer scans a specimen and asks (ASTM Q record, HL7 QBP); download: the gateway sends each order when the EHR places it; both',
    }),
    specimenTypes: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 40 }), {
        minItems: 1,
        title: 'Specimen types it takes',
        description:
          "HL7 table 0487 codes (SER, PLAS, WB, UR ...) or the analyzer's words; an order for another specimen type is not sent to it. The first is sent when the order names none. Absent: any",
      }),
    ),
    tests: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, maxLength: 64 }),
        Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 50 })]),
        {
          title: 'Ordered test to analyzer code',
          description:
            'the EHR\'s test code (LOINC or its own order code, OBR-4) to the analyzer\'s code or codes, e.g. { "2345-7": "GLU" }. Absent: the device\'s code map in reverse, when it maps each code to a different LOINC',
        },
      ),
    ),
    answerWithinMs: Type.Optional(
      Type.Integer({
        minimum: 500,
        maximum: 120_000,
        default: DEFAULT_ANSWER_WITHIN_MS,
        title: 'Answer a query within (ms)',
        description: "the analyzer's host-query wait time; an answer that cannot go out within it is dropped, never sent late",
      }),
    ),
    unresultedAfterHours: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 720,
        default: DEFAULT_UNRESULTED_AFTER_HOURS,
        title: 'List as unresulted after (hours)',
        description: 'an order sent to or queried by the analyzer with no result for this long is listed as unresulted',
      }),
    ),
  },
  { additionalProperties: false },
);

export type DeviceOrdersT = Static<typeof DeviceOrders>;
