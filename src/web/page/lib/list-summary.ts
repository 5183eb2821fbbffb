// What the line above a list says: how many are shown and how a search matched, or, when nothing
// is, what the filters were. DOM-free, so unit tests run it in node.

import type { ListPageInfo, SearchMatch } from '../../api-types.ts';

export interface ListFilterValues {
  device: string;
  patient: string;
  state: string;
  q: string;
}

const MATCH_TEXT: Record<SearchMatch, string> = {
  reading: 'the reading with this ID',
  'control-id': 'the message with this control ID',
  mrn: 'this MRN',
  name: 'patient names',
};

/** What an empty list says: the filters it was read with, the state in words, the text when nothing filters it. */
export interface EmptyContext {
  filters: ListFilterValues;
  /** "held", "undelivered": the chosen state as an adjective. */
  stateWord?: string;
  /** With no filter set: "No readings yet. ...". */
  empty?: string;
}

/**
 * "Nothing found for "x".", "No held readings from this device.": what an empty list was filtered by.
 * MRNs are identifiers matched exactly (HL7 v2.5.1 CX.1): the filter says so rather than fold case.
 */
export function emptyListText(many: string, ctx: EmptyContext): string {
  const f = ctx.filters;
  const others = f.device !== '' || f.patient !== '' || f.state !== '';
  if (f.q) return `Nothing found for \u201c${f.q}\u201d${others ? ' with the other filters set' : ''}.`;
  if (!others) return ctx.empty ?? `No ${many} yet.`;
  const what = [f.state ? ctx.stateWord || f.state : '', many].filter(Boolean).join(' ');
  const from = f.device ? ' from this device' : '';
  if (f.patient) return `No ${what}${from} for a patient with MRN ${f.patient} (MRNs are matched exactly, capital letters included).`;
  return `No ${what}${from}.`;
}

/** "12 shown · found by control ID · searched the newest 5000 (Show older goes on)"; an empty list says why (emptyListText). */
export function listSummary(shown: number, noun: [one: string, many: string], page: ListPageInfo | undefined, ctx?: EmptyContext): string {
  if (shown === 0 && ctx && !page?.more) return emptyListText(noun[1], ctx);
  const parts = [`${shown} ${shown === 1 ? noun[0] : noun[1]} shown`];
  if (page?.match) parts.push(`matching ${MATCH_TEXT[page.match]}`);
  if (page?.indexing) parts.push('still indexing older messages by device and patient');
  if (page?.scanned) parts.push(`searched the newest ${page.scanned} so far: "Show older" searches further back`);
  else if (page?.more) parts.push('older ones with "Show older"');
  return `${parts.join(' · ')}.`;
}
