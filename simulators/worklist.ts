// An analyzer's worklist as the simulators keep it: one entry per specimen, the tests still to run
// (in the analyzer's own codes) and whom they are for, as the host gave them. Hosts add tests
// (ASTM O-12 N/A, HL7 ORC-1 NW) and cancel them (ASTM C, HL7 CA); a cancel that names no test, or
// leaves none, removes the specimen. Pure: the simulators hold one and run it.

/** What the host told the analyzer about one specimen. */
export interface SimWork {
  specimenId: string;
  /** ASTM P-3 / HL7 PID-3.1 as given; '' when the host gave none. */
  patientId: string;
  /** HL7 PID-3.4 as given. */
  assigningAuthority?: string;
  family?: string;
  given?: string;
  /** YYYYMMDD, as on the wire. */
  dob?: string;
  sex?: string;
  /** HL7 ORC-2 / OBR-2 as given (the whole field, components and all). */
  placer?: string;
  /** HL7 ORC-3 as given. */
  filler?: string;
  /** ASTM O-16 / HL7 SPM-4.1 or OBR-15.1. */
  specimenType?: string;
  priority?: 'R' | 'S';
  /** The analyzer's codes, in the order given, each once. */
  tests: string[];
  /** When the analyzer got this work (the newest of it): its results are analysed no earlier. */
  givenAt?: Date;
}

export type WorkAction = 'add' | 'cancel';

/** The entry after `work` is applied to `entry` (absent: none yet); undefined when nothing is left to run. */
export function applyWork(entry: SimWork | undefined, action: WorkAction, work: SimWork): SimWork | undefined {
  if (action === 'cancel') {
    if (entry === undefined) return undefined;
    if (work.tests.length === 0) return undefined;
    const tests = entry.tests.filter((t) => !work.tests.includes(t));
    return tests.length === 0 ? undefined : { ...entry, tests };
  }
  if (entry === undefined) return { ...work, tests: [...new Set(work.tests)] };
  // The host's newest demographics and numbers win; tests accumulate.
  const merged: SimWork = { ...entry, ...definedOnly(work), tests: [...new Set([...entry.tests, ...work.tests])] };
  return merged;
}

function definedOnly(work: SimWork): Partial<SimWork> {
  const out: Partial<SimWork> = {};
  for (const [k, v] of Object.entries(work) as Array<[keyof SimWork, SimWork[keyof SimWork]]>) {
    if (k !== 'tests' && v !== undefined && v !== '') Object.assign(out, { [k]: v });
  }
  return out;
}

/** The worklist: specimens in the order they were first given. */
export class SimWorklist {
  readonly #entries = new Map<string, SimWork>();

  apply(action: WorkAction, work: SimWork): void {
    const next = applyWork(this.#entries.get(work.specimenId), action, work);
    if (next === undefined) this.#entries.delete(work.specimenId);
    else this.#entries.set(work.specimenId, next);
  }

  get entries(): readonly SimWork[] {
    return [...this.#entries.values()];
  }

  /** Takes every entry out (the analyzer runs them). */
  takeAll(): SimWork[] {
    const all = [...this.#entries.values()];
    this.#entries.clear();
    return all;
  }
}
