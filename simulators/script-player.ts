// Plays a device that talks on its own (scales, oximeters): reading after reading, each a script
// of timed writes. Pausing (detach) keeps the position so a reconnect resumes mid-reading.

import { toBytes } from './faults.ts';
import type { DeviceIo, SimulatedDevice, SimulatorOptions } from './types.ts';

export interface Step {
  text: string;
  /** Pause after this write. */
  delayMs: number;
  /** The write that makes the driver take the reading (counts toward `sent`). */
  completesReading?: boolean;
}

export function createScriptedDevice(driver: string, options: SimulatorOptions, makeReading: (index: number) => Step[]): SimulatedDevice {
  const count = options.count;
  let io: DeviceIo | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let script: Step[] | null = null;
  let position = 0;
  let sent = 0;
  let readingsStarted = 0;
  let stopped = false;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  if (count !== undefined && count <= 0) resolveDone();

  function schedule(delayMs: number): void {
    timer = setTimeout(step, delayMs);
  }

  function step(): void {
    timer = undefined;
    if (stopped || io === null) return;
    if (script === null) {
      if (count !== undefined && readingsStarted >= count) return;
      script = makeReading(readingsStarted++);
      position = 0;
    }
    const s = script[position++];
    if (s !== undefined) {
      io.write(toBytes(s.text));
      if (s.completesReading) {
        sent++;
        options.log?.(`${driver}: reading ${sent} sent`);
        if (sent === count) resolveDone();
      }
    }
    if (position >= script.length) script = null;
    schedule(s?.delayMs ?? 0);
  }

  return {
    driver,
    start(next) {
      if (stopped) return;
      io = next;
      if (timer === undefined) schedule(0);
    },
    receive() {
      // These devices ignore what the host sends.
    },
    detach() {
      io = null;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    stop() {
      stopped = true;
      io = null;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    done,
    get sent() {
      return sent;
    },
  };
}

/** Gap between lines of one reading, derived from the reading interval. */
export function lineGap(intervalMs: number): number {
  return Math.min(100, Math.floor(intervalMs / 20));
}
