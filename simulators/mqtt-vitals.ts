// A vital-signs device that publishes one mqtt-json message per reading (drivers/mqtt-json/README.md):
// rotating BP (systolic/diastolic/mean/pulse), SpO2 with pulse, temperature (sometimes in degF) and
// weight (sometimes in lb); half of them carry a patient. Each io.write is ONE MQTT message (the
// runner publishes it). Values, kinds, units and faults follow the seed; the times come from `now`.
// Faults: garbage (a payload that is not JSON), implausible (a systolic of 400, counted as a
// reading), duplicate (the same message published again). Other faults are ignored.

import { FaultPlan } from './faults.ts';
import { createRng, type Rng } from './prng.ts';
import type { DeviceIo, SimulatedDevice, SimulatorOptions } from './types.ts';

export interface MqttVitalsSimulatorOptions extends SimulatorOptions {
  /** The device serial number in every message. */
  serial?: string;
  /** Clock for the `time` field (tests pass a fixed one for byte-identical runs). */
  now?: () => Date;
}

export interface VitalsMeasurement {
  type: string;
  value: number;
  unit: string;
}

export interface VitalsMessage {
  device: string;
  time: string;
  id: string;
  patient?: { mrn: string; family: string; given: string };
  measurements: VitalsMeasurement[];
}

export interface MqttVitalsSimulator extends SimulatedDevice {
  /** The readings published, in order (each once, whatever faults repeated). */
  readonly messages: readonly VitalsMessage[];
}

const PATIENTS = [
  { mrn: 'MRN4711', family: 'Hon', given: 'Albert' },
  { mrn: 'MRN0815', family: 'Garcia', given: 'Maria' },
  { mrn: 'MRN2024', family: 'Okafor', given: 'Chidi' },
];

const KINDS = ['bp', 'spo2', 'temperature', 'weight'] as const;

/** ISO 8601 with the local offset, as a device set to clinic time sends it. */
function isoWithOffset(d: Date): string {
  const offset = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function measurementsFor(kind: (typeof KINDS)[number], rng: Rng, implausible: boolean): VitalsMeasurement[] {
  switch (kind) {
    case 'bp': {
      const sys = implausible ? 400 : rng.int(100, 170);
      const dia = rng.int(60, Math.min(100, sys - 30));
      return [
        { type: 'bp.systolic', value: sys, unit: 'mmHg' },
        { type: 'bp.diastolic', value: dia, unit: 'mmHg' },
        { type: 'bp.mean', value: Math.round(dia + (sys - dia) / 3), unit: 'mmHg' },
        { type: 'pulse', value: rng.int(52, 110), unit: 'bpm' },
      ];
    }
    case 'spo2':
      return [
        { type: 'spo2', value: rng.int(91, 100), unit: '%' },
        { type: 'pulse', value: rng.int(52, 110), unit: '/min' },
      ];
    case 'temperature':
      return rng.chance(0.5)
        ? [{ type: 'temperature', value: rng.real(97.0, 100.4, 0.1), unit: 'degF' }]
        : [{ type: 'temperature', value: rng.real(36.1, 38.0, 0.1), unit: 'Cel' }];
    case 'weight':
      return rng.chance(0.5)
        ? [{ type: 'weight', value: rng.real(90, 260, 0.2), unit: 'lb' }]
        : [{ type: 'weight', value: rng.real(40, 120, 0.1), unit: 'kg' }];
  }
}

/** `rng.real` leaves binary noise (36.900000000000006); a device prints what it shows. */
function tidy(m: VitalsMeasurement): VitalsMeasurement {
  return { ...m, value: Number(m.value.toFixed(1)) };
}

export function create(options: MqttVitalsSimulatorOptions = {}): MqttVitalsSimulator {
  const rng = createRng(options.seed ?? 1);
  const plan = new FaultPlan(options.faults ?? [], rng);
  const interval = options.intervalMs ?? 15_000;
  const count = options.count;
  const serial = options.serial ?? `SIM-VITALS-${options.seed ?? 1}`;
  const now = options.now ?? (() => new Date());
  const messages: VitalsMessage[] = [];
  let io: DeviceIo | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  if (count !== undefined && count <= 0) resolveDone();

  const publish = (text: string): void => io?.write(Buffer.from(text, 'utf8'));

  function next(): void {
    timer = undefined;
    if (stopped || io === null) return;
    if (count !== undefined && messages.length >= count) return;
    const index = messages.length;
    const faults = plan.for(index, count);
    if (faults.size > 0) options.log?.(`mqtt-vitals: reading ${index + 1} with faults ${[...faults].join(', ')}`);
    if (faults.has('garbage')) publish(rng.pick(['BP 128/84 P72', '{"device": "SN-1", "measurements": [', '\u0000\u00ff\u0013']));
    const implausible = faults.has('implausible');
    const kind = implausible ? 'bp' : KINDS[index % KINDS.length]!;
    const message: VitalsMessage = {
      device: serial,
      time: isoWithOffset(now()),
      id: `${serial}-${index + 1}`,
      measurements: measurementsFor(kind, rng, implausible).map(tidy),
    };
    if (rng.chance(0.5)) message.patient = rng.pick(PATIENTS);
    const text = JSON.stringify(message);
    messages.push(message);
    publish(text);
    if (faults.has('duplicate')) publish(text);
    if (messages.length === count) resolveDone();
    else timer = setTimeout(next, interval);
  }

  return {
    driver: 'mqtt-json',
    start(nextIo) {
      if (stopped) return;
      io = nextIo;
      if (timer === undefined) timer = setTimeout(next, messages.length === 0 ? 0 : interval);
    },
    receive() {
      // Nothing comes back on a publish-only device.
    },
    detach() {
      io = null;
      clearTimeout(timer);
      timer = undefined;
    },
    stop() {
      stopped = true;
      io = null;
      clearTimeout(timer);
      timer = undefined;
    },
    done,
    get sent() {
      return messages.length;
    },
    get messages() {
      return messages;
    },
  };
}
