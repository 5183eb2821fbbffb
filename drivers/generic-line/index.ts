// Generic line driver for a device that sends one text line per result, described entirely in the
// device's settings (a regex with named groups and what each group means). See README.md.

import type { Driver, DeviceReport, Measurement } from '../../src/model/driver.ts';
import { createLineSession } from '../_shared/line-session.ts';
import { decodeWithResync } from '../_shared/resync.ts';
import { resolveSettings, schemaProblems } from '../_shared/settings.ts';
import { decodeGenericLine, namedGroups, type CompiledPattern } from './decode.ts';
import { genericLineSettings, type GenericLineSettings } from './settings.ts';
import { errorText } from '../../src/model/error-text.ts';

/** Nonin pulse oximeters (7500FO, 9600): `SPO2=097 HR=072`, `---` without data, `*` event marker, ` F` fast mode. */
export const noninExample: GenericLineSettings = {
  pattern: '^SPO2=(?<spo2>\\d{1,3}|-{3})\\s+HR=(?<hr>\\d{1,3}|-{3})[\\s*F]*$',
  fields: {
    spo2: { type: 'spo2', unit: '%', absent: ['---'] },
    hr: { type: 'pulse.oximetry', unit: 'bpm', absent: ['---'] },
  },
  complete: 'line',
  kind: 'vitals',
};

function validateSettings(settings: unknown): string[] {
  const problems = schemaProblems(genericLineSettings, settings ?? {});
  if (problems.length > 0) return problems;
  const s = settings as GenericLineSettings;
  let groups: string[] = [];
  try {
    new RegExp(s.pattern, s.flags ?? '');
    groups = namedGroups(s.pattern);
  } catch (err) {
    return [`settings.pattern: not a valid regular expression: ${errorText(err)}`];
  }
  if (groups.length === 0) problems.push('settings.pattern: has no named groups (write them as (?<name>...))');
  const names = Object.keys(s.fields);
  if (names.length === 0) problems.push('settings.fields: map at least one group to a measurement');
  for (const name of names) {
    const f = s.fields[name];
    if (!groups.includes(name)) problems.push(`settings.fields.${name}: the pattern has no group named "${name}"`);
    if (f !== undefined && f.type === undefined && f.code === undefined) problems.push(`settings.fields.${name}: needs a type or a code`);
    if (f?.code !== undefined && f.code.loinc === undefined && f.code.mdc === undefined && f.code.local === undefined) {
      problems.push(`settings.fields.${name}.code: give loinc, mdc or local`);
    }
  }
  const complete = s.complete;
  if (complete !== undefined && complete !== 'line') {
    for (const [i, g] of complete.afterGroups.entries()) {
      if (!names.includes(g)) problems.push(`settings.complete.afterGroups[${i}]: "${g}" is not a mapped field`);
    }
  }
  return problems;
}

export const driver: Driver = {
  id: 'generic-line',
  title: 'Generic line-based device (pattern configured)',
  kind: 'generic',
  transports: ['serial', 'tcp'],
  serialDefaults: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
  settings: genericLineSettings,
  validateSettings,
  open(link) {
    const problems = validateSettings(link.device.settings);
    if (problems.length > 0) throw new Error(`invalid settings for driver "generic-line": ${problems.join('; ')}`);
    const s = resolveSettings('generic-line', genericLineSettings, link.device.settings);
    const pattern: CompiledPattern = { regex: new RegExp(s.pattern, s.flags ?? ''), fields: s.fields };
    const complete = s.complete ?? 'line';
    // afterGroups: values collected across lines until every listed group was seen.
    let collected = new Map<string, Measurement>();
    let rawLines: string[] = [];

    return createLineSession(link, {
      maxLineLength: s.maxLineLength ?? 256,
      onLine(line, { events, link: l }) {
        const { result, discarded } = decodeWithResync(line, (text) => decodeGenericLine(text, pattern));
        if (discarded !== undefined) events.protocolError('incomplete line fragment discarded', discarded);
        if (!result.ok) {
          // The line itself may carry a result: it travels as the error's bytes, not in the reason.
          events.protocolError(result, line);
          return;
        }
        const raw = line.slice(discarded?.length ?? 0);
        const found = result.value.measurements;
        if (found.length === 0) {
          l.log.debug('line without a present value ignored');
          return;
        }
        if (complete === 'line') {
          void events.report({ measurements: found.map((f) => f.measurement), raw });
          return;
        }
        for (const f of found) collected.set(f.group, f.measurement);
        rawLines.push(raw);
        if (complete.afterGroups.every((g) => collected.has(g))) {
          const report: DeviceReport = { measurements: [...collected.values()], raw: rawLines.join('\r\n') };
          collected = new Map();
          rawLines = [];
          void events.report(report);
        }
      },
      onLinkDown() {
        collected = new Map();
        rawLines = [];
      },
    });
  },
};

export default driver;
