// What to write instead of a unit the gateway does not know, for a QC target: the UCUM code of a
// spelled-out or miscased unit ("milligram" -> "mg", "umol/l" -> "umol/L", "IU/L" -> "[IU]/L"), and
// the units of that kind the gateway knows. UCUM prefixes and base units as "The Unified Code for
// Units of Measure" (Regenstrief Institute) names them: §2 Table 1 prefixes; g, L, mol, m, s, U,
// [IU], eq, osm. Pure.

import { isKnownUcum } from '../hl7/oru-lab.ts';

/** Largest first, as the page lists them. */
const PREFIXES: ReadonlyArray<[name: string, code: string]> = [
  ['kilo', 'k'],
  ['', ''],
  ['deci', 'd'],
  ['centi', 'c'],
  ['milli', 'm'],
  ['micro', 'u'],
  ['nano', 'n'],
  ['pico', 'p'],
  ['femto', 'f'],
];

interface Atom {
  code: string;
  names: string[];
  kind: string;
}

const ATOMS: readonly Atom[] = [
  { code: 'g', names: ['gram', 'gramme'], kind: 'mass' },
  { code: 'L', names: ['liter', 'litre'], kind: 'volume' },
  { code: 'mol', names: ['mole'], kind: 'amount' },
  { code: 'U', names: ['unit', 'enzyme unit'], kind: 'enzyme activity' },
  { code: '[IU]', names: ['international unit', 'iu'], kind: 'international units' },
  { code: 'eq', names: ['equivalent'], kind: 'equivalents' },
  { code: 'osm', names: ['osmole'], kind: 'osmoles' },
  { code: 'm', names: ['meter', 'metre'], kind: 'length' },
  { code: 's', names: ['second', 'sec'], kind: 'time' },
];

interface Part {
  code: string;
  atom: Atom;
}

function matchPart(word: string): Part | undefined {
  for (const atom of ATOMS) {
    const spellings = new Set([...atom.names, atom.code.toLowerCase(), atom.code.toLowerCase().replace(/[[\]]/g, '')]);
    for (const [name, code] of PREFIXES) {
      for (const s of spellings) if (word === `${name}${s}` || (code !== '' && word === `${code}${s}`)) return { code: `${code}${atom.code}`, atom };
    }
  }
  return undefined;
}

/** One side of a unit ("milligrams", "mg", "dL") as prefix + base unit, or undefined. */
function partOf(side: string): Part | undefined {
  const word = side.trim().toLowerCase();
  return matchPart(word) ?? (word.endsWith('s') ? matchPart(word.slice(0, -1)) : undefined);
}

function unitOf(spelling: string): { num: Part; den?: Part } | undefined {
  const sides = spelling.split(/\s*\/\s*|\s+per\s+/i);
  if (sides.length > 2) return undefined;
  const num = partOf(sides[0] ?? '');
  const den = sides[1] === undefined ? undefined : partOf(sides[1]);
  if (!num || (sides[1] !== undefined && !den)) return undefined;
  return den ? { num, den } : { num };
}

/** The known UCUM codes with the same base units as `unit` (mass: kg, g, mg, pg). */
function knownOfKind(unit: { num: Part; den?: Part }): string[] {
  const prefixed = (atom: Atom) => PREFIXES.map(([, p]) => `${p}${atom.code}`);
  const den = unit.den;
  const codes = den ? prefixed(unit.num.atom).flatMap((n) => prefixed(den.atom).map((d) => `${n}/${d}`)) : prefixed(unit.num.atom);
  return codes.filter(isKnownUcum);
}

/**
 * Why a target unit the gateway does not know is refused, and what to write instead. Results keep an
 * unknown unit as the analyzer spells it (src/pipeline/normalize.ts), so leaving the unit out is the
 * way for an analyzer that sends its own spelling.
 */
export function unknownUnitAdvice(spelling: string): string {
  const unit = unitOf(spelling);
  const known = unit ? knownOfKind(unit) : [];
  const kind = unit ? (unit.den ? `${unit.num.atom.kind} per ${unit.den.atom.kind}` : unit.num.atom.kind) : '';
  const code = unit ? (unit.den ? `${unit.num.code}/${unit.den.code}` : unit.num.code) : undefined;
  const theKnown = known.length > 0 ? `${kind} units it knows: ${known.join(', ')}` : '';
  const write =
    code !== undefined && isKnownUcum(code)
      ? `write the UCUM code "${code}"${theKnown ? ` (${theKnown})` : ''}`
      : theKnown
        ? `write one of the ${theKnown}`
        : 'write the UCUM code (e.g. "mmol/L", "U/L")';
  return `"${spelling}" is not a UCUM unit the gateway knows: ${write}, or leave "unit" out if the analyzer sends its own spelling; a result is judged only in its target's unit`;
}
