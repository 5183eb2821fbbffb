// Lab analyzers speaking ASTM E1381 (CLSI LIS1-A) framing and E1394 (CLSI LIS2-A2) records
// (docs/protocols.md#astm-e1381-low-level). medgate is the "computer": it receives results and sends
// host-query answers and downloads (docs/protocols.md#astm-host-query-and-download). See README.md.

import type { Driver } from '../../src/model/driver.ts';
import { resolveSettings, schemaProblems } from '../_shared/settings.ts';
import { DEFAULT_MAX_FRAME_TEXT } from './e1381.ts';
import { openAstmSession } from './session.ts';
import { astmSettings, senderDefaults } from './settings.ts';

export const driver: Driver = {
  id: 'astm-lis2',
  title: 'Lab analyzer (ASTM E1381/E1394, CLSI LIS1/LIS2)',
  kind: 'lab',
  transports: ['serial', 'tcp'],
  // The common factory setting of analyzers' LIS ports; most let the lab choose.
  serialDefaults: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
  settings: astmSettings,
  validateSettings,
  orders: { query: true, download: true },
  open(link) {
    const s = resolveSettings('astm-lis2', astmSettings, link.device.settings);
    return openAstmSession(link, {
      receiveTimeoutMs: s.receiveTimeoutMs ?? 30_000,
      maxFrameText: s.maxFrameText ?? DEFAULT_MAX_FRAME_TEXT,
      textEncoding: s.textEncoding ?? 'latin1',
      querySpecimenComponent: s.querySpecimenComponent ?? 2,
      sender: senderDefaults(s),
      downloadStartWithinMs: s.downloadStartWithinMs ?? 120_000,
    });
  },
};

function validateSettings(settings: unknown): string[] {
  return schemaProblems(astmSettings, settings ?? {});
}

export default driver;
