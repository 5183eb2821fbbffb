// Every unit string the gateway can put on the wire as UCUM (OBX-6 with coding system UCUM, FHIR
// Quantity.system http://unitsofmeasure.org) is valid UCUM by the NLM's reference validator
// (@lhncbc/ucum-lhc): the vocabulary's canonical units, every output of the unit tables
// (src/model/units.ts), the MDC unit table's keys, the lab encoder's known units
// (src/hl7/oru-lab.ts), and the units the drivers and simulators actually emit.
//
// The unit tables are module-private; their entries are read from the source text so a unit added
// there is checked without anyone remembering to list it here.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAecg } from '../../drivers/ekg-aecg/decode.ts';
import { makePatients, makeTransmission } from '../../simulators/astm-lis2/content.ts';
import { buildOru } from '../../simulators/hl7-analyzer.ts';
import { createRng } from '../../simulators/prng.ts';
import { isKnownUcum } from '../../src/hl7/oru-lab.ts';
import { canonicalUnit, mdcUnit } from '../../src/model/units.ts';
import { VITAL_TYPES, vocabularyEntry } from '../../src/model/vocabulary.ts';
import { ucumProblem } from '../support/hl7-conformance/ucum.ts';

const ROOT = join(import.meta.dirname, '../..');

/** The keys and string values of the object or Set literal `const NAME ... ` in `file`. */
function literalsOf(file: string, name: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const start = text.search(new RegExp(`const ${name}\\b`));
  if (start < 0) throw new Error(`${file} has no const ${name}`);
  const end = Math.min(...['\n}', '\n]'].map((e) => text.indexOf(e, start)).filter((i) => i >= 0));
  const block = text.slice(text.indexOf('\n', start), end);
  const quoted = [...block.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
  const bareKeys = [...block.matchAll(/^\s*([A-Za-z0-9_%]+)\s*:/gm)].map((m) => m[1]!);
  return [...quoted, ...bareKeys];
}

/** unit -> where it comes from, for the failure message. */
function wireUnits(): Map<string, Set<string>> {
  const units = new Map<string, Set<string>>();
  const add = (unit: string | undefined, from: string): void => {
    if (unit === undefined || unit === '') return;
    if (!units.has(unit)) units.set(unit, new Set());
    units.get(unit)!.add(from);
  };
  for (const t of VITAL_TYPES) add(vocabularyEntry(t).unit, `vocabulary ${t}`);
  for (const table of ['EXACT', 'ALIASES']) {
    for (const spelling of literalsOf('src/model/units.ts', table)) add(canonicalUnit(spelling), `units.ts ${table} '${spelling}'`);
  }
  for (const key of literalsOf('src/model/units.ts', 'MDC_UNITS')) if (mdcUnit(key)) add(key, 'units.ts MDC_UNITS');
  for (const unit of literalsOf('src/hl7/oru-lab.ts', 'LAB_UCUM')) if (isKnownUcum(unit)) add(unit, 'oru-lab.ts LAB_UCUM');
  // What the analyzer simulators send: the lab encoder claims UCUM for the ones isKnownUcum accepts.
  for (let i = 0; i < 8; i++) {
    for (const r of buildOru(i, createRng(3 + i), Date.UTC(2025, 0, 14)).results) if (isKnownUcum(r.unit)) add(r.unit, 'simulators/hl7-analyzer');
    const rng = createRng(5 + i);
    for (const order of makeTransmission(rng, makePatients(rng), { index: i, now: new Date(Date.UTC(2025, 0, 14)), implausible: false, longComment: false })
      .orders) {
      for (const r of order.results) if (r.unit !== undefined && isKnownUcum(r.unit)) add(r.unit, 'simulators/astm-lis2');
    }
  }
  // Device spellings of the vitals drivers and simulators, as the normalizer makes them canonical.
  const spellings: Record<string, string[]> = {
    'ad-scale': ['kg', 'lb', 'g'],
    accutorr: ['mmHg', 'bpm', '%'],
    tanita: ['kg', 'lb', 'g', 'cm', 'kg/m2', '%', 'Ohm'],
    'generic-line (demo)': ['%', '/min'],
    'mqtt-vitals simulator': ['mmHg', 'bpm', '/min', '%', 'degF', 'Cel', 'lb', 'kg'],
    'ekg-serial': ['bpm', '/min', 'ms', 'deg'],
  };
  for (const [driver, list] of Object.entries(spellings)) for (const s of list) add(canonicalUnit(s), driver);
  for (const file of ['resting-2lead.xml', 'vendor-gl-no-patient.xml']) {
    const decoded = decodeAecg(readFileSync(join(ROOT, 'test/fixtures/ekg', file)), { maxBytes: 1 << 20 });
    if (!decoded.ok) throw new Error(decoded.reason);
    for (const m of decoded.report.measurements) {
      const unit = m.unit ?? (typeof m.value === 'object' && m.value.kind === 'waveform' ? m.value.unit : undefined);
      add(unit === undefined ? undefined : (canonicalUnit(unit) ?? unit), `ekg-aecg ${file}`);
    }
  }
  return units;
}

describe('UCUM', () => {
  const units = wireUnits();

  it('finds the units of every source (the tables were read)', () => {
    const sources = new Set([...units.values()].flatMap((s) => [...s].map((x) => x.split(' ')[0])));
    for (const s of ['vocabulary', 'units.ts', 'oru-lab.ts', 'simulators/hl7-analyzer', 'simulators/astm-lis2', 'ekg-aecg']) expect(sources, s).toContain(s);
    expect(units.size).toBeGreaterThan(30);
  });

  it('every unit that can go out as UCUM is valid UCUM', () => {
    const bad = [...units].flatMap(([unit, from]) => {
      const problem = ucumProblem(unit);
      return problem ? [`${problem} <- ${[...from].join(', ')}`] : [];
    });
    expect(bad).toEqual([]);
  });

  it('the validator is strict where UCUM is (case, brackets, annotations)', () => {
    for (const bad of ['mEq/L', 'mmHg', 'degF', 'bpm', 'IU/L', 'sec']) expect(ucumProblem(bad), bad).toBeDefined();
    for (const good of ['meq/L', 'mm[Hg]', '[degF]', '/min', '[IU]/L', 's', '10*3/uL', '{INR}']) expect(ucumProblem(good), good).toBeUndefined();
  });
});
