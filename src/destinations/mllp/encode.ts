// A reading as the HL7 v2 ORU^R01 an EHR files: analyzers' results as a classic lab ORU (v2.5.1),
// device vitals as IHE PCD-01 (v2.6).

import type { MllpDestinationConfig } from '../../config/schema.ts';
import { encodeOruLab } from '../../hl7/oru-lab.ts';
import { encodeOruPcd01 } from '../../hl7/oru-pcd01.ts';
import { encodeOruQc } from '../../hl7/oru-qc.ts';
import type { OruHeaderContext } from '../../hl7/segments.ts';
import type { Reading } from '../../model/reading.ts';
import type { QcEntryView } from '../../qc/qc-view.ts';
import type { EncodeContext, Encoded, QcEncodeContext } from '../adapter.ts';

export function encodeMllp(reading: Reading, ctx: EncodeContext<MllpDestinationConfig>): Encoded {
  const { device, localCodeSystem } = ctx;
  // Object.assign rather than `{ ...header, more }`: under Node 20 a literal with properties after
  // a spread took 1-3 µs, more than encoding the whole message; Object.assign about 0.1 µs.
  if (reading.kind === 'lab') {
    const lab = { device: { id: reading.deviceId, label: device?.label, kind: reading.kind }, localCodeSystem, specimenType: device?.lab?.specimenType };
    return { body: encodeOruLab(reading, Object.assign(header(ctx), lab)) };
  }
  const pcd = { device: { id: reading.deviceId, label: device?.label, kind: reading.kind, eui64: device?.equipment?.eui64 }, localCodeSystem };
  return { body: encodeOruPcd01(reading, Object.assign(header(ctx), pcd)) };
}

/** QC results for a LIS: ORU^R01 without a patient, the control specimen marked (src/hl7/oru-qc.ts). */
export function encodeMllpQc(entries: readonly QcEntryView[], ctx: QcEncodeContext<MllpDestinationConfig>): Encoded {
  return { body: encodeOruQc(entries, Object.assign(msh(ctx), { localCodeSystem: ctx.localCodeSystem })) };
}

/** MSH as every encoder takes it. */
function msh(ctx: QcEncodeContext<MllpDestinationConfig>): Omit<OruHeaderContext, 'patient' | 'visit'> {
  const { gateway, destination: dest } = ctx;
  return {
    controlId: ctx.controlId,
    now: ctx.now,
    sendingApplication: { name: gateway.application ?? 'MEDGATE', eui64: gateway.eui64 },
    sendingFacility: gateway.facility,
    receivingApplication: dest.receivingApplication,
    receivingFacility: dest.receivingFacility,
  };
}

/** MSH, PID and PV1 as both patient encoders take them. */
function header(ctx: EncodeContext<MllpDestinationConfig>): OruHeaderContext {
  return Object.assign(msh(ctx), { patient: ctx.patient, visit: ctx.visit });
}
