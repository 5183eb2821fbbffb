// A reading as an uplink message: the medgate.reading/1 JSON or a FHIR R4 transaction Bundle
// (src/uplink/README.md).

import type { MqttDestinationConfig } from '../../config/schema.ts';
import type { Reading } from '../../model/reading.ts';
import { uplinkBody } from '../../uplink/body.ts';
import type { EncodeContext, Encoded } from '../adapter.ts';

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
