// Fault material shared by the simulators and the plan of which reading gets which fault.

import type { Rng } from './prng.ts';
import type { Fault } from './types.ts';

const FAULT_RATE = 0.25;

/**
 * Which faults hit reading `index`: each requested fault at a low rate, and each at least once
 * within the first four readings so short runs exercise it.
 */
export class FaultPlan {
  private readonly firstAt = new Map<Fault, number>();

  constructor(
    private readonly faults: readonly Fault[],
    private readonly rng: Rng,
  ) {
    for (const f of faults) this.firstAt.set(f, rng.int(0, 3));
  }

  for(index: number, count: number | undefined): Set<Fault> {
    const out = new Set<Fault>();
    for (const f of this.faults) {
      const first = Math.min(this.firstAt.get(f) ?? 0, Math.max(0, (count ?? 4) - 1));
      if (index === first || this.rng.chance(FAULT_RATE)) out.add(f);
    }
    return out;
  }
}

/**
 * Random bytes (1..40, binary included), without CR/LF and without `forbidden` chars so noise can
 * never forge a valid record by chance; half the time a CR LF ends it.
 */
export function garbage(rng: Rng, forbidden: string): string {
  const length = rng.int(1, 40);
  let out = '';
  while (out.length < length) {
    const ch = String.fromCharCode(rng.int(0, 255));
    if (ch === '\r' || ch === '\n' || forbidden.includes(ch)) continue;
    out += ch;
  }
  return rng.chance(0.5) ? out + '\r\n' : out;
}

/** A proper prefix of `line` (at least 3 chars, at least 1 char short), never with a line end. */
export function cut(rng: Rng, line: string): string {
  return line.slice(0, rng.int(Math.min(3, line.length - 1), line.length - 1));
}

export function toBytes(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'latin1'));
}
