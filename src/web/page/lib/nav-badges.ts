// Counts on the navigation links: devices not connected, dead letters, held readings. The link's
// name stays the page's name (tests and speech find "Devices"); the count is its description.

import type { StatusView } from '../../api-types.ts';
import { h } from './dom.ts';
import { watchStatus } from './status-feed.ts';
import { type NavCounts, navCountNoun, navCounts } from './status-words.ts';

const PAGES: Array<keyof NavCounts> = ['devices', 'messages', 'patients'];

export interface NavBadges {
  /** Draws the counts on the links the navigation has now (call after redrawing it). */
  paint(): void;
  setActive(active: boolean): void;
}

export function navBadges(nav: HTMLElement): NavBadges {
  let counts: NavCounts | undefined;
  let off: (() => void) | undefined;

  const paint = () => {
    for (const page of PAGES) {
      const link = nav.querySelector<HTMLAnchorElement>(`a[href="#/${page}"]`);
      if (!link) continue;
      const n = counts?.[page] ?? 0;
      const id = `nav-count-${page}`;
      let badge = link.querySelector<HTMLElement>('.nav-count');
      if (n === 0) {
        badge?.remove();
        link.removeAttribute('aria-describedby');
        continue;
      }
      const words = `${n} ${navCountNoun(page, n)}`;
      if (!badge) {
        badge = h('span', { class: 'nav-count', id, 'aria-hidden': 'true' });
        link.append(badge);
      }
      if (badge.dataset.words !== words) {
        badge.dataset.words = words;
        badge.replaceChildren(String(n), h('span', { class: 'vh' }, ` ${navCountNoun(page, n)}`));
      }
      link.setAttribute('aria-describedby', id);
    }
  };

  const follow = (status: StatusView | undefined) => {
    counts = status ? navCounts(status.problems) : undefined;
    paint();
  };

  return {
    paint,
    setActive(active) {
      if (active && !off) off = watchStatus(follow);
      else if (!active && off) {
        off();
        off = undefined;
        counts = undefined;
        paint();
      }
    },
  };
}
