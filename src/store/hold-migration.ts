// Hold reasons as state version 1 (and the history written next to it) kept them: strings, told
// apart by their prefix, and a discard as one more string ("discarded: <reason>"). Each string
// becomes a HoldReason with its text kept word for word. The patterns are those of every producer
// the gateway has had; a text none of them wrote becomes kind 'value', code 'unclassified': a
// person must then confirm they checked the reading (acceptImplausible), the strictest release
// that still sends the reading as it is.

import { HOLD_KINDS, holdReason, type HoldCode, type HoldKind, type HoldReason } from '../model/hold.ts';
import type { Discard, HistoryRecord, StateDoc, StoredReading } from './types.ts';
import { STATE_VERSION } from './types.ts';
import { isRecord } from '../model/is-record.ts';

interface LegacyRule {
  pattern: RegExp;
  kind: HoldKind;
  code: HoldCode;
}

// First match wins: the prefixed kinds before the suffix patterns that could also fit their text.
const RULES: readonly LegacyRule[] = [
  { pattern: /^no patient(?::|$)/, kind: 'patient', code: 'no-patient' },
  { pattern: /^unknown patient ID:/, kind: 'patient', code: 'unknown-patient-id' },
  { pattern: /^patient mismatch:/, kind: 'patient', code: 'patient-mismatch' },
  { pattern: /^no order:/, kind: 'patient', code: 'no-order' },
  { pattern: /^implausible: .* cannot be checked: expected /s, kind: 'value', code: 'unit' },
  { pattern: /^implausible: .* is not a (?:finite )?number$/s, kind: 'value', code: 'not-a-number' },
  { pattern: /^implausible: /, kind: 'value', code: 'implausible' },
  { pattern: /^measurement \d+: (?:unknown measurement type |has neither a type nor a code$)/, kind: 'value', code: 'unknown-type' },
  { pattern: /is not an ISO 8601 date-time(?:; receipt time used)?$/, kind: 'value', code: 'time' },
  { pattern: /: unit '.*' cannot be converted to /s, kind: 'value', code: 'unit' },
  { pattern: /: value .* (?:is not a (?:finite )?number|is neither a number nor text)$/s, kind: 'value', code: 'not-a-number' },
  { pattern: /^the report carries no measurements$/, kind: 'value', code: 'no-measurement' },
  { pattern: /^no destination configured$/, kind: 'delivery', code: 'no-destination' },
  { pattern: /^(?:the message for a destination could not be built|HL7 could not be built): /, kind: 'delivery', code: 'encode-failed' },
];

const DISCARDED = 'discarded: ';

/** The structured form of a version-1 hold reason. */
export function legacyHoldReason(text: string): HoldReason {
  const rule = RULES.find((r) => r.pattern.test(text));
  if (!rule) return holdReason('value', 'unclassified', text);
  // "measurement 3: ..." names its observation; keep that, so the page can point at it.
  const n = /^measurement (\d+): /.exec(text)?.[1];
  return holdReason(rule.kind, rule.code, text, n !== undefined && rule.code === 'unknown-type' ? [Number(n) - 1] : undefined);
}

/** A stored reason that every decision can rely on; anything else is read again as legacy text (the strictest kind). */
export function isHoldReason(value: unknown): value is HoldReason {
  if (!isRecord(value) || !HOLD_KINDS.includes(value.kind as HoldKind) || typeof value.code !== 'string' || typeof value.text !== 'string') return false;
  const obs = value.observations;
  return obs === undefined || (Array.isArray(obs) && obs.every((n) => Number.isInteger(n) && Number(n) >= 0));
}

/**
 * A stored reading with structured hold reasons. One already structured comes back as it is; a
 * version-1 one gets its strings converted and its "discarded: ..." string moved to `discard`.
 */
export function upgradeStoredReading(stored: StoredReading): StoredReading {
  const raw: unknown = stored.holdReasons;
  if (Array.isArray(raw) && raw.every(isHoldReason)) return stored;
  const holdReasons: HoldReason[] = [];
  let discard: Discard | undefined = stored.discard;
  for (const item of Array.isArray(raw) ? (raw as unknown[]) : []) {
    if (isHoldReason(item)) holdReasons.push(item);
    else if (typeof item === 'string' && item.startsWith(DISCARDED) && stored.status === 'discarded' && !discard) {
      discard = { reason: item.slice(DISCARDED.length), at: stored.updatedAt };
    } else holdReasons.push(legacyHoldReason(typeof item === 'string' ? item : JSON.stringify(item)));
  }
  const out: StoredReading = { ...stored, holdReasons };
  if (discard) out.discard = discard;
  return out;
}

/** A history record (a day-file line) with its reading upgraded; lines of both versions live in the same files. */
export function upgradeHistoryRecord(record: HistoryRecord): HistoryRecord {
  if (!isRecord(record.reading)) return record;
  const reading = upgradeStoredReading(record.reading);
  return reading === record.reading ? record : { ...record, reading };
}

/** Version 1 to the current version, in place. Returns how many readings changed. */
export function migrateStateDoc(doc: StateDoc): number {
  let changed = 0;
  for (const [id, stored] of Object.entries(doc.readings)) {
    if (!isRecord(stored)) continue;
    const upgraded = upgradeStoredReading(stored);
    if (upgraded !== stored) {
      doc.readings[id] = upgraded;
      changed++;
    }
  }
  doc.version = STATE_VERSION;
  return changed;
}
