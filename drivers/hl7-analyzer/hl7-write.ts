// Writing HL7 v2 text for what the driver sends (orders, query answers): the counterpart of
// hl7-text.ts, by the one escaping policy (src/hl7/escape.ts).

import type { Delimiters } from '../../src/hl7/delimiters.ts';
import { escapeHl7 } from '../../src/hl7/escape.ts';

/** Plain text with `^` between components (how settings and names are kept): each component escaped, joined by `d.component`. */
export function componentsText(text: string, d: Delimiters): string {
  return text
    .split('^')
    .map((part) => escapeHl7(part, d))
    .join(d.component);
}
