// OBX-18 Equipment Instance Identifier (EI) for both ORU encoders.
//
// IHE PCD TF-2 (Rev. 9.0) B.8 OBX-18 and C.5: the preferred form is the EUI-64 in EI.1 and EI.3 with
// EI.4 `EUI-64` and EI.2 empty (`0123456789ABCDEF^^0123456789ABCDEF^EUI-64`, "the preferred and most
// concise representation"). EI.2, the Namespace ID, is an IS of at most 20 characters (HL7 v2.6
// EI.2; table 0363) naming who assigned EI.1; it never carries a device label. Without an EUI-64:
// - an identity the device reported (serial number, model) goes alone in EI.1: no namespace we
//   could name assigned it;
// - otherwise the device id from the configuration, which the gateway assigned: EI.2 is the
//   sending application when that name is a valid namespace, else left empty.

import { escapeHl7 as esc } from './escape.ts';
import { components } from './segments.ts';

export interface EquipmentSource {
  /** The device's configured EUI-64 (16 hex digits). */
  eui64?: string;
  /** What the device (or the configuration's model/serial) says it is. */
  reported?: string;
  /** The configured device id. */
  deviceId: string;
  /** MSH-3's application: the assigner of configured device ids. */
  assigner: string;
}

/** HL7 v2.6 EI.2 (IS) length, and text that needs no escaping (an escape would count against it). */
const NAMESPACE = /^[A-Za-z0-9 _.-]{1,20}$/;

/** EI.2 for an id the gateway assigned: the application's name when it fits an IS, else nothing. */
export function namespaceId(name: string): string {
  return NAMESPACE.test(name) ? name : '';
}

/** OBX-18 as escaped EI text. */
export function equipmentIdentifier(src: EquipmentSource): string {
  if (src.eui64 !== undefined && src.eui64 !== '') return `${esc(src.eui64)}^^${esc(src.eui64)}^EUI-64`;
  if (src.reported !== undefined && src.reported !== '') return esc(src.reported);
  return components([esc(src.deviceId), namespaceId(src.assigner)]);
}
