// The driver registry: adding a device protocol means adding its folder and one line here.

import type { Driver } from '../src/model/driver.ts';
import { driver as accutorr, validateSettings as validateAccutorr } from './accutorr/index.ts';
import { driver as adScale, validateSettings as validateAdScale } from './ad-scale/index.ts';
import { driver as astmLis2, validateSettings as validateAstm } from './astm-lis2/index.ts';
import { driver as ekgAecg, validateSettings as validateEkgAecg } from './ekg-aecg/index.ts';
import { driver as ekgSerial, validateSettings as validateEkgSerial } from './ekg-serial/index.ts';
import { driver as genericLine, validateSettings as validateGenericLine } from './generic-line/index.ts';
import { driver as hl7Analyzer, validateSettings as validateHl7Analyzer } from './hl7-analyzer/index.ts';
import { driver as mqttJson, validateSettings as validateMqttJson } from './mqtt-json/index.ts';
import { driver as tanita, validateSettings as validateTanita } from './tanita/index.ts';

export const drivers: Driver[] = [adScale, tanita, accutorr, genericLine, astmLis2, hl7Analyzer, mqttJson, ekgAecg, ekgSerial];

/** Checks beyond each driver's TypeBox schema; problems carry locations like `settings.pattern`. */
export const settingsValidators: Record<string, (settings: unknown) => string[]> = {
  [adScale.id]: validateAdScale,
  [tanita.id]: validateTanita,
  [accutorr.id]: validateAccutorr,
  [genericLine.id]: validateGenericLine,
  [astmLis2.id]: validateAstm,
  [hl7Analyzer.id]: validateHl7Analyzer,
  [mqttJson.id]: validateMqttJson,
  [ekgAecg.id]: validateEkgAecg,
  [ekgSerial.id]: validateEkgSerial,
};

export function findDriver(id: string): Driver | undefined {
  return drivers.find((d) => d.id === id);
}
