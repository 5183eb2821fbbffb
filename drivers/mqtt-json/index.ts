// Devices that publish one JSON reading per MQTT message (our documented format). See README.md.

import type { Driver } from '../../src/model/driver.ts';
import { resolveSettings, schemaProblems } from '../_shared/settings.ts';
import { openMqttJsonSession } from './session.ts';
import { mqttJsonSettings } from './settings.ts';

export const driver: Driver = {
  id: 'mqtt-json',
  title: 'Vital signs as JSON over MQTT',
  kind: 'vitals',
  transports: ['mqtt'],
  settings: mqttJsonSettings,
  validateSettings,
  open(link) {
    const s = resolveSettings('mqtt-json', mqttJsonSettings, link.device.settings);
    return openMqttJsonSession(link, { detectResends: s.duplicateMemory !== 0 });
  },
};

function validateSettings(settings: unknown): string[] {
  return schemaProblems(mqttJsonSettings, settings ?? {});
}

export default driver;
