// What GET /api/readings and GET /api/messages accept, as TypeBox schemas: the routes validate with
// them and api-types.ts takes the query types from them, so the two never disagree.

import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({ minLength: 1, maxLength: 64 });

const Search = Type.String({
  maxLength: 100,
  description:
    'a reading id, a control ID (MSH-10), an MRN, or words of a patient name; ids and MRNs are exact index look-ups, a name is looked for among the newest readings or messages only (the answer says how many)',
});
const Before = Type.String({
  maxLength: 120,
  description: 'where the page starts: the `next` of the page before (an ISO time also works: strictly before it)',
});

export const ReadingsQuerySchema = Type.Object({
  status: Type.Union([Type.Literal('held'), Type.Literal('queued'), Type.Literal('delivered'), Type.Literal('dead'), Type.Literal('discarded')], {
    default: 'held',
  }),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  device: Type.Optional(Id),
  patient: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'MRN' })),
  q: Type.Optional(Search),
  before: Type.Optional(Before),
});

export const MESSAGE_STATES = ['queued', 'sending', 'retry_wait', 'delivered', 'dead'] as const;

export const MessagesQuerySchema = Type.Object({
  destination: Type.Optional(Id),
  state: Type.Optional(Type.Union(MESSAGE_STATES.map((s) => Type.Literal(s)))),
  device: Type.Optional(Id),
  patient: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'MRN' })),
  q: Type.Optional(Search),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  before: Type.Optional(Before),
});

export type ReadingsQuery = Static<typeof ReadingsQuerySchema>;
export type MessagesQuery = Static<typeof MessagesQuerySchema>;
