// Whether a report is control material, and which lot and level: from what the analyzer marked on the
// wire (the driver's ControlMark), else from the device's `qc` settings (its control lot IDs, its
// control sample-ID pattern). A report recognised here never becomes a patient reading. Pure.

import type { ControlRole } from '../model/control-mark.ts';
import type { DeviceReport } from '../model/driver.ts';
import type { DeviceQcT, QcLotT } from '../model/qc-settings.ts';

export interface QcIdentity {
  role: ControlRole;
  /** How it was recognised: the wire's marker ("ASTM O-12 Q"), "control lot list" or "sample ID pattern". */
  marker: string;
  lot: string;
  level?: string;
  material?: string;
  expires?: string;
  /** The device's configured lot it belongs to (its targets), when there is one. */
  configuredLot?: QcLotT;
}

export const LOT_LIST_MARKER = 'control lot list';
export const PATTERN_MARKER = 'sample ID pattern';
export const UNKNOWN_LOT = 'unknown';
/** The API filters lots and tests of at most this length (QcQuery): longer ones are cut, never refused. */
export const MAX_NAME = 64;
/** A sample ID longer than this is matched against no pattern: a pattern's cost grows with its input. */
const MAX_MATCHED = 128;

/**
 * The one way a control sample-ID pattern is compiled: config validation and recognition must agree
 * on what compiles (Unicode mode would refuse "\\-" that validation without it accepts). Throws a
 * SyntaxError naming what is wrong.
 */
export function compileSampleIdPattern(text: string): RegExp {
  return new RegExp(text);
}

// Compiled once per pattern text; an Error: it does not compile (only a config that skipped validation gets here).
const compiled = new Map<string, RegExp | Error>();

function patternOf(text: string): RegExp {
  let re = compiled.get(text);
  if (re === undefined) {
    try {
      re = compileSampleIdPattern(text);
    } catch (err) {
      re = err instanceof Error ? err : new Error(String(err));
    }
    compiled.set(text, re);
  }
  // Never "not QC" in silence: a control result taken for a patient's is the worst outcome there is.
  if (re instanceof Error) throw new Error(`the device's qc.sampleIdPattern does not compile (${re.message}): control results cannot be told apart`);
  return re;
}

const cut = (s: string): string => s.slice(0, MAX_NAME);
const present = (s: string | undefined): string | undefined => (s === undefined || s.trim() === '' ? undefined : s.trim());

/** The report's QC identity, or undefined when it is a patient's. Throws when the device's pattern does not compile. */
export function qcIdentityOf(report: Pick<DeviceReport, 'control' | 'specimen'>, qc: DeviceQcT | undefined): QcIdentity | undefined {
  const specimen = present(report.specimen?.id);
  const listed = specimen === undefined ? undefined : qc?.lots?.find((l) => l.id === specimen);
  let groups: Record<string, string | undefined> | undefined;
  if (specimen !== undefined && qc?.sampleIdPattern && specimen.length <= MAX_MATCHED) {
    const match = patternOf(qc.sampleIdPattern).exec(specimen);
    if (match) groups = match.groups ?? {};
  }
  const control = report.control;
  if (!control && !listed && !groups) return undefined;
  const lot = cut(present(control?.lot) ?? listed?.id ?? present(groups?.lot) ?? specimen ?? UNKNOWN_LOT);
  const configuredLot = listed ?? qc?.lots?.find((l) => l.id === lot);
  const identity: QcIdentity = {
    role: control?.role ?? 'control',
    marker: control?.marker ?? (listed ? LOT_LIST_MARKER : PATTERN_MARKER),
    lot,
  };
  const level = present(control?.level) ?? configuredLot?.level ?? present(groups?.level);
  const material = present(control?.material) ?? configuredLot?.material;
  const expires = present(control?.expires) ?? configuredLot?.expires;
  if (level !== undefined) identity.level = cut(level);
  if (material !== undefined) identity.material = material;
  if (expires !== undefined) identity.expires = expires;
  if (configuredLot) identity.configuredLot = configuredLot;
  return identity;
}
