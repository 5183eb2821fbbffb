// Resting 12-lead EKG carts that export HL7 aECG (annotated ECG, HL7 v3 XML; docs/protocols.md#hl7-aecg-ekg-documents)
// to a watched folder or over MQTT. See README.md.

import type { Driver } from '../../src/model/driver.ts';
import { resolveSettings, schemaProblems } from '../_shared/settings.ts';
import { openEkgAecgSession } from './session.ts';
import { DEFAULT_MAX_DOCUMENT_BYTES, ekgAecgSettings } from './settings.ts';

export const driver: Driver = {
  id: 'ekg-aecg',
  title: 'EKG cart (HL7 aECG XML export)',
  kind: 'ekg',
  transports: ['file', 'mqtt'],
  settings: ekgAecgSettings,
  validateSettings,
  open(link) {
    const s = resolveSettings('ekg-aecg', ekgAecgSettings, link.device.settings);
    return openEkgAecgSession(link, { maxDocumentBytes: s.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES, attachDocument: s.attachDocument ?? true });
  },
};

function validateSettings(settings: unknown): string[] {
  return schemaProblems(ekgAecgSettings, settings ?? {});
}

export default driver;
