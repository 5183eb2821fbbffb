// The simulator registry: one simulator per driver id.

import { create as accutorr } from './accutorr.ts';
import { create as adScale } from './ad-scale.ts';
import { create as astmLis2 } from './astm-lis2.ts';
import { createAecg, createSerial } from './ekg-cart.ts';
import { create as genericLine } from './generic-line.ts';
import { create as hl7Analyzer } from './hl7-analyzer.ts';
import { create as mqttVitals } from './mqtt-vitals.ts';
import { create as tanita } from './tanita.ts';
import { simulatorIds, type SimulatorId } from './ids.ts';
import type { OrderTakingDevice, QcSendingDevice, SimulatedDevice, SimulatorOptions } from './types.ts';

// Keyed by ids.ts: the compiler refuses a listed id without its simulator, or one that is not listed.
const factories: Record<SimulatorId, (options: SimulatorOptions) => SimulatedDevice> = {
  'ad-scale': adScale,
  tanita,
  accutorr,
  'generic-line': genericLine,
  'astm-lis2': astmLis2,
  'hl7-analyzer': hl7Analyzer,
  'mqtt-json': mqttVitals,
  'ekg-aecg': createAecg,
  'ekg-serial': createSerial,
};

export { simulatorIds };

export function createSimulator(driver: string, options: SimulatorOptions): SimulatedDevice {
  const factory = (factories as Record<string, ((options: SimulatorOptions) => SimulatedDevice) | undefined>)[driver];
  if (factory === undefined) throw new Error(`no simulator for driver "${driver}" (known: ${simulatorIds.join(', ')})`);
  return factory(options);
}

/** The simulator as an analyzer that takes orders (scan, worklist), or undefined when it is not one. */
export function asOrderTaking(device: SimulatedDevice): OrderTakingDevice | undefined {
  const d = device as Partial<OrderTakingDevice>;
  return typeof d.scan === 'function' && typeof d.runWorklist === 'function' ? (device as OrderTakingDevice) : undefined;
}

/** The simulator as an analyzer that runs controls (sendQcRun), or undefined when it is not one. */
export function asQcSending(device: SimulatedDevice): QcSendingDevice | undefined {
  const d = device as Partial<QcSendingDevice>;
  return typeof d.sendQcRun === 'function' && typeof d.sendQc === 'function' ? (device as QcSendingDevice) : undefined;
}

export type {
  AnalyzerOrderOptions,
  AnalyzerQcOptions,
  QcSendingDevice,
  SimQcOptions,
  Fault,
  OrderTakingDevice,
  SimulatedDevice,
  SimulatorOptions,
} from './types.ts';
