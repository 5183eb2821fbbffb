// Lab analyzers that send HL7 v2 ORU^R01 over MLLP (docs/protocols.md#hl7-v2-from-analyzers) and take
// orders: downloads (OML^O21 / ORM^O01) and host queries (QBP, IHE LAW). See README.md.

import type { Driver } from '../../src/model/driver.ts';
import { resolveSettings, schemaProblems } from '../_shared/settings.ts';
import { openHl7AnalyzerSession } from './session.ts';
import { hl7AnalyzerSettings } from './settings.ts';

export const driver: Driver = {
  id: 'hl7-analyzer',
  title: 'Lab analyzer (HL7 v2 over MLLP: ORU^R01 results, orders and host queries)',
  kind: 'lab',
  transports: ['tcp'],
  settings: hl7AnalyzerSettings,
  validateSettings,
  orders: { query: true, download: true },
  open(link) {
    const s = resolveSettings('hl7-analyzer', hl7AnalyzerSettings, link.device.settings);
    return openHl7AnalyzerSession(link, {
      detectResends: s.duplicateMemory !== 0,
      orders: {
        structure: s.orderMessage ?? 'OML^O21',
        ackTimeoutMs: s.orderAckTimeoutMs ?? 30_000,
        codingSystem: s.orderCodingSystem ?? '99MDG',
      },
      ...(s.ackSendingApplication ? { ackSendingApplication: s.ackSendingApplication } : {}),
      ...(s.ackSendingFacility ? { ackSendingFacility: s.ackSendingFacility } : {}),
    });
  },
};

function validateSettings(settings: unknown): string[] {
  return schemaProblems(hl7AnalyzerSettings, settings ?? {});
}

export default driver;
