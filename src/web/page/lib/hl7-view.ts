// HL7 v2 text for an interface analyst: one segment per line, segment names bold, the field
// separators dimmed, each field titled with its number (PID-5). A JSON body (MQTT uplink) is shown
// pretty-printed. Text only: nothing in a message can become markup.

import { h } from './dom.ts';
import { fieldNumber, looksLikeHl7, splitSegments } from './hl7-text.ts';

export function hl7View(text: string, label: string): HTMLElement {
  if (!looksLikeHl7(text)) {
    let shown = text;
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // not JSON either: show it as it is
    }
    return h('pre', { class: 'hl7 raw', 'aria-label': label, tabindex: 0 }, shown);
  }
  const { separator, segments } = splitSegments(text);
  return h(
    'div',
    { class: 'hl7', role: 'group', 'aria-label': label, tabindex: 0 },
    segments.map((seg) =>
      h(
        'div',
        { class: 'hl7-seg' },
        h('b', { class: 'hl7-name' }, seg.name),
        seg.fields.map((f, i) => [
          h('span', { class: 'hl7-sep' }, separator),
          f ? h('span', { class: 'hl7-field', title: `${seg.name}-${fieldNumber(seg.name, i)}` }, f) : null,
        ]),
      ),
    ),
  );
}
