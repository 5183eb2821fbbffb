// Which mapping of a device's code map applies to one result: an analyzer's code (GLU) means
// serum glucose on one specimen and a urine dipstick pad on another, so a mapping may name the
// specimen types (and the instrument or module) it is for.
//
// Decisions:
// - A mapping that names specimens applies only when the result's specimen is known and is one of
//   them; one that names an instrument only to results of that instrument. A mapping naming
//   neither applies to any result (the form code maps had before specimens existed).
// - The most specific mapping wins: specimen and instrument, then specimen, then instrument, then
//   neither; an instrument named as the result's module beats one named as the whole analyzer.
//   Two mappings that could apply with the same weight are a configuration error
//   (`codeMapProblems`, run by check-config), so the choice never depends on order.
// - No mapping applies: the result goes out under the analyzer's local code, as for a code with no
//   mapping at all, and is counted (with its specimen) so a person can add one.

import { mappingsOf, type CodeMapEntry } from '../config/code-mappings.ts';
import type { CodeMappingT } from '../config/schema.ts';
import { knownLoinc, type LoincScale } from '../model/loinc.ts';
import type { SpecimenType } from '../model/reading.ts';
import { sameSpecimen, specimenCode } from '../model/specimen.ts';

export type CodeMapConfig = Readonly<Record<string, CodeMapEntry>>;

export interface MappingSubject {
  code: string;
  specimen?: SpecimenType;
  /** The instrument or module the analyzer names for this result (ASTM R.14, OBX-18). */
  module?: string;
  /** The analyzer itself (its reported or configured identity). */
  analyzer?: string;
}

function sameInstrument(named: string, instrument: string | undefined): boolean {
  if (instrument === undefined) return false;
  const n = named.trim().toLowerCase();
  const t = instrument.trim().toLowerCase();
  // An identity is "model serial" (UA-200 SN0042): naming the model is enough.
  return t === n || t.startsWith(`${n} `);
}

// Specimen outweighs instrument; the result's own module outweighs the analyzer as a whole, so a
// mapping for one module beats one for the analyzer whatever their order in the list.
const SPECIMEN_WEIGHT = 4;
const MODULE_WEIGHT = 2;
const ANALYZER_WEIGHT = 1;

function specificity(m: CodeMappingT, subject: MappingSubject): number | undefined {
  let score = 0;
  if (m.specimen !== undefined) {
    const type = subject.specimen;
    if (type === undefined || !m.specimen.some((s) => sameSpecimen(s, type))) return undefined;
    score += SPECIMEN_WEIGHT;
  }
  if (m.instrument !== undefined) {
    if (sameInstrument(m.instrument, subject.module)) score += MODULE_WEIGHT;
    else if (sameInstrument(m.instrument, subject.analyzer)) score += ANALYZER_WEIGHT;
    else return undefined;
  }
  return score;
}

/** The mapping for this result, or undefined when none applies. */
export function resolveMapping(map: CodeMapConfig | undefined, subject: MappingSubject): CodeMappingT | undefined {
  let best: CodeMappingT | undefined;
  let bestScore = -1;
  // Own keys only: an analyzer code named `constructor` must not find Object's.
  const entry = map !== undefined && Object.hasOwn(map, subject.code) ? map[subject.code] : undefined;
  for (const m of mappingsOf(entry)) {
    const score = specificity(m, subject);
    if (score !== undefined && score > bestScore) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}

/** The LOINC scales a code map states (`scale`), for codes the gateway does not know. */
export function declaredScales(map: CodeMapConfig | undefined): ReadonlyMap<string, LoincScale> {
  const out = new Map<string, LoincScale>();
  for (const entry of Object.values(map ?? {})) {
    for (const m of mappingsOf(entry)) if (m.loinc !== undefined && m.scale !== undefined) out.set(m.loinc, m.scale);
  }
  return out;
}

export interface CodeMapProblem {
  /** Relative to the device: `codeMap.GLU[1].specimen`. */
  path: string;
  message: string;
}

/**
 * What check-config refuses in a code map: two mappings of one code that could both apply to the
 * same result with the same specificity; a mapping whose LOINC code the gateway knows to be for
 * other specimens than the mapping names; a stated scale that contradicts the known one.
 */
export function codeMapProblems(map: CodeMapConfig | undefined): CodeMapProblem[] {
  const problems: CodeMapProblem[] = [];
  for (const [code, entry] of Object.entries(map ?? {})) {
    const list = mappingsOf(entry);
    list.forEach((m, i) => {
      const at = Array.isArray(entry) ? `codeMap.${code}[${i}]` : `codeMap.${code}`;
      const known = m.loinc === undefined ? undefined : knownLoinc(m.loinc);
      if (m.loinc === undefined || known === undefined) return;
      if (m.scale !== undefined && m.scale !== known.scale) {
        problems.push({ path: `${at}.scale`, message: `LOINC ${m.loinc} (${known.name}) has scale ${known.scale}, not ${m.scale}` });
      }
      const admitted = known.specimens;
      const foreign =
        admitted === undefined
          ? []
          : (m.specimen ?? []).filter((s) => {
              const c = specimenCode(s);
              return c !== undefined && !admitted.includes(c);
            });
      if (foreign.length > 0) {
        problems.push({
          path: `${at}.specimen`,
          message: `LOINC ${m.loinc} (${known.name}) is not for specimen ${foreign.join(', ')}: map that specimen to its own code`,
        });
      }
    });
    if (!Array.isArray(entry)) continue;
    for (let j = 1; j < list.length; j++) {
      for (let i = 0; i < j; i++) {
        const a = list[i];
        const b = list[j];
        if (a === undefined || b === undefined || !overlap(a, b)) continue;
        problems.push({
          path: `codeMap.${code}[${j}]`,
          message: `applies to the same results as mapping ${i} of "${code}" (${describe(a)}): give them different specimens or instruments`,
        });
      }
    }
  }
  return problems;
}

function overlap(a: CodeMappingT, b: CodeMappingT): boolean {
  if ((a.specimen === undefined) !== (b.specimen === undefined)) return false;
  if ((a.instrument === undefined) !== (b.instrument === undefined)) return false;
  if (a.instrument !== undefined && b.instrument !== undefined && a.instrument.trim().toLowerCase() !== b.instrument.trim().toLowerCase()) return false;
  if (a.specimen === undefined || b.specimen === undefined) return true;
  const canonical = (s: string): string => specimenCode(s) ?? s.trim().toLowerCase();
  const bs = b.specimen.map(canonical);
  return a.specimen.some((s) => bs.includes(canonical(s)));
}

function describe(m: CodeMappingT): string {
  const parts = [m.specimen ? `specimen ${m.specimen.join(', ')}` : 'any specimen', m.instrument ? `instrument ${m.instrument}` : 'any instrument'];
  return parts.join(', ');
}
