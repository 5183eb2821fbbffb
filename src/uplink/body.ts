// The one call the intake makes for an MQTT uplink: the destination's format picks the builder.

import { fhirBundle } from './fhir.ts';
import { readingMessage, type UplinkContext, type UplinkSource } from './reading-json.ts';

export type UplinkFormat = 'json' | 'fhir';

/** The body to queue for an uplink destination (format defaults to json). Throws UplinkBuildError on values no device should send. */
export function uplinkBody(format: UplinkFormat | undefined, source: UplinkSource, ctx: UplinkContext): string {
  return format === 'fhir' ? fhirBundle(source, ctx) : readingMessage(source, ctx);
}
