// Tanita scales and body-composition analyzers, comma-separated record (PROTOCOLS.md 5.3). See README.md.

import type { Driver } from '../../src/model/driver.ts';
import { createLineSession } from '../_shared/line-session.ts';
import { decodeWithResync } from '../_shared/resync.ts';
import { resolveSettings, schemaProblems } from '../_shared/settings.ts';
import { decodeTanitaLine, equipmentOf } from './decode.ts';
import { tanitaSettings } from './settings.ts';

// The scale sends a stray signal ~0.1 s after each record; leading NULs, control chars and spaces
// are that (or line noise), never data.
const LEADING_NOISE = /^[\x00-\x20\x7f]+/;

export const driver: Driver = {
  id: 'tanita',
  title: 'Tanita scale / body composition (CSV record)',
  kind: 'scale',
  transports: ['serial', 'tcp'],
  serialDefaults: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
  settings: tanitaSettings,
  open(link) {
    resolveSettings('tanita', tanitaSettings, link.device.settings);
    return createLineSession(link, {
      // An SC-240 record with every field is ~250 bytes; leave room for larger models.
      maxLineLength: 1024,
      onLine(rawLine, { events, link: l }) {
        const line = rawLine.replace(LEADING_NOISE, '');
        if (line.trim() === '') {
          l.log.debug('stray signal after Tanita record ignored');
          return;
        }
        const { result, discarded } = decodeWithResync(line, decodeTanitaLine);
        if (discarded !== undefined) events.protocolError('incomplete record fragment discarded', discarded);
        if (!result.ok) {
          events.protocolError(result, line);
          return;
        }
        const record = result.value;
        const equipment = equipmentOf(record);
        const raw = line.slice(discarded?.length ?? 0);
        // Device time has no offset and the scale clock is rarely set: receipt time is used instead.
        void events.report(equipment === undefined ? { measurements: record.measurements, raw } : { measurements: record.measurements, raw, equipment });
      },
    });
  },
};

export function validateSettings(settings: unknown): string[] {
  return schemaProblems(tanitaSettings, settings ?? {});
}

export default driver;
