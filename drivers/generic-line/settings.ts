import { Type, type Static } from '@sinclair/typebox';
import { VITAL_TYPES } from '../../src/model/vocabulary.ts';

const fieldSchema = Type.Object(
  {
    type: Type.Optional(
      Type.Union(
        VITAL_TYPES.map((t) => Type.Literal(t)),
        { title: 'Measurement' },
      ),
    ),
    code: Type.Optional(
      Type.Object(
        {
          loinc: Type.Optional(Type.String({ minLength: 1 })),
          mdc: Type.Optional(Type.Object({ ref: Type.String({ minLength: 1 }), code: Type.Optional(Type.Integer()) }, { additionalProperties: false })),
          local: Type.Optional(
            Type.Object(
              { system: Type.String({ minLength: 1 }), code: Type.String({ minLength: 1 }), display: Type.Optional(Type.String()) },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    unit: Type.Optional(Type.String({ title: 'Unit as the device sends it' })),
    absent: Type.Optional(Type.Array(Type.String(), { title: 'Texts meaning "no value"', description: 'e.g. ["---"]' })),
  },
  { additionalProperties: false },
);

export const genericLineSettings = Type.Object(
  {
    pattern: Type.String({ minLength: 1, title: 'Line pattern', description: 'JavaScript regular expression with named groups, e.g. ^SPO2=(?<spo2>\\d+)' }),
    flags: Type.Optional(Type.String({ pattern: '^[imsu]*$', title: 'Regex flags', description: 'any of i, m, s, u' })),
    fields: Type.Record(Type.String(), fieldSchema, { title: 'Groups to measurements' }),
    complete: Type.Optional(
      Type.Union([Type.Literal('line'), Type.Object({ afterGroups: Type.Array(Type.String(), { minItems: 1 }) }, { additionalProperties: false })], {
        default: 'line',
        title: 'A report is complete',
        description: '"line": every matching line; { afterGroups }: once all listed groups were seen, across lines',
      }),
    ),
    kind: Type.Optional(
      Type.Union([Type.Literal('scale'), Type.Literal('bp'), Type.Literal('ekg'), Type.Literal('lab'), Type.Literal('vitals'), Type.Literal('generic')]),
    ),
    maxLineLength: Type.Optional(Type.Integer({ minimum: 16, maximum: 65536, default: 256 })),
  },
  { additionalProperties: false },
);

export type GenericLineSettings = Static<typeof genericLineSettings>;
export type GenericField = Static<typeof fieldSchema>;
