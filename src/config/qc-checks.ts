// What a device's `qc` settings and the destinations' `receives` need beyond their schema: QC on a
// lab analyzer only, a control sample-ID pattern that compiles, takes its lot and level from groups
// of those names and cannot backtrack without end, control lots named once, targets under a test
// code in the UCUM spelling results arrive in; and a warning when no destination takes patient
// results any more. Pure.

import { errorText } from '../model/error-text.ts';
import type { Driver } from '../model/driver.ts';
import { canonicalUnit } from '../model/units.ts';
import { nestedQuantifier } from './nested-quantifier.ts';
import type { ConfigProblem } from './schema-problems.ts';
import type { Config, DeviceConfigT } from './schema.ts';

/** The named groups a sample-ID pattern may use. */
const QC_GROUPS = ['lot', 'level'];

function namedGroups(source: string): string[] {
  return [...source.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1] ?? '');
}

function patternProblems(pattern: string, at: string): ConfigProblem[] {
  const path = `${at}.qc.sampleIdPattern`;
  try {
    new RegExp(pattern);
  } catch (err) {
    return [{ path, message: `not a valid regular expression: ${errorText(err)}` }];
  }
  const problems: ConfigProblem[] = [];
  const nested = nestedQuantifier(pattern);
  if (nested !== undefined) {
    problems.push({
      path,
      message: `"${nested}" repeats a group that repeats itself: such a pattern can take minutes on one long sample ID; write it without a repeated group that holds a + or *, e.g. ^QC-[A-Z0-9]+$`,
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

/** Allowed, but patient results would then reach no chart: check-config and the start say so. */
export function qcWarnings(config: Config): ConfigProblem[] {
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
  if (destinations.length === 0 || destinations.some((d) => (d.receives ?? ['patient']).includes('patient'))) return fhirQc;
  const message =
    'no destination receives patient results (all have "receives" without "patient"): patient readings would reach no chart; add "patient" to a destination\'s "receives"';
  return [{ path: destinations.length === 1 ? 'destinations[0].receives' : 'destinations', message }, ...fhirQc];
}
