// HL7 v2 delimiters: the ones this gateway writes, and the one rule by which every reader (ACKs, the
// analyzer driver, the inbound feed, the demo EHR) takes them from a message's MSH-1 and MSH-2.
//
// The rule (HL7 v2.5.1 chapter 2: message delimiters, and the MSH segment's MSH-1/MSH-2): MSH-1 is the
// field separator, the character right after "MSH"; MSH-2 holds the component, repetition, escape
// and subcomponent characters in that order. A fifth (v2.7's truncation character) is ignored; a
// sender that declares only three gets `&` as subcomponent separator, as older senders assumed.
// All five must differ and none may be a letter, digit or white space.

export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

/** `|^~\&`: what every message this gateway writes declares. */
export const DEFAULT_DELIMITERS: Delimiters = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

export type DelimiterReading = { ok: true; delimiters: Delimiters } | { ok: false; reason: string; detail?: string };

/** The delimiters an MSH line declares (the line starts with "MSH"), or why they are unusable (the reason never quotes the text). */
export function readDelimiters(mshLine: string): DelimiterReading {
  if (mshLine.length < 8) return { ok: false, reason: 'MSH segment too short to carry its separators (MSH-1, MSH-2)' };
  const field = mshLine.charAt(3);
  const rest = mshLine.slice(4);
  const end = rest.indexOf(field);
  const encoding = end === -1 ? rest : rest.slice(0, end);
  if (encoding.length < 3 || encoding.length > 5) {
    return {
      ok: false,
      reason: `MSH-2 encoding characters are ${encoding.length}, not 4 (3 to 5 accepted)`,
      detail: `MSH-2 encoding characters "${encoding.slice(0, 8)}"`,
    };
  }
  // The usual case, as the one shared object (escapeHl7 takes a faster path for it).
  if (field === '|' && encoding.startsWith('^~\\&')) return { ok: true, delimiters: DEFAULT_DELIMITERS };
  const delimiters: Delimiters = {
    field,
    component: encoding.charAt(0),
    repetition: encoding.charAt(1),
    escape: encoding.charAt(2),
    subcomponent: encoding.length > 3 ? encoding.charAt(3) : '&',
  };
  const all = [delimiters.field, delimiters.component, delimiters.repetition, delimiters.escape, delimiters.subcomponent];
  if (new Set(all).size !== all.length || all.some((c) => /[A-Za-z0-9\s]/.test(c))) {
    return { ok: false, reason: 'MSH-1/MSH-2 separators are not distinct punctuation characters' };
  }
  return { ok: true, delimiters };
}

/** MSH-2 as written for these delimiters. */
export function encodingCharacters(d: Delimiters): string {
  return d.component + d.repetition + d.escape + d.subcomponent;
}
