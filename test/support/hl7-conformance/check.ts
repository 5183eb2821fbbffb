// The conformance checker for ORU^R01 messages (v2.5.1 and v2.6), table-driven from the
// definitions in this folder: message structure (structure.ts), segment fields (segments.ts),
// composite data types (datatypes.ts), HL7 tables (tables.ts), primitive syntax (primitives.ts)
// and the encoding rules (wire.ts).
//
// Readings taken where the standard leaves room:
// - Lengths are checked for primitive values only (a field of a primitive type, or a component or
//   subcomponent of a composite one), on the value as the receiver sees it (escape sequences count
//   as the characters they stand for). The LEN of a composite field (OBX-18 EI 22 in v2.5.1) is
//   not checked: v2.5.1 computes it inconsistently with its components (EI.1 alone may be 199),
//   and v2.6 states lengths per component.
// - The HL7 null `""` is a value: it satisfies a required field and is not checked further.

import { composite, PRIMITIVES, type ComponentDef } from './datatypes.ts';
import { checkBase64, checkDT, checkDTM, checkNM, checkSI, checkSN, checkTM } from './primitives.ts';
import { segmentFields, type FieldDef } from './segments.ts';
import { ORU_R01, placeSegments } from './structure.ts';
import { codeTable, type Hl7Version, type Profile } from './tables.ts';
import { components, escapeProblems, readWire, repetitions, subcomponents, unescapedLength, type Delimiters, type WireSegment } from './wire.ts';

export type Rule =
  | 'terminator'
  | 'control-char'
  | 'segment-name'
  | 'header'
  | 'structure'
  | 'field-count'
  | 'required'
  | 'usage'
  | 'repetition'
  | 'delimiter'
  | 'escape'
  | 'length'
  | 'table'
  | 'syntax'
  | 'value-type'
  | 'waveform-lead';

export interface Violation {
  rule: Rule;
  /** e.g. `OBX[4] OBX-18.2` (the 4th OBX of the message, field 18, component 2). */
  where: string;
  message: string;
}

const VERSIONS: ReadonlySet<string> = new Set(['2.5.1', '2.6']);
const NULL = '""';

interface Context {
  version: Hl7Version;
  profile: Profile;
  d: Delimiters;
  out: Violation[];
}

/** All violations of `text` against ORU^R01 in the version MSH-12 declares. */
export function checkMessage(text: string): Violation[] {
  const out: Violation[] = [];
  let wire;
  try {
    wire = readWire(text);
  } catch (err) {
    return [{ rule: 'header', where: 'MSH', message: err instanceof Error ? err.message : String(err) }];
  }
  out.push(...wire.problems);
  const msh = wire.segments[0];
  if (msh?.name !== 'MSH') return [...out, { rule: 'header', where: 'segment 1', message: 'the first segment is not MSH' }];
  const d = wire.delimiters;
  // v2.5.1 / v2.6 ch. 2 "Message delimiters": four encoding characters, all distinct, none a letter or digit.
  const encoding = msh.fields[2] ?? '';
  if (encoding.length !== 4 || new Set([d.field, ...encoding]).size !== 5 || /[A-Za-z0-9\s]/.test(d.field + encoding)) {
    out.push({ rule: 'header', where: 'MSH-1/MSH-2', message: `delimiters "${d.field}${encoding}" are not five distinct non-alphanumeric characters` });
  }
  const version = components(repetitions(msh.fields[12] ?? '', d)[0] ?? '', d)[0] ?? '';
  if (!VERSIONS.has(version))
    return [...out, { rule: 'header', where: 'MSH-12', message: `version "${version}" is not one this checker describes (2.5.1, 2.6)` }];
  const type = components(msh.fields[9] ?? '', d);
  if (type[0] !== 'ORU' || type[1] !== 'R01') out.push({ rule: 'header', where: 'MSH-9', message: `message type ${type.join('^')} is not ORU^R01` });
  else if (type[2] !== undefined && type[2] !== '' && type[2] !== 'ORU_R01')
    out.push({ rule: 'header', where: 'MSH-9.3', message: `message structure ${type[2]} is not ORU_R01` });
  const profiles = repetitions(msh.fields[21] ?? '', d).map((rep) => components(rep, d)[0]);
  const ctx: Context = { version: version as Hl7Version, profile: profiles.includes('IHE_PCD_001') ? 'IHE-PCD-01' : 'base', d, out };

  const placement = placeSegments(
    ORU_R01[ctx.version],
    wire.segments.map((s) => s.name),
  );
  if (placement.outOfPlace) {
    const { index, name, expected } = placement.outOfPlace;
    out.push({
      rule: 'structure',
      where: `segment ${index + 1} (${name})`,
      message: `out of place in ORU^R01 v${version}; expected one of ${expected.join(', ')}`,
    });
  }

  const seen = new Map<string, number>();
  for (const segment of wire.segments) {
    const n = (seen.get(segment.name) ?? 0) + 1;
    seen.set(segment.name, n);
    checkSegment(segment, `${segment.name}[${n}]`, ctx);
  }
  checkWaveformLeads(wire.segments, placement.paths, ctx);
  return out;
}

/** One line per violation, for test failure output. */
export function formatViolations(violations: Violation[]): string {
  return violations.map((v) => `${v.rule}: ${v.where}: ${v.message}`).join('\n');
}

function checkSegment(segment: WireSegment, label: string, ctx: Context): void {
  const defs = segmentFields(ctx.version, segment.name);
  // Segments the gateway never sends (SFT, PD1 ...) are placed by the structure check only.
  if (!defs) return;
  const last = segment.fields.length - 1;
  if (last > defs.length) {
    ctx.out.push({
      rule: 'field-count',
      where: `${label} ${segment.name}-${last}`,
      message: `${segment.name} has ${defs.length} fields in v${ctx.version}: a stray field separator?`,
    });
  }
  defs.forEach((def, i) => {
    const n = i + 1;
    if (segment.name === 'MSH' && n <= 2) return;
    const where = `${label} ${segment.name}-${n}`;
    const field = segment.fields[n] ?? '';
    if (field === '') {
      if (def.usage === 'R') ctx.out.push({ rule: 'required', where, message: `${def.name} is required (usage R in v${ctx.version})` });
      return;
    }
    if (def.usage === 'X') ctx.out.push({ rule: 'usage', where, message: `${def.name} is not supported (usage X in v${ctx.version}) but is valued` });
    const reps = repetitions(field, ctx.d);
    if (def.repeat > 0 && reps.length > def.repeat) {
      ctx.out.push({
        rule: 'repetition',
        where,
        message: `${reps.length} repetitions, at most ${def.repeat}: a raw repetition separator "${ctx.d.repetition}"?`,
      });
    }
    if (def.type === 'varies') return;
    for (const rep of reps) {
      if (rep === NULL) continue;
      checkValue(rep, def.type, def.len, def.table, where, 'field', ctx);
      checkFieldBinding(rep, def, where, ctx);
    }
  });
  if (segment.name === 'OBX') checkObservationValue(segment, label, ctx);
}

type Level = 'field' | 'component' | 'subcomponent';

/** A value of `type` at `level`: primitive syntax, length and table, or its components in turn. */
function checkValue(value: string, type: string, len: number, table: string | undefined, where: string, level: Level, ctx: Context): void {
  const d = ctx.d;
  if (PRIMITIVES.has(type)) {
    const separators = level === 'field' ? [d.component, d.subcomponent] : level === 'component' ? [d.subcomponent] : [];
    for (const sep of separators) {
      if (value.includes(sep)) {
        ctx.out.push({ rule: 'delimiter', where, message: `${type} value contains a raw "${sep}" (escape it as ${sep === d.component ? '\\S\\' : '\\T\\'})` });
        return;
      }
    }
    checkPrimitive(value, type, len, table, where, ctx);
    return;
  }
  const def = composite(ctx.version, type);
  if (!def || level === 'subcomponent') {
    // A type not described here: only the escape grammar of its pieces is checked.
    for (const piece of value.split(new RegExp(`[${escapeRe(d.component + d.subcomponent)}]`))) escapesOf(piece, false, where, ctx);
    return;
  }
  const parts = level === 'field' ? components(value, d) : subcomponents(value, d);
  checkParts(parts, def, type, where, level === 'field' ? 'component' : 'subcomponent', ctx);
}

function checkParts(parts: string[], def: ComponentDef[], type: string, where: string, level: Level, ctx: Context): void {
  if (parts.length > def.length) {
    ctx.out.push({ rule: 'delimiter', where, message: `${parts.length} ${level}s, ${type} has ${def.length}: a raw delimiter inside a value?` });
  }
  const valued = parts.some((p) => p !== '');
  def.forEach((c, k) => {
    const part = parts[k] ?? '';
    const at = `${where}.${k + 1}`;
    if (part === '') {
      if (valued && c.required) ctx.out.push({ rule: 'required', where: at, message: `${type}.${k + 1} ${c.name} is required when ${type} is valued` });
      return;
    }
    if (part === NULL) return;
    checkValue(part, c.type, c.len, c.table, at, level, ctx);
  });
}

function checkPrimitive(value: string, type: string, len: number, table: string | undefined, where: string, ctx: Context): void {
  if (value === NULL) return;
  escapesOf(value, type === 'FT', where, ctx);
  const length = unescapedLength(value);
  if (len > 0 && length > len) ctx.out.push({ rule: 'length', where, message: `${type} of ${length} characters, at most ${len} (v${ctx.version})` });
  if (table !== undefined && (type === 'ID' || type === 'IS')) {
    const t = codeTable(ctx.version, table, ctx.profile);
    if (t && !t.has(value))
      ctx.out.push({
        rule: 'table',
        where,
        message: `"${value}" is not in ${t.kind === 'User' ? 'user-defined ' : ''}table ${table} (${t.name}, v${ctx.version})`,
      });
  }
  const syntax = SYNTAX[type]?.(value);
  if (syntax) ctx.out.push({ rule: 'syntax', where, message: syntax });
}

const SYNTAX: Record<string, (text: string) => string | undefined> = { NM: checkNM, SI: checkSI, DT: checkDT, DTM: checkDTM, TM: checkTM };

function escapesOf(value: string, formattedText: boolean, where: string, ctx: Context): void {
  for (const p of escapeProblems(value, ctx.d, formattedText)) {
    ctx.out.push({
      rule: 'escape',
      where,
      message:
        p.kind === 'formatting'
          ? `formatting command ${p.text} is allowed in FT only`
          : `"${p.text}" is not an escape sequence (a raw "${ctx.d.escape}" must be sent as \\E\\)`,
    });
  }
}

/**
 * A CE/CWE field bound to an HL7 table (SPM-4 to 0487): its identifier must come from that table
 * when the coding system names it (HL7nnnn) or is left empty (v2.5.1 / v2.6 ch. 2A CWE: the
 * coding system is HL7nnnn for HL7 tables).
 */
function checkFieldBinding(rep: string, def: FieldDef, where: string, ctx: Context): void {
  if (def.table === undefined || !['CE', 'CWE', 'CNE'].includes(def.type)) return;
  const t = codeTable(ctx.version, def.table, ctx.profile);
  if (!t) return;
  const [code = '', , system = ''] = components(rep, ctx.d);
  if (code === '' || (system !== '' && system !== `HL7${def.table}`)) return;
  if (!t.has(code)) ctx.out.push({ rule: 'table', where: `${where}.1`, message: `"${code}" is not in table ${def.table} (${t.name}, v${ctx.version})` });
}

/** OBX-5 by the type OBX-2 gives (v2.5.1 / v2.6 ch. 7 OBX-2, OBX-5). */
function checkObservationValue(obx: WireSegment, label: string, ctx: Context): void {
  const d = ctx.d;
  const type = obx.fields[2] ?? '';
  const value = obx.fields[5] ?? '';
  const where = `${label} OBX-5`;
  if (value === '') return;
  // OBX-2 is conditional: it gives the type of OBX-5, so a valued OBX-5 needs it.
  if (type === '') {
    ctx.out.push({ rule: 'value-type', where: `${label} OBX-2`, message: 'OBX-5 is valued but OBX-2 (its value type) is empty' });
    return;
  }
  for (const rep of repetitions(value, d)) {
    if (rep === NULL) continue;
    if (type === 'NA') {
      const parts = components(rep, d);
      if (parts.every((p) => p === '')) ctx.out.push({ rule: 'syntax', where, message: 'NA row carries no value' });
      parts.forEach((p, k) => {
        const bad = p === '' ? undefined : p.includes(d.subcomponent) ? 'a raw subcomponent separator' : checkNM(p);
        if (bad) ctx.out.push({ rule: 'syntax', where: `${where}.${k + 1}`, message: `NA value: ${bad}` });
      });
    } else if (type === 'SN') {
      const parts = components(rep, d);
      for (const problem of checkSN(parts)) ctx.out.push({ rule: 'syntax', where, message: problem });
    } else if (type === 'TS' && ctx.version === '2.5.1') {
      checkValue(rep, 'TS', 0, undefined, where, 'field', ctx);
    } else if (PRIMITIVES.has(type) || composite(ctx.version, type)) {
      // OBX-5 takes the length of its data type, not of the field: 0 leaves it to the components.
      checkValue(rep, type, 0, undefined, where, 'field', ctx);
      if (type === 'ED') {
        const parts = components(rep, d);
        if (parts[3] === 'Base64') {
          const bad = checkBase64(parts[4] ?? '');
          if (bad) ctx.out.push({ rule: 'syntax', where: `${where}.5`, message: bad });
        }
      }
    }
  }
}

/**
 * IHE PCD-01 waveforms (IHE PCD TF-2, waveform content; ISO/IEEE 11073-10101 lead codes): each NA
 * row is one lead and its OBX-3 names it (MDC_ECG_ELEC_POTL_II ...). A row under the lead-less
 * MDC_ECG_ELEC_POTL, or two NA rows of one order with the same OBX-3, cannot be told apart.
 */
function checkWaveformLeads(segments: WireSegment[], paths: string[], ctx: Context): void {
  if (ctx.profile !== 'IHE-PCD-01') return;
  let order = 0;
  const seen = new Map<string, number>();
  let obxCount = 0;
  segments.forEach((s, i) => {
    if (s.name === 'OBR') order++;
    if (s.name !== 'OBX') return;
    obxCount++;
    if ((s.fields[2] ?? '') !== 'NA' || !(paths[i] ?? '').includes('OBSERVATION')) return;
    const id = s.fields[3] ?? '';
    const where = `OBX[${obxCount}] OBX-3`;
    const parts = components(id, ctx.d);
    const refids = [parts[1], parts[4]].filter((r, k) => r && parts[k * 3 + 2] === 'MDC');
    if (refids.some((r) => /^MDC_ECG_ELEC_POTL$/i.test(r ?? ''))) {
      ctx.out.push({ rule: 'waveform-lead', where, message: `waveform row ${id} does not name its lead (MDC_ECG_ELEC_POTL_<lead>)` });
    }
    const key = `${order}|${id}`;
    const prior = seen.get(key);
    if (prior !== undefined)
      ctx.out.push({ rule: 'waveform-lead', where, message: `waveform row has the same OBX-3 as OBX[${prior}]: the leads cannot be told apart` });
    else seen.set(key, obxCount);
  });
}

function escapeRe(chars: string): string {
  return chars.replace(/[\\\]^-]/g, '\\$&');
}
