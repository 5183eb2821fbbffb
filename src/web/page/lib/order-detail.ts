// One order in full for an interface analyst: whom and which specimen it is for, what the EHR
// ordered, where it stands with each analyzer (the codes it was given, the results on Live, Resend
// on a rejected download), and its story step by step, oldest first.
//
// Accessible names: heading "Order for specimen <ID>", button "Close", list "Warnings" (when any),
// list "Analyzers", list "Order history". Escape closes it (views/orders.ts).

import type { OrderDeviceView, OrderView } from '../../../orders/order-view.ts';
import { h, type Child } from './dom.ts';
import { orderDeviceLines } from './order-devices.ts';
import { orderPatient, orderSpecimen } from './order-rows.ts';
import { eventSentence, orderedTests, orderWarnings } from './order-words.ts';
import { formatTime } from './reading-format.ts';

export function orderDetail(o: OrderView, opts: { labels: ReadonlyMap<string, string>; resend(device: OrderDeviceView): void; close(): void }): Child[] {
  const lines = orderDeviceLines({ labels: opts.labels, resend: opts.resend, full: true });
  lines.show(o.devices, Date.now());
  const fact = (term: string, value: Child) => [h('dt', {}, term), h('dd', {}, value)];
  return [
    h(
      'div',
      { class: 'toolbar' },
      h('h2', { class: 'order-detail-title', tabindex: -1 }, 'Order for specimen ', h('span', { class: 'mono' }, orderSpecimen(o))),
      h('button', { type: 'button', onclick: opts.close }, 'Close'),
    ),
    h(
      'dl',
      { class: 'facts' },
      fact('Patient', orderPatient(o)),
      fact('Placer order', o.placer ? h('span', { class: 'mono' }, o.placer) : '\u2013'),
      fact('Filler order', o.filler ? h('span', { class: 'mono' }, o.filler) : '\u2013'),
      o.specimenType ? fact('Specimen type', o.specimenType) : null,
      fact('Ordered tests', orderedTests(o) || '\u2013'),
      fact('Status', o.status === 'cancelled' ? h('span', { class: 'badge error' }, 'cancelled by the EHR') : 'open'),
      fact('Received', formatTime(o.receivedAt)),
      fact('Last change by the EHR', formatTime(o.updatedAt)),
    ),
    (() => {
      const warnings = orderWarnings(o);
      return warnings.length === 0
        ? null
        : h(
            'ul',
            { class: 'order-warnings warn', 'aria-label': 'Warnings' },
            warnings.map((w) => h('li', {}, w)),
          );
    })(),
    h('h3', {}, 'Analyzers'),
    lines.element,
    h('h3', {}, 'History'),
    o.events.length === 0
      ? h('p', { class: 'muted' }, 'Nothing recorded yet.')
      : h(
          'ol',
          { class: 'order-events', 'aria-label': 'Order history' },
          o.events.map((e) =>
            h(
              'li',
              { 'data-what': e.what },
              h('time', { datetime: e.at, class: 'nowrap' }, formatTime(e.at)),
              ' ',
              h('span', {}, eventSentence(e, opts.labels)),
            ),
          ),
        ),
  ];
}
