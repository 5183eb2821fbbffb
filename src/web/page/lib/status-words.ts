// What the status strip and the navigation badges say about the gateway's problems (GET /api/status):
// a sentence with how long ("ehr: unreachable for 4 min, 38 waiting"), the page that fixes it, and
// the counts the navigation shows. Pure: `now` is passed in, so the words keep up with a ticking clock.

import type { Problem } from '../../api-types.ts';
import { plural } from './plural.ts';

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
    case 'orders-rejected':
      return { href: '#/orders?state=rejected', text: 'Show refused orders' };
    case 'orders-unresulted':
      return { href: '#/orders?state=unresulted', text: 'Show orders without results' };
    case 'qc-rejected':
      // Grouped (many at once) it names no rejection: the QC page lists them all, unreviewed first.
      return { href: `#/qc${q({ rejection: p.rejection, device: p.rejection === undefined ? p.device : undefined })}`, text: 'Review QC' };
    default:
      return undefined;
  }
}

/** The toast after "Retry now": `already` when it was trying at that moment anyway (news, not an error). */
export function retriedWords(name: string, already: boolean, device: boolean): string {
  if (!already) return `Trying ${name} again now.`;
  return device ? `${name} is connecting right now.` : `${name} is sending right now.`;
}

/** Failing ones first, otherwise in the gateway's order: what the strip shows before "N more". */
export function bySeverity(problems: readonly Problem[]): Problem[] {
  return [...problems.filter((p) => p.severity === 'failing'), ...problems.filter((p) => p.severity !== 'failing')];
}

/** A key per problem, stable while it lasts: what the strip compares to say what is new. */
export function problemKey(p: Problem): string {
  // One analyzer can fail QC for several tests at once: each rejection is its own item.
  return `${p.kind}:${p.rejection ?? p.device ?? p.destination ?? ''}`;
}

/** A navigation badge: the number shown, and what it stands for (the link's description). */
export interface NavBadge {
  n: number;
  words: string;
}

export type NavPage = 'devices' | 'messages' | 'patients' | 'orders' | 'qc';
export type NavBadges = Partial<Record<NavPage, NavBadge>>;

const DESTINATION_KINDS: ReadonlySet<Problem['kind']> = new Set(['destination-unreachable', 'destination-failing', 'destination-stalled', 'dead-letters']);

/** "ehr unreachable, 18 waiting", "1 dead letter" (named when several destinations have problems). */
function destinationWords(p: Problem, named: boolean): string {
  const name = p.name ?? p.destination ?? '';
  if (p.kind === 'dead-letters') {
    const dead = plural(p.count ?? 0, 'dead letter', 'dead letters');
    return named ? `${name}: ${dead}` : dead;
  }
  const what = name && p.text.startsWith(`${name}: `) ? `${name} ${p.text.slice(name.length + 2)}` : p.text;
  return p.counted ? `${what}, ${p.counted}` : what;
}

/**
 * Devices: devices not connected. Messages: the destinations' problems (an EHR out of reach, one
 * failing or stalled, dead letters), each told in the description. Patients: held readings.
 * Orders: orders an analyzer refused and orders without results in time. QC: unreviewed QC
 * rejections (a grouped item counts them).
 */
export function navBadges(problems: readonly Problem[]): NavBadges {
  const out: NavBadges = {};
  const devices = problems.filter((p) => p.kind === 'device-link-down').reduce((n, p) => n + (p.count ?? 1), 0);
  if (devices > 0) out.devices = { n: devices, words: plural(devices, 'device not connected', 'devices not connected') };
  const destinations = problems.filter((p) => DESTINATION_KINDS.has(p.kind));
  if (destinations.length > 0) {
    const named = new Set(destinations.map((p) => p.destination)).size > 1;
    out.messages = { n: destinations.length, words: destinations.map((p) => destinationWords(p, named)).join('; ') };
  }
  const held = problems.filter((p) => p.kind === 'readings-held').reduce((n, p) => n + (p.count ?? 0), 0);
  if (held > 0) out.patients = { n: held, words: plural(held, 'held reading', 'held readings') };
  const orders = problems.filter((p) => p.kind === 'orders-rejected' || p.kind === 'orders-unresulted');
  const ordersN = orders.reduce((n, p) => n + (p.count ?? 0), 0);
  if (ordersN > 0) out.orders = { n: ordersN, words: orders.map((p) => p.text).join('; ') };
  const qc = problems.filter((p) => p.kind === 'qc-rejected').reduce((n, p) => n + (p.device === undefined ? (p.count ?? 1) : 1), 0);
  if (qc > 0) out.qc = { n: qc, words: plural(qc, 'QC rejection not reviewed', 'QC rejections not reviewed') };
  return out;
}
