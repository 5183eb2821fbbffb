// Datascope Accutorr PC interface: speaks only when polled. Answers `P` with
// `P:aaa,bbb,ccc,ddd,eee,fff,ggg,hhh,iii<CR><LF>>` (SaO2, pulse, sys, mean, dia, status 0-2,
// minutes since last NIBP), `L` with alarm limits, `C` with the prompt. A new NIBP measurement
// is taken `intervalMs` after the previous one was read by the host; `count` counts measurements.
// At power-up the monitor still shows an old (45 min) result, which a gateway must not forward.

import { cut, FaultPlan, garbage, toBytes } from './faults.ts';
import { createRng } from './prng.ts';
import type { DeviceIo, Fault, SimulatedDevice, SimulatorOptions } from './types.ts';

interface Nibp {
  sys: number;
  mean: number;
  dia: number;
  pulse: number;
  spo2: number | null;
  takenAt: number;
  served: boolean;
}

const BANNER = 'ACCUTORR PC Interface is ready\r\n>';
const LIMITS = 'L:100, 90,150, 50,200, 90,150, 60,120, 40\r\n>';
const pad = (n: number): string => String(n).padStart(3, ' ');

export function create(options: SimulatorOptions = {}): SimulatedDevice {
  const rng = createRng(options.seed ?? 1);
  const plan = new FaultPlan(options.faults ?? [], rng);
  const interval = options.intervalMs ?? 60_000;
  const count = options.count;
  let io: DeviceIo | null = null;
  let bannerSent = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let measuredSoFar = 0;
  let sent = 0;
  let measuringAnswersLeft = 0;
  let partialPending = false;
  let garbagePending = false;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  if (count !== undefined && count <= 0) resolveDone();

  const measure = (faults: Set<Fault>, previous: Nibp | null, takenAt: number): Nibp => {
    for (;;) {
      const sys = faults.has('implausible') ? 400 : rng.int(95, 175);
      const dia = rng.int(55, Math.min(105, sys - 25));
      const mean = Math.round(dia + (sys - dia) / 3);
      if (previous && previous.sys === sys && previous.mean === mean && previous.dia === dia) continue;
      return { sys, mean, dia, pulse: rng.int(50, 120), spo2: rng.chance(0.5) ? rng.int(90, 100) : null, takenAt, served: false };
    }
  };
  // What the monitor shows at power-up: an old result, already forwarded in an earlier life.
  let current: Nibp = { ...measure(new Set(), null, Date.now() - 45 * 60_000), served: true };

  function write(text: string): void {
    io?.write(toBytes(text));
  }

  function scheduleNext(): void {
    if (stopped || timer !== undefined) return;
    if (count !== undefined && measuredSoFar >= count) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped) return;
      const faults = plan.for(measuredSoFar, count);
      measuredSoFar++;
      if (faults.size > 0) options.log?.(`accutorr: measurement ${measuredSoFar} with faults ${[...faults].join(', ')}`);
      current = measure(faults, current, Date.now());
      measuringAnswersLeft = faults.has('unstable') ? rng.int(1, 2) : 0;
      partialPending = faults.has('partial');
      garbagePending = faults.has('garbage');
    }, interval);
  }

  function answerP(): void {
    const now = Date.now();
    if (garbagePending) {
      garbagePending = false;
      write(garbage(rng, 'P:,>'));
    }
    if (measuringAnswersLeft > 0) {
      measuringAnswersLeft--;
      write(`P:${current.spo2 === null ? '--' : pad(current.spo2)},--,--,--,--,000,000,000,--\r\n>`);
      return;
    }
    const minutes = Math.floor((now - current.takenAt) / 60_000);
    const text = `P:${current.spo2 === null ? '--' : pad(current.spo2)},${pad(current.pulse)},${pad(current.sys)},${pad(current.mean)},${pad(current.dia)},000,000,000,${pad(minutes)}`;
    if (partialPending) {
      partialPending = false;
      write(cut(rng, text));
      return;
    }
    write(`${text}\r\n>`);
    if (!current.served) {
      current.served = true;
      sent++;
      options.log?.(`accutorr: measurement ${sent} read by the host`);
      if (sent === count) resolveDone();
    }
    scheduleNext();
  }

  return {
    driver: 'accutorr',
    start(next) {
      if (stopped) return;
      io = next;
      if (!bannerSent) {
        bannerSent = true;
        write(BANNER);
      }
    },
    receive(bytes) {
      if (stopped || io === null) return;
      for (const byte of bytes) {
        const ch = String.fromCharCode(byte).toUpperCase();
        if (ch === 'P') answerP();
        else if (ch === 'L') write(LIMITS);
        else if (ch === 'C') write('>');
        // CR, LF (a host that terminates its commands) and anything else: ignored.
      }
    },
    detach() {
      io = null;
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
