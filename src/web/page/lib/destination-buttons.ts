// The Messages page's destinations: one toggle button per destination with its worker's state and
// counts, and "All destinations"; the pressed one is the outbox shown.

import type { DestinationView } from '../../api-types.ts';
import { h, replace } from './dom.ts';
import { ALL_DESTINATIONS } from './message-fits.ts';
import { formatTime } from './reading-format.ts';

export { ALL_DESTINATIONS } from './message-fits.ts';

export function drawDestinations(group: HTMLElement, destinations: readonly DestinationView[], current: string, choose: (id: string) => void): void {
  if (!destinations.length) {
    replace(group, h('p', { class: 'muted' }, 'No destinations are configured.'));
    return;
  }
  const pressed = (id: string) => (id === current ? 'true' : 'false');
  // Redrawn as counts change: a keyboard user's focus goes back to the same button.
  const focused = group.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.dest : undefined;
  replace(
    group,
    destinations.map((d) =>
      h(
        'button',
        { type: 'button', class: `dest${d.id === current ? ' current' : ''}`, 'aria-pressed': pressed(d.id), 'data-dest': d.id, onclick: () => choose(d.id) },
        h('span', { class: 'dest-name' }, d.id, ' ', h('span', { class: 'muted' }, `${d.type} ${d.address}`)),
        h(
          'span',
          { class: 'dest-counts' },
          h('span', { class: `badge ${d.worker.lastError ? 'retry' : 'up'}` }, d.worker.state),
          // The delivered count starts again with the gateway; queued and dead are counted from the outbox.
          ` ${d.worker.queued} queued \u00b7 ${d.worker.delivered} delivered since start \u00b7 `,
          h('span', { class: d.worker.dead ? 'error' : '' }, `${d.worker.dead} dead`),
        ),
        d.worker.lastError ? h('span', { class: 'dest-error error' }, d.worker.lastError) : null,
        d.worker.nextAttemptAt ? h('span', { class: 'hint' }, `next attempt ${formatTime(d.worker.nextAttemptAt)}`) : null,
      ),
    ),
    destinations.length > 1
      ? h(
          'button',
          {
            type: 'button',
            class: `dest${current === ALL_DESTINATIONS ? ' current' : ''}`,
            'aria-pressed': pressed(ALL_DESTINATIONS),
            'data-dest': ALL_DESTINATIONS,
            onclick: () => choose(ALL_DESTINATIONS),
          },
          h('span', { class: 'dest-name' }, 'All destinations'),
        )
      : null,
  );
  if (focused !== undefined) [...group.querySelectorAll<HTMLElement>('button[data-dest]')].find((b) => b.dataset.dest === focused)?.focus();
}
