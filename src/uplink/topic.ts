// The publish topic of an uplink message. The destination's topic is a template; its {deviceId} and
// {kind} placeholders are filled from the message body itself, because the outbox hands the sender
// only the body and its control ID (and the body is the one thing that never changes on a retry).

import { DEVICE_KIND_TAG, DEVICE_TAG } from './fhir.ts';
import { READING_SCHEMA_ID } from './schema.ts';
import { isRecord } from '../model/is-record.ts';

export interface Routing {
  deviceId: string;
  kind: string;
}

/** The uplink JSON of QC results (src/destinations/mqtt/qc-message.ts builds it); here because the topic is filled from it. */
export const QC_SCHEMA_ID = 'medgate.qc/1';

const PLACEHOLDER = /\{(deviceId|kind)\}/g;

export function hasPlaceholders(template: string): boolean {
  return /\{(deviceId|kind)\}/.test(template);
}

/** Device id and kind from a medgate.reading/1 or medgate.qc/1 document or from a Bundle's meta.tag; undefined when absent. */
export function routingOf(body: string): Routing | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isRecord(doc)) return undefined;
  if (doc.schema === READING_SCHEMA_ID && isRecord(doc.device)) {
    const { id, kind } = doc.device;
    return typeof id === 'string' && typeof kind === 'string' ? { deviceId: id, kind } : undefined;
  }
  // QC results: the device, and the kind is always qc.
  if (doc.schema === QC_SCHEMA_ID && isRecord(doc.device)) {
    const { id } = doc.device;
    return typeof id === 'string' ? { deviceId: id, kind: 'qc' } : undefined;
  }
  if (doc.resourceType === 'Bundle' && isRecord(doc.meta) && Array.isArray(doc.meta.tag)) {
    const tags: unknown[] = doc.meta.tag;
    const tag = (system: string): string | undefined => {
      const t = tags.find((x) => isRecord(x) && x.system === system);
      return isRecord(t) && typeof t.code === 'string' ? t.code : undefined;
    };
    const deviceId = tag(DEVICE_TAG);
    const kind = tag(DEVICE_KIND_TAG);
    return deviceId !== undefined && kind !== undefined ? { deviceId, kind } : undefined;
  }
  return undefined;
}

/** A topic level must not be empty nor hold the wildcards or a separator (MQTT 3.1.1 4.7). */
function level(value: string): string {
  const clean = value.replace(/[/+#\u0000]/g, '_');
  return clean === '' ? '_' : clean;
}

/**
 * The topic for `body`. Throws when the template has placeholders and the body does not say what
 * fills them (a body the gateway did not build for an uplink).
 */
export function resolveTopic(template: string, body: string): string {
  if (!hasPlaceholders(template)) return template;
  const routing = routingOf(body);
  if (!routing) throw new Error('the message names no device id and kind to fill the topic placeholders');
  return template.replace(PLACEHOLDER, (_m, name: string) => level(name === 'deviceId' ? routing.deviceId : routing.kind));
}
