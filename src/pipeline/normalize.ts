// DeviceReport -> Reading: codes from the vocabulary, values in the canonical UCUM unit, device
// precision kept, original text kept for audit. Never throws: whatever cannot be made canonical is
// kept as the device sent it and named in `problems` (hold reasons of kind 'value'), so the reading
// is held for a person.

import type { DeviceReport, Measurement } from '../model/driver.ts';
import { holdReason, type HoldReason } from '../model/hold.ts';
import type { DeviceKind, Observation, ObservationCode, Reading, SpecimenType } from '../model/reading.ts';
import { canonicalUnit, convert, convertedDecimals, decimalsOf, formatDecimal, roundTo } from '../model/units.ts';
import { isVitalType, LOCAL_CODE_SYSTEM, vocabularyEntry } from '../model/vocabulary.ts';
import type { VocabularyEntry } from '../model/vocabulary.ts';
import { normalizeIso, toIsoWithOffset } from '../hl7/datetime.ts';
import { newId } from './ids.ts';
import { resolveMapping, type CodeMapConfig } from './code-map.ts';
import type { CodeMappingT } from '../config/schema.ts';
import { SPECIMEN_TABLE, specimenType } from '../model/specimen.ts';
import { vocabularyEntryForCode } from './plausibility.ts';

/** A local code that went out without a standard code, with the specimen it was for. */
export interface UnmappedCode {
  code: string;
  /** The specimen type as the reading names it (a table 0487 code, or the analyzer's text). */
  specimen?: string;
}

/** The mapping for one result's local code (specimen-aware), or undefined. */
type CodeMapper = (m: Measurement, localCode: string) => CodeMappingT | undefined;

export interface NormalizeContext {
  deviceId: string;
  kind: DeviceKind;
  equipment?: string;
  receivedAt: Date;
  id?: string;
  /** The device's table from its own test codes to LOINC (config `devices[].codeMap`), per specimen. */
  codeMap?: CodeMapConfig;
  /** The specimen type the device is configured for (`lab.specimenType`), when the analyzer does not send one. */
  specimenType?: { code: string; display?: string; system?: string };
}

export interface NormalizeResult {
  reading: Reading;
  /** Why the reading must be held for review (kind 'value'); empty when it is clean. */
  problems: HoldReason[];
  /** Local codes with no standard code and no mapping: they go out as local codes and are counted. */
  unmapped: UnmappedCode[];
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

interface Resolved {
  code: ObservationCode;
  entry?: VocabularyEntry;
  name: string;
}

function resolveCode(m: Measurement, index: number, problems: HoldReason[], mapCode: CodeMapper, unmapped: UnmappedCode[]): Resolved {
  const type: string | undefined = m.type;
  if (type !== undefined) {
    if (isVitalType(type)) {
      const entry = vocabularyEntry(type);
      // A driver's own code (a specific site, say) is more precise than the vocabulary's.
      const code: ObservationCode = m.code ? { ...m.code } : vocabularyCode(type, entry);
      if (code.display === undefined) code.display = entry.display;
      return { code, entry, name: type };
    }
    problems.push(holdReason('value', 'unknown-type', `measurement ${index + 1}: unknown measurement type '${type}'`, [index]));
    return { code: m.code ? { ...m.code } : { local: { system: LOCAL_CODE_SYSTEM, code: type } }, name: type };
  }
  if (m.code) {
    const code = { ...m.code };
    const local = code.local;
    const mapping = local && !code.loinc ? mapCode(m, local.code) : undefined;
    if (mapping?.loinc) code.loinc = mapping.loinc;
    if (mapping?.display && code.display === undefined) code.display = mapping.display;
    if (local && !code.loinc && !code.mdc) unmapped.push({ code: local.code });
    const entry = vocabularyEntryForCode(code);
    if (code.display === undefined) code.display = entry?.display ?? code.local?.display;
    return { code, ...(entry ? { entry } : {}), name: codeName(code) };
  }
  problems.push(holdReason('value', 'unknown-type', `measurement ${index + 1}: has neither a type nor a code`, [index]));
  return { code: { local: { system: LOCAL_CODE_SYSTEM, code: 'unknown' } }, name: `measurement ${index + 1}` };
}

function vocabularyCode(type: string, entry: VocabularyEntry): ObservationCode {
  const code: ObservationCode = { display: entry.display };
  if (entry.mdc) code.mdc = { ...entry.mdc };
  if (entry.loinc) code.loinc = entry.loinc;
  if (!entry.mdc && !entry.loinc) code.local = { system: LOCAL_CODE_SYSTEM, code: type, display: entry.display };
  return code;
}

function codeName(code: ObservationCode): string {
  return code.display ?? code.mdc?.ref ?? code.loinc ?? code.local?.code ?? 'observation';
}

function normalizeMeasurement(
  m: Measurement,
  index: number,
  equipment: string | undefined,
  problems: HoldReason[],
  mapCode: CodeMapper,
  unmapped: UnmappedCode[],
): Observation {
  const { code, entry, name } = resolveCode(m, index, problems, mapCode, unmapped);
  const obs: Observation = { code, value: m.value, status: m.status ?? 'F' };
  // Kept so the plausibility check finds the range even when the driver's own code is more specific.
  if (m.type !== undefined && isVitalType(m.type)) obs.type = m.type;
  const originalText = m.valueText ?? String(m.value);

  let value: number | undefined;
  let decimals: number | undefined;
  if (typeof m.value === 'object' && m.value !== null && (m.value.kind === 'waveform' || m.value.kind === 'attachment')) {
    // Tracings and documents go through as they are: nothing to convert, nothing to round.
    obs.value = m.value;
  } else if (typeof m.value === 'number') {
    value = m.value;
    decimals = decimalsOf(m.valueText !== undefined && NUMBER.test(m.valueText.trim()) ? m.valueText : String(m.value));
  } else if (typeof m.value !== 'string') {
    // Outside the type contract (a driver bug): keep it visible as text, never throw.
    obs.value = String(m.value);
    problems.push(holdReason('value', 'not-a-number', `${name}: value ${String(m.value)} is neither a number nor text`, [index]));
  } else if (NUMBER.test(m.value.trim()) && entry) {
    value = Number(m.value.trim());
    decimals = decimalsOf(m.value);
  } else if (entry) {
    problems.push(holdReason('value', 'not-a-number', `${name}: value '${m.value}' is not a number`, [index]));
  }
  if (value !== undefined && !Number.isFinite(value)) {
    problems.push(holdReason('value', 'not-a-number', `${name}: value ${String(value)} is not a finite number`, [index]));
  }

  let unit: string | undefined;
  let unitKnown = true;
  if (m.unit === undefined) {
    // A driver leaves the unit out only when its protocol fixes it to the canonical one.
    unit = entry?.unit;
  } else {
    unit = canonicalUnit(String(m.unit));
    if (unit === undefined) {
      unitKnown = false;
      unit = m.unit;
      if (entry) problems.push(holdReason('value', 'unit', `${name}: unit '${m.unit}' cannot be converted to ${entry.unit}`, [index]));
    }
  }

  if (entry && unitKnown && unit !== undefined && unit !== entry.unit && value !== undefined && Number.isFinite(value)) {
    const converted = convert(value, unit, entry.unit);
    const places = convertedDecimals(decimals ?? 0, unit, entry.unit);
    if (converted === undefined || places === undefined) {
      problems.push(holdReason('value', 'unit', `${name}: unit '${m.unit ?? unit}' cannot be converted to ${entry.unit}`, [index]));
    } else {
      value = roundTo(converted, places);
      decimals = places;
      unit = entry.unit;
    }
  }

  if (value !== undefined) {
    obs.value = value;
    if (decimals !== undefined && Number.isFinite(value)) obs.precision = decimals;
  }
  if (unit !== undefined) obs.unit = unit;

  const outputText = typeof obs.value === 'number' ? formatDecimal(obs.value, obs.precision) : String(obs.value);
  if (outputText !== originalText || (m.unit !== undefined && m.unit !== unit)) {
    obs.original = m.unit === undefined ? { value: originalText } : { value: originalText, unit: m.unit };
  }

  if (m.referenceRange !== undefined) obs.referenceRange = m.referenceRange;
  if (m.flags !== undefined) obs.flags = [...m.flags];
  if (m.method !== undefined) obs.method = m.method;
  if (m.comments?.length) obs.comments = [...m.comments];
  if (equipment !== undefined) obs.equipment = equipment;
  if (m.observedAt !== undefined) {
    const at = normalizeIso(String(m.observedAt));
    if (at === undefined) problems.push(holdReason('value', 'time', `${name}: observation time '${m.observedAt}' is not an ISO 8601 date-time`, [index]));
    else obs.observedAt = at;
  }
  return obs;
}

export function normalize(report: DeviceReport, ctx: NormalizeContext): NormalizeResult {
  const problems: HoldReason[] = [];
  const receivedAt = toIsoWithOffset(ctx.receivedAt);
  let observedAt = receivedAt;
  if (report.observedAt !== undefined) {
    const at = normalizeIso(String(report.observedAt));
    if (at === undefined) {
      problems.push(holdReason('value', 'time', `device time '${report.observedAt}' is not an ISO 8601 date-time; receipt time used`));
    } else {
      observedAt = at;
    }
  }
  const equipment = ctx.equipment ?? report.equipment;
  const unmapped: UnmappedCode[] = [];
  // The specimen decides which mapping applies: what the analyzer sent, else the device's configured one.
  const specimen = specimenType(report.specimen?.type) ?? configuredSpecimen(ctx.specimenType);
  const mapCode: CodeMapper = (m, code) =>
    resolveMapping(ctx.codeMap, { code, specimen, ...(m.instrument ? { module: m.instrument } : {}), ...(equipment ? { analyzer: equipment } : {}) });
  const observations = report.measurements.map((m, i) => normalizeMeasurement(m, i, equipment, problems, mapCode, unmapped));
  if (specimen) for (const u of unmapped) u.specimen = specimen.code;
  if (observations.length === 0) problems.push(holdReason('value', 'no-measurement', 'the report carries no measurements'));

  const reading: Reading = {
    id: ctx.id ?? newId(ctx.receivedAt),
    deviceId: ctx.deviceId,
    kind: ctx.kind,
    observedAt,
    receivedAt,
    observations,
    raw: report.raw,
  };
  if (equipment !== undefined) reading.equipment = equipment;
  if (report.comments?.length) reading.comments = [...report.comments];
  if (report.subject) reading.subject = { ...report.subject };
  if (report.specimen || specimen) {
    const { type: _sent, ...rest } = report.specimen ?? { id: '' };
    reading.specimen = specimen ? { ...rest, type: specimen } : { ...rest };
    const collected = report.specimen?.collectedAt;
    if (collected !== undefined) {
      // Analyzers send local time without an offset; the chart needs it with one, like every other time.
      const at = normalizeIso(String(collected));
      if (at === undefined) {
        delete reading.specimen.collectedAt;
        problems.push(holdReason('value', 'time', `specimen collection time '${collected}' is not an ISO 8601 date-time`));
      } else reading.specimen.collectedAt = at;
    }
  }
  if (report.order) {
    const { code, tests, ...rest } = report.order;
    reading.order = code ? { ...rest, code: { ...code } } : { ...rest };
  }
  if (report.order?.tests?.length && reading.order) reading.order.tests = report.order.tests.map((t) => ({ ...t }));
  return { reading, problems, unmapped: uniqueUnmapped(unmapped) };
}

function configuredSpecimen(configured: NormalizeContext['specimenType']): SpecimenType | undefined {
  if (configured === undefined) return undefined;
  const known = specimenType(configured.code);
  if (known?.system !== undefined) return { ...known, ...(configured.display ? { display: configured.display } : {}) };
  // Any other configured code is a table 0487 code the gateway has no synonym for (the setting is SPM-4).
  return { ...configured, system: configured.system ?? SPECIMEN_TABLE };
}

function uniqueUnmapped(list: UnmappedCode[]): UnmappedCode[] {
  const seen = new Map<string, UnmappedCode>();
  for (const u of list) seen.set(`${u.code}\u0000${u.specimen ?? ''}`, u);
  return [...seen.values()];
}
