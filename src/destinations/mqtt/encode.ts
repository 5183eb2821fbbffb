// A reading as an uplink message: the medgate.reading/1 JSON or a FHIR R4 transaction Bundle
// (src/uplink/README.md).

import type { MqttDestinationConfig } from '../../config/schema.ts';
import type { Reading } from '../../model/reading.ts';
import { uplinkBody } from '../../uplink/body.ts';
import type { QcEntryView } from '../../qc/qc-view.ts';
import type { EncodeContext, Encoded, EncodedQc, QcEncodeContext } from '../adapter.ts';
import { qcUplinkBody } from './qc-message.ts';

export function encodeMqtt(reading: Reading, ctx: EncodeContext<MqttDestinationConfig>): Encoded {
  const { gateway, destination: dest } = ctx;
  return {
    body: uplinkBody(
      dest.format,
      { reading, patient: ctx.patient },
      {
        messageId: ctx.controlId,
        gateway: { application: gateway.application ?? 'MEDGATE', facility: gateway.facility },
        now: ctx.now,
        maxInlineBytes: dest.maxInlineBytes,
        localCodeSystem: ctx.localCodeSystem,
      },
    ),
  };
}

/**
 * QC results as medgate.qc/1 JSON. A FHIR-format uplink gets none: its consumers file Observations
 * under a patient (FHIR R4 Observation.subject), and a control result must not look like one.
 */
export function encodeMqttQc(entries: readonly QcEntryView[], ctx: QcEncodeContext<MqttDestinationConfig>): EncodedQc {
  const { gateway, destination: dest, device } = ctx;
  if (dest.format === 'fhir') return { skipped: 'a FHIR uplink carries patient Observations only; QC results go as medgate.qc/1 JSON (format json)' };
  const first = entries[0];
  const deviceId = device?.id ?? first?.device ?? '';
  const label = device?.label ?? first?.deviceLabel;
  return {
    body: qcUplinkBody(entries, {
      messageId: ctx.controlId,
      now: ctx.now,
      gateway: { application: gateway.application ?? 'MEDGATE', ...(gateway.facility === undefined ? {} : { facility: gateway.facility }) },
      device: label === undefined ? { id: deviceId } : { id: deviceId, label },
    }),
  };
}
