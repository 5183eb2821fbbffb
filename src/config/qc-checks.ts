// What a device's `qc` settings and the destinations' `receives` need beyond their schema: QC on a
// lab analyzer only, a control sample-ID pattern that compiles, matches no empty ID (it would take
// every patient result), takes its lot and level from groups of those names and cannot backtrack
// without end, control lots named once with a real expiry date, targets under a test code in a UCUM
// unit the gateway knows. Warnings: a pattern not anchored at the start, no rule, an expired lot, no
// destination taking patient results any more. Pure.

import { errorText } from '../model/error-text.ts';
import type { Driver } from '../model/driver.ts';
import { canonicalUnit } from '../model/units.ts';
import { isKnownUcum } from '../hl7/oru-lab.ts';
import { compileSampleIdPattern } from '../qc/recognise.ts';
import { backtrackingShape } from './nested-quantifier.ts';
import { anchoredAtStart } from './pattern-anchor.ts';
import { unknownUnitAdvice } from './unit-advice.ts';
import type { ConfigProblem } from './schema-problems.ts';
import type { Config, DeviceConfigT } from './schema.ts';

/** The named groups a sample-ID pattern may use. */
const QC_GROUPS = ['lot', 'level'];

function namedGroups(source: string): string[] {
  return [...source.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1] ?? '');
}

/** A YYYY-MM-DD that names a day of the calendar (2027-02-30 does not). */
function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.split('-').map(Number);
  if (y === undefined || m === undefined || d === undefined) return false;
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** Today as YYYY-MM-DD in the gateway's own time zone, the one a lot's expiry date is read in. */
function localDate(now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
}

/**
 * Sample IDs of the shapes patient specimens get (a numeric barcode, a letter and digits as the
 * simulators and many LIS number them): a control pattern matching one would take patient results.
 */
const PATIENT_LIKE_IDS = ['1234567890', 'S72094773', 'A123456'];

/** Allowed, but a lab should hear of them: a pattern matching anywhere in an ID or patient-like IDs, no rule, an expired lot. */
function deviceQcWarnings(device: DeviceConfigT, at: string, today: string): ConfigProblem[] {
  const qc = device.qc;
  if (!qc) return [];
  const warnings: ConfigProblem[] = [];
  const pattern = qc.sampleIdPattern;
  if (pattern !== undefined && !anchoredAtStart(pattern)) {
    const anchored = pattern.includes('|') ? `^(?:${pattern.replace(/^\^/, '')})` : `^${pattern}`;
    warnings.push({
      path: `${at}.qc.sampleIdPattern`,
      message: `without "^" at its start the pattern matches anywhere in a sample ID ("QC" also matches a patient's "S12QC9"): a patient result whose ID holds it would be taken as a control and never reach the chart; anchor it: "${anchored}"`,
    });
  }
  const patientLike = pattern === undefined ? undefined : PATIENT_LIKE_IDS.find((id) => compileSampleIdPattern(pattern).test(id));
  if (patientLike !== undefined) {
    warnings.push({
      path: `${at}.qc.sampleIdPattern`,
      message: `matches "${patientLike}", a sample ID of the kind patient specimens get: a patient result with such an ID would be taken as a control and never reach the chart; make the pattern match the control IDs only, e.g. ^QC`,
    });
  }
  if (qc.rules?.length === 0) {
    warnings.push({
      path: `${at}.qc.rules`,
      message:
        'no rule judges this analyzer\'s QC: results are logged, but a failed control raises nothing and holds no patient result; list the rules, or leave "rules" out for all six',
    });
  }
  (qc.lots ?? []).forEach((lot, j) => {
    if (lot.expires !== undefined && isCalendarDate(lot.expires) && lot.expires < today) {
      warnings.push({ path: `${at}.qc.lots[${j}].expires`, message: `expired on ${lot.expires}: its results are still logged and judged; replace the lot` });
    }
  });
  return warnings;
}

function patternProblems(pattern: string, at: string): ConfigProblem[] {
  const path = `${at}.qc.sampleIdPattern`;
  try {
    compileSampleIdPattern(pattern);
  } catch (err) {
    return [{ path, message: `not a valid regular expression: ${errorText(err)}` }];
  }
  const problems: ConfigProblem[] = [];
  // Matching "" it matches every sample ID: every patient result would be logged as QC and reach no chart.
  if (compileSampleIdPattern(pattern).test('')) {
    problems.push({
      path,
      message: `matches an empty sample ID, so it matches every sample ID: every patient result from this analyzer would be taken as a control and never reach the chart; make it match the control IDs only, e.g. ^QC`,
    });
  }
  const shape = backtrackingShape(pattern);
  if (shape?.kind === 'nested') {
    problems.push({
      path,
      message: `"${shape.text}" repeats a group that repeats itself: such a pattern can take minutes on one long sample ID; write it without a repeated group that holds a + or *, e.g. ^QC-[A-Z0-9]+$`,
    });
  } else if (shape?.kind === 'overlap') {
    const [a, b] = shape.alternatives;
    problems.push({
      path,
      message: `"${shape.text}" repeats alternatives that can match the same text ("${a}" and "${b}"): such a pattern can take minutes on one long sample ID; give each alternative its own first character, or repeat a character class, e.g. ^QC-[A-Z0-9]+$`,
    });
  }
  for (const name of namedGroups(pattern)) {
    if (!QC_GROUPS.includes(name)) {
      problems.push({ path, message: `the group "${name}" means nothing here: name the groups (?<lot>...) and (?<level>...), or make it (?:...)` });
    }
  }
  return problems;
}

export function qcProblems(device: DeviceConfigT, at: string, driver: Driver): ConfigProblem[] {
  const qc = device.qc;
  if (!qc) return [];
  if (driver.kind !== 'lab') {
    return [{ path: `${at}.qc`, message: `driver "${driver.id}" is not a lab analyzer (kind "${driver.kind}"): it runs no control material; remove "qc"` }];
  }
  const problems = qc.sampleIdPattern === undefined ? [] : patternProblems(qc.sampleIdPattern, at);
  const firstAt = new Map<string, number>();
  (qc.lots ?? []).forEach((lot, j) => {
    const lotAt = `${at}.qc.lots[${j}]`;
    if (lot.expires !== undefined && !isCalendarDate(lot.expires)) {
      problems.push({
        path: `${lotAt}.expires`,
        message: `"${lot.expires}" is no date in the calendar: write the expiry date printed on the control, YYYY-MM-DD`,
      });
    }
    const first = firstAt.get(lot.id);
    if (first === undefined) firstAt.set(lot.id, j);
    else
      problems.push({ path: `${lotAt}.id`, message: `control lot "${lot.id}" is listed already (lots[${first}]): list each lot once, with all its targets` });
    for (const [code, target] of Object.entries(lot.targets ?? {})) {
      // Results are compared in the UCUM code the pipeline normalizes to: "mmol/l" would judge none.
      const ucum = target.unit === undefined ? undefined : canonicalUnit(target.unit);
      if (ucum !== undefined && ucum !== target.unit) {
        problems.push({
          path: `${lotAt}.targets.${code}.unit`,
          message: `write the UCUM code "${ucum}": results arrive in it, and against "${target.unit}" none would be judged`,
        });
      } else if (ucum === undefined && target.unit !== undefined && !isKnownUcum(target.unit)) {
        problems.push({ path: `${lotAt}.targets.${code}.unit`, message: unknownUnitAdvice(target.unit) });
      }
      if (code.trim() === '') {
        problems.push({ path: `${lotAt}.targets`, message: 'a target without a test code: name the analyzer\'s test code, e.g. "GLU"' });
      } else if (code !== code.trim()) {
        problems.push({ path: `${lotAt}.targets`, message: `test code "${code}" has spaces around it: the analyzer's code is "${code.trim()}"` });
      }
    }
  });
  return problems;
}

/**
 * Allowed, but a patient result could be taken for a control, a control judged by nothing or on an
 * expired lot, or patient results reach no chart: check-config and the start say so. `now` for tests.
 */
export function qcWarnings(config: Config, now: Date = new Date()): ConfigProblem[] {
  const today = localDate(now);
  const devices = config.devices.flatMap((d, i) => deviceQcWarnings(d, `devices[${i}]`, today));
  const destinations = config.destinations;
  // A FHIR uplink carries patient Observations only (src/destinations/mqtt/encode.ts encodeMqttQc).
  const fhirQc: ConfigProblem[] = destinations.flatMap((d, i) =>
    d.type === 'mqtt' && d.format === 'fhir' && d.receives?.includes('qc') === true
      ? [
          {
            path: `destinations[${i}].receives`,
            message: 'a FHIR uplink gets no QC results (they go as medgate.qc/1 JSON): use format "json" on a destination for QC',
          },
        ]
      : [],
  );
  if (destinations.length === 0 || destinations.some((d) => (d.receives ?? ['patient']).includes('patient'))) return [...devices, ...fhirQc];
  const message =
    'no destination receives patient results (all have "receives" without "patient"): patient readings would reach no chart; add "patient" to a destination\'s "receives"';
  return [...devices, { path: destinations.length === 1 ? 'destinations[0].receives' : 'destinations', message }, ...fhirQc];
}
