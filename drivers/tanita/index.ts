// Tanita scales and body-composition analyzers, comma-separated record (docs/protocols.md#tanita-csv-record). See README.md.

import type { Driver } from '../../src/model/driver.ts';
import { createLineSession } from '../_shared/line-session.ts';
import { decodeWithResync } from '../_shared/resync.ts';
import { resolveSettings, schemaProblems } from '../_shared/settings.ts';
import { decodeTanitaLine, equipmentOf } from './decode.ts';
import { LEADING_NOISE, MAX_RECORD_LENGTH } from './framing.ts';
import { tanitaSettings } from './settings.ts';

export const driver: Driver = {
  id: 'tanita',
  title: 'Tanita scale / body composition (CSV record)',
  kind: 'scale',
  transports: ['serial', 'tcp'],
  serialDefaults: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
  settings: tanitaSettings,
  validateSettings,
  open(link) {
    resolveSettings('tanita', tanitaSettings, link.device.settings);
    return createLineSession(link, {
      maxLineLength: MAX_RECORD_LENGTH,
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

function validateSettings(settings: unknown): string[] {
  return schemaProblems(tanitaSettings, settings ?? {});
}

export default driver;
