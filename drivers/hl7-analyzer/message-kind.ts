// Which way a message from the analyzer goes, by its MSH alone (the rest of a large result is not
// split twice): an answer to an order we sent (ACK, or the structure's own response ORL / ORR, HL7
// v2.5.1 chapter 4), a host query (QBP), or anything else, which the results decoder reads and
// acknowledges (refusing what it does not take). Also who the analyzer says it is (MSH-3 / MSH-4),
// so the orders sent to it address it as it names itself.

import { Hl7Reader, splitHl7 } from './hl7-text.ts';

export type MessageKind = 'reply' | 'query' | 'other';

export interface MessageHeader {
  kind: MessageKind;
  /** MSH-3 / MSH-4 (the analyzer) and MSH-5 / MSH-6 (us, as it names us) as text, `^` between components; absent when the MSH is unusable. */
  sender?: { application: string; facility: string };
  receiver?: { application: string; facility: string };
}

const REPLIES = new Set(['ACK', 'ORL', 'ORR']);

export function readHeader(text: string): MessageHeader {
  const trimmed = text.replace(/^[\s\uFEFF]+/, '');
  const end = trimmed.search(/[\r\n]/);
  const split = splitHl7(end === -1 ? trimmed : trimmed.slice(0, end));
  if (!split.ok) return { kind: 'other' };
  const msh = split.value.segments[0];
  const r = new Hl7Reader(split.value.delimiters);
  const type = r.get(msh, 9, 1).toUpperCase();
  const named = (n: number): string =>
    (r.repetitions(msh, n)[0] ?? '')
      .split(r.delimiters.component)
      .map((c) => r.text(c))
      .join('^')
      .replace(/\^+$/, '');
  const kind: MessageKind = REPLIES.has(type) ? 'reply' : type === 'QBP' ? 'query' : 'other';
  return { kind, sender: { application: named(3), facility: named(4) }, receiver: { application: named(5), facility: named(6) } };
}
