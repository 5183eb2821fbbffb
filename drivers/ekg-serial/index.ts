// The text summary a resting EKG cart prints to its serial port (a constructed format: no public
// specification was found). See README.md.

import type { Driver } from '../../src/model/driver.ts';
import { openEkgSerialSession } from './session.ts';

export const driver: Driver = {
  id: 'ekg-serial',
  title: 'EKG cart (serial text summary)',
  kind: 'ekg',
  transports: ['serial', 'tcp'],
  // Constructed default (README.md): most carts' RS-232 ports default to 9600 8N1.
  serialDefaults: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
  validateSettings,
  open(link) {
    return openEkgSerialSession(link);
  },
};

function validateSettings(settings: unknown): string[] {
  if (settings === undefined || settings === null) return [];
  if (typeof settings !== 'object' || Array.isArray(settings)) return ['settings: must be an object'];
  return Object.keys(settings).map((k) => `settings.${k}: ekg-serial has no settings`);
}

export default driver;
