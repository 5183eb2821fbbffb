// What the status strip and the navigation badges say about the gateway's problems (GET /api/status):
// a sentence with how long ("ehr: unreachable for 4 min, 38 waiting"), the page that fixes it, and
// the counts the navigation shows. Pure: `now` is passed in, so the words keep up with a ticking clock.

import type { Problem } from '../../api-types.ts';

/**
 * "less than a minute", "4 min", "2 h 5 min", "3 d 4 h": minutes are enough for a person to act on.
 * Not formatMs (number-hint.ts): that one states a setting exactly, down to milliseconds.
 */
export function durationWords(ms: number): string {
  const min = Math.floor(Math.max(0, ms) / 60_000);
  if (min < 1) return 'less than a minute';
  if (min < 60) return `${min} min`;
  const hours = Math.floor(min / 60);
  if (hours < 24) return min % 60 === 0 ? `${hours} h` : `${hours} h ${min % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** "ehr: unreachable for 4 min, 38 waiting", "ehr: 1 dead letter", "12 held readings". */
export function problemSentence(p: Problem, now: number): string {
  const since = p.since === undefined ? NaN : Date.parse(p.since);
  const head = Number.isNaN(since) ? p.text : `${p.text} for ${durationWords(now - since)}`;
  return p.counted ? `${head}, ${p.counted}` : head;
}

export interface ProblemLink {
  /** Hash route of the page that deals with it. */
  href: string;
  text: string;
}

/** Where a person deals with the problem. */
export function problemLink(p: Problem): ProblemLink | undefined {
  const q = (params: Record<string, string | undefined>) => {
    const s = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    return s ? `?${s}` : '';
  };
  switch (p.kind) {
    case 'device-link-down':
      // Grouped (many down at once) it names no device.
      return { href: '#/devices', text: p.device === undefined ? 'Show devices' : 'Show device' };
    case 'dead-letters':
      return { href: `#/messages${q({ destination: p.destination, state: 'dead' })}`, text: 'Show dead letters' };
    case 'destination-unreachable':
    case 'destination-failing':
    case 'destination-stalled':
      return { href: `#/messages${q({ destination: p.destination })}`, text: 'Show messages' };
    case 'readings-held':
      return { href: '#/patients', text: 'Show held readings' };
    default:
      return undefined;
  }
}

/** The toast after "Retry now": `already` when it was trying at that moment anyway (news, not an error). */
export function retriedWords(name: string, already: boolean, device: boolean): string {
  if (!already) return `Trying ${name} again now.`;
  return device ? `${name} is connecting right now.` : `${name} is sending right now.`;
}

/** A key per problem, stable while it lasts: what the strip compares to say what is new. */
export function problemKey(p: Problem): string {
  return `${p.kind}:${p.device ?? p.destination ?? ''}`;
}

export interface NavCounts {
  /** Devices whose link is down. */
  devices: number;
  /** Dead letters, all destinations. */
  messages: number;
  /** Held readings. */
  patients: number;
}

export function navCounts(problems: readonly Problem[]): NavCounts {
  const counts: NavCounts = { devices: 0, messages: 0, patients: 0 };
  for (const p of problems) {
    if (p.kind === 'device-link-down') counts.devices += p.count ?? 1;
    else if (p.kind === 'dead-letters') counts.messages += p.count ?? 0;
    else if (p.kind === 'readings-held') counts.patients += p.count ?? 0;
  }
  return counts;
}

/** What a navigation count stands for, after its number: "devices not connected". */
export function navCountNoun(page: keyof NavCounts, n: number): string {
  const s = n === 1 ? '' : 's';
  switch (page) {
    case 'devices':
      return `device${s} not connected`;
    case 'messages':
      return `dead letter${s}`;
    case 'patients':
      return `held reading${s}`;
  }
}
