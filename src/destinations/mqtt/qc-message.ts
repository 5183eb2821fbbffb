// QC results as the uplink's JSON ("medgate.qc/1"), for an MQTT destination that receives them
// (`receives` with 'qc'). Its own schema id, apart from the patient readings' medgate.reading/1, so
// a consumer can never take a control result for a patient's; the topic's {kind} is `qc`.
// One TypeBox schema gives the type and the JSON Schema a consumer can validate against.
//
// Compatibility rule as for medgate.reading/1: within /1 fields are only added.

import { Type, type Static } from '@sinclair/typebox';
import { QcEntryView } from '../../qc/qc-view.ts';
import { QC_SCHEMA_ID } from '../../uplink/topic.ts';

export const QcUplinkMessage = Type.Object(
  {
    schema: Type.Literal(QC_SCHEMA_ID),
    kind: Type.Literal('qc'),
    /** The outbox control ID: what a consumer dedupes redeliveries on. */
    messageId: Type.String({ minLength: 1 }),
    sentAt: Type.String({ description: 'when the message was built (ISO 8601)' }),
    gateway: Type.Object({ application: Type.String(), facility: Type.Optional(Type.String()) }, { additionalProperties: false }),
    device: Type.Object({ id: Type.String(), label: Type.Optional(Type.String()) }, { additionalProperties: false }),
    /** One per test of the control run, as GET /api/qc lists them (value, unit, time, lot, level, z, status, rules). */
    entries: Type.Array(QcEntryView, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type QcUplinkMessage = Static<typeof QcUplinkMessage>;

export interface QcUplinkContext {
  messageId: string;
  now: Date;
  gateway: { application: string; facility?: string };
  device: { id: string; label?: string };
}

/** The JSON text; entries are copied as the QC log has them (values are QC material's, never a patient's). */
export function qcUplinkBody(entries: readonly QcEntryView[], ctx: QcUplinkContext): string {
  if (entries.length === 0) throw new RangeError('a QC message needs at least one QC entry');
  const gateway = ctx.gateway.facility === undefined ? { application: ctx.gateway.application } : { ...ctx.gateway };
  const device = ctx.device.label === undefined ? { id: ctx.device.id } : { ...ctx.device };
  const doc: QcUplinkMessage = {
    schema: QC_SCHEMA_ID,
    kind: 'qc',
    messageId: ctx.messageId,
    sentAt: ctx.now.toISOString(),
    gateway,
    device,
    entries: entries.map((e) => structuredClone(e)),
  };
  return JSON.stringify(doc);
}
