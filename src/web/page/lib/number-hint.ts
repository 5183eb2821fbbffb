// How a number field states its default and range in words: "Default 0.5; at least 0.", and for
// durations in milliseconds (keys ending in "Ms") the time a person reads: "Default 30 s; from
// 100 ms to 10 min.".

/** Big numbers grouped (3,600,000); up to five digits as written, so a port stays 65535. */
export function groupedNumber(n: number): string {
  return Math.abs(n) >= 100_000 ? n.toLocaleString('en-US') : String(n);
}

const UNITS: Array<[number, string]> = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
];

/**
 * 30000 -> "30 s", 3600000 -> "1 h", 1500 -> "1.5 s", 250 -> "250 ms". Exact, unlike durationWords
 * (status-words.ts), which rounds down to minutes: a setting is a value to type, a duration a fact to act on.
 */
export function formatMs(ms: number): string {
  for (const [size, unit] of UNITS) {
    if (Math.abs(ms) >= size) return `${groupedNumber(Math.round((ms / size) * 100) / 100)} ${unit}`;
  }
  return `${groupedNumber(ms)} ms`;
}

export function isDurationKey(key: string): boolean {
  return /Ms$/.test(key);
}

/**
 * When an empty field gets its default: always (an optional field); only with its whole group left
 * empty (a field an optional group requires: filled in partly, the group needs it); never (a required field).
 */
export type DefaultApplies = 'always' | 'group-empty' | 'never';

/** "Default 30 s; from 100 ms to 10 min." or undefined when there is nothing to say. */
export function numberHint(
  key: string,
  schema: { default?: unknown; minimum?: number; maximum?: number },
  applies: DefaultApplies = 'always',
): string | undefined {
  const fmt = isDurationKey(key) ? formatMs : groupedNumber;
  const parts: string[] = [];
  if (typeof schema.default === 'number' && applies !== 'never')
    parts.push(`Default ${fmt(schema.default)}${applies === 'group-empty' ? ' with the whole group left empty' : ''}`);
  const { minimum: min, maximum: max } = schema;
  if (min !== undefined && max !== undefined) parts.push(`from ${fmt(min)} to ${fmt(max)}`);
  else if (min !== undefined) parts.push(`at least ${fmt(min)}`);
  else if (max !== undefined) parts.push(`at most ${fmt(max)}`);
  if (parts.length === 0) return undefined;
  const text = parts.join('; ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** What an empty number field shows: its default, said to be one ("30000 (default)"). */
export function defaultPlaceholder(value: unknown): string | undefined {
  return typeof value === 'number' ? `${value} (default)` : undefined;
}
