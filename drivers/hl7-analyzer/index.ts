// Lab analyzers that send HL7 v2 ORU^R01 over MLLP (docs/protocols.md#hl7-v2-from-analyzers). See README.md.

import type { Driver } from '../../src/model/driver.ts';
import { resolveSettings, schemaProblems } from '../_shared/settings.ts';
import { openHl7AnalyzerSession } from './session.ts';
import { hl7AnalyzerSettings } from './settings.ts';

export const driver: Driver = {
  id: 'hl7-analyzer',
  title: 'Lab analyzer (HL7 v2 ORU^R01 over MLLP)',
  kind: 'lab',
  transports: ['tcp'],
  settings: hl7AnalyzerSettings,
  validateSettings,
  open(link) {
    const s = resolveSettings('hl7-analyzer', hl7AnalyzerSettings, link.device.settings);
    return openHl7AnalyzerSession(link, {
      detectResends: s.duplicateMemory !== 0,
      ...(s.ackSendingApplication ? { ackSendingApplication: s.ackSendingApplication } : {}),
      ...(s.ackSendingFacility ? { ackSendingFacility: s.ackSendingFacility } : {}),
    });
  },
};

function validateSettings(settings: unknown): string[] {
  return schemaProblems(hl7AnalyzerSettings, settings ?? {});
}

export default driver;
