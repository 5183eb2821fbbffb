// Short words for what the gateway reports: a link state as a badge with text (never color
// alone), a reading's values in a sentence, a patient's name (the transport and times: device-words.ts).

import type { DeviceView } from '../../api-types.ts';
import { ago, h } from './dom.ts';
import { linkWords, outageWords } from './link-words.ts';
import { timeText } from './device-words.ts';

// Used across the page from here.
export { readingSummary, timeText, transportSummary } from './device-words.ts';

type Link = DeviceView['link'];

/**
 * The link in a line: "Not connected for 3 min (since 14:05)" from the outage's first failure, never
 * from its latest retry; "Connected since 14:05 (3 min ago)" when up.
 */
export function linkLine(link: Link, now = Date.now()): string {
  const down = outageWords(link, now);
  if (down && link.downSince) return `${down} (since ${timeText(link.downSince, new Date(now))})`;
  return `${linkWords(link).text} since ${timeText(link.since, new Date(now))} (${ago(link.since, now)})`;
}

export function linkBadge(link: Link, enabled = true): HTMLSpanElement {
  const w = linkWords(link, enabled);
  return h('span', { class: `badge ${w.cls}` }, w.text);
}

/** Badge for a reading or message state: held, queued, delivered, dead (and the in-between ones). */
export function stateBadge(state: string): HTMLSpanElement {
  const cls: Record<string, string> = {
    held: 'held',
    queued: 'queued',
    sending: 'queued',
    retry_wait: 'retry',
    delivered: 'delivered',
    dead: 'dead',
    discarded: 'down',
  };
  const words: Record<string, string> = { retry_wait: 'Retry wait' };
  const text = words[state] ?? state.charAt(0).toUpperCase() + state.slice(1);
  return h('span', { class: `badge ${cls[state] ?? ''}`.trim() }, text);
}
