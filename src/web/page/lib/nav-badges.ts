// Counts on the navigation links: devices not connected, the destinations' problems (an EHR out of
// reach, dead letters), held readings, orders refused or without results, QC rejections not reviewed. The link's name stays the page's name (tests and speech
// find "Devices"); what the count stands for is its description.

import type { StatusView } from '../../api-types.ts';
import { h } from './dom.ts';
import { watchStatus } from './status-feed.ts';
import { type NavBadges as Counts, type NavPage, navBadges as badgesOf } from './status-words.ts';

const PAGES: NavPage[] = ['devices', 'messages', 'patients', 'orders', 'qc'];

export interface NavBadges {
  /** Draws the counts on the links the navigation has now (call after redrawing it). */
  paint(): void;
  setActive(active: boolean): void;
}

export function navBadges(nav: HTMLElement): NavBadges {
  let counts: Counts = {};
  let off: (() => void) | undefined;

  const paint = () => {
    for (const page of PAGES) {
      const link = nav.querySelector<HTMLAnchorElement>(`a[href="#/${page}"]`);
      if (!link) continue;
      const badge = counts[page];
      const id = `nav-count-${page}`;
      let shown = link.querySelector<HTMLElement>('.nav-count');
      if (!badge) {
        shown?.remove();
        link.querySelector(`#${id}`)?.remove();
        link.removeAttribute('aria-describedby');
        continue;
      }
      if (!shown) {
        shown = h('span', { class: 'nav-count', 'aria-hidden': 'true' });
        // Hidden from the link's name; aria-describedby still reads it.
        link.append(shown, h('span', { class: 'vh', id, 'aria-hidden': 'true' }));
      }
      if (shown.textContent !== String(badge.n)) shown.textContent = String(badge.n);
      // The number alone says little ("1" for 50 dead letters): the words are the tooltip too.
      shown.title = badge.words;
      const words = link.querySelector<HTMLElement>(`#${id}`);
      if (words && words.textContent !== badge.words) words.textContent = badge.words;
      link.setAttribute('aria-describedby', id);
    }
  };

  const follow = (status: StatusView | undefined) => {
    counts = status ? badgesOf(status.problems) : {};
    paint();
  };

  return {
    paint,
    setActive(active) {
      if (active && !off) off = watchStatus(follow);
      else if (!active && off) {
        off();
        off = undefined;
        counts = {};
        paint();
      }
    },
  };
}
