// A&D scales and indicators, "A&D standard format" (docs/protocols.md#ad-standard-weighing-output). See README.md.

import type { Driver } from '../../src/model/driver.ts';
import { resolveSettings, schemaProblems } from '../_shared/settings.ts';
import { openAdScaleSession } from './session.ts';
import { adScaleSettings } from './settings.ts';

export const driver: Driver = {
  id: 'ad-scale',
  title: 'A&D scale / indicator (A&D standard format)',
  kind: 'scale',
  transports: ['serial', 'tcp'],
  // UNVERIFIED: common A&D default; models differ (README.md).
  serialDefaults: { baudRate: 2400, dataBits: 7, parity: 'even', stopBits: 1 },
  settings: adScaleSettings,
  validateSettings,
  open(link) {
    const s = resolveSettings('ad-scale', adScaleSettings, link.device.settings);
    return openAdScaleSession(link, {
      mode: s.mode ?? 'stream',
      zeroThreshold: s.zeroThreshold ?? 0.5,
      changeThreshold: s.changeThreshold ?? 1,
    });
  },
};

function validateSettings(settings: unknown): string[] {
  return schemaProblems(adScaleSettings, settings ?? {});
}

export default driver;
