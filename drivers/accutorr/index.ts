// Datascope Accutorr (3 / Plus) PC interface: the gateway polls "P" (docs/protocols.md#datascope-accutorr-host-protocol). See README.md.

import type { Driver } from '../../src/model/driver.ts';
import { resolveSettings, schemaProblems } from '../_shared/settings.ts';
import { openAccutorrSession } from './session.ts';
import { accutorrSettings } from './settings.ts';

export const driver: Driver = {
  id: 'accutorr',
  title: 'Datascope Accutorr (PC interface, polled)',
  kind: 'bp',
  transports: ['serial', 'tcp'],
  // 8N1 from the service manual; the baud rate is chosen in the monitor's configuration menu (9600 assumed, UNVERIFIED).
  serialDefaults: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
  settings: accutorrSettings,
  validateSettings,
  open(link) {
    const s = resolveSettings('accutorr', accutorrSettings, link.device.settings);
    return openAccutorrSession(link, { pollIntervalMs: s.pollIntervalMs ?? 5000, maxAgeMinutes: s.maxAgeMinutes ?? 10 });
  },
};

function validateSettings(settings: unknown): string[] {
  return schemaProblems(accutorrSettings, settings ?? {});
}

export default driver;
