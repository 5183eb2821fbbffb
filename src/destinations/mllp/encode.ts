// A reading as the HL7 v2 ORU^R01 an EHR files: analyzers' results as a classic lab ORU (v2.5.1),
// device vitals as IHE PCD-01 (v2.6).

import type { MllpDestinationConfig } from '../../config/schema.ts';
import { encodeOruLab } from '../../hl7/oru-lab.ts';
import { encodeOruPcd01 } from '../../hl7/oru-pcd01.ts';
import type { Reading } from '../../model/reading.ts';
import type { EncodeContext, Encoded } from '../adapter.ts';

export function encodeMllp(reading: Reading, ctx: EncodeContext<MllpDestinationConfig>): Encoded {
  const { gateway, device, destination: dest, localCodeSystem } = ctx;
  const common = {
    controlId: ctx.controlId,
    now: ctx.now,
    sendingApplication: { name: gateway.application ?? 'MEDGATE', eui64: gateway.eui64 },
    sendingFacility: gateway.facility,
    receivingApplication: dest.receivingApplication,
    receivingFacility: dest.receivingFacility,
    patient: ctx.patient,
    visit: ctx.visit,
  };
  const deviceRef = { id: reading.deviceId, label: device?.label, kind: reading.kind };
  if (reading.kind === 'lab') {
    return { body: encodeOruLab(reading, { ...common, device: deviceRef, localCodeSystem, specimenType: device?.lab?.specimenType }) };
  }
  return { body: encodeOruPcd01(reading, { ...common, device: { ...deviceRef, eui64: device?.equipment?.eui64 }, localCodeSystem }) };
}
