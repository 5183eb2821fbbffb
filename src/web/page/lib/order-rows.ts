// The Orders list: one item per order, newest first, keyed by the order's key and changed in place
// as it moves (lib/keyed-list.ts), so a keyboard user keeps the item they tabbed to while the list
// refreshes. Each item: when it came, the specimen ID (a button that opens the order), the order
// numbers, the patient, the ordered tests and where it stands with each analyzer.
//
// Accessible names: list "Orders"; per order a listitem with button "Specimen <ID>", list "Warnings"
// (a patient not in the directory, tests no analyzer does) and list "Analyzers" (lib/order-devices.ts).

import type { OrderDeviceView, OrderView } from '../../../orders/order-view.ts';
import { h } from './dom.ts';
import { keyedList, type KeyedList } from './keyed-list.ts';
import { orderDeviceLines, type OrderDeviceLines } from './order-devices.ts';
import { newerOrderFirst, orderedTests, orderNumbers, orderWarnings } from './order-words.ts';
import { formatTime } from './reading-format.ts';

export interface OrderRows {
  element: HTMLUListElement;
  list: KeyedList<OrderView>;
  /** Marks the open order's item. */
  select(key: string): void;
  destroy(): void;
}

/** "Doe, Jane (MRN 123)"; the MRN alone when the directory has no name. */
export function orderPatient(o: Pick<OrderView, 'patientName' | 'mrn'>): string {
  return o.patientName ? `${o.patientName} (MRN ${o.mrn})` : `MRN ${o.mrn}`;
}

export function orderSpecimen(o: Pick<OrderView, 'specimenIds' | 'key'>): string {
  return o.specimenIds.length > 0 ? o.specimenIds.join(', ') : o.key;
}

export function orderRows(opts: {
  labels: ReadonlyMap<string, string>;
  onOpen(key: string): void;
  resend(order: OrderView, device: OrderDeviceView): void;
}): OrderRows {
  let selected = '';
  const element = h('ul', { class: 'order-list', 'aria-label': 'Orders' });
  // Per item: the parts an update patches.
  const parts = new WeakMap<
    HTMLElement,
    { numbers: HTMLElement; patient: HTMLElement; tests: HTMLElement; status: HTMLElement; warnings: HTMLElement; lines: OrderDeviceLines }
  >();
  const paint = (li: HTMLElement, o: OrderView) => {
    const p = parts.get(li);
    if (!p) return;
    const set = (el: HTMLElement, text: string) => {
      if (el.textContent !== text) el.textContent = text;
    };
    set(p.numbers, orderNumbers(o));
    set(p.patient, orderPatient(o));
    set(p.tests, orderedTests(o));
    p.status.hidden = o.status !== 'cancelled';
    const warnings = orderWarnings(o);
    if (p.warnings.dataset.words !== warnings.join('\n')) {
      p.warnings.dataset.words = warnings.join('\n');
      p.warnings.replaceChildren(...warnings.map((w) => h('li', {}, w)));
    }
    p.warnings.hidden = warnings.length === 0;
    li.classList.toggle('cancelled', o.status === 'cancelled');
    p.lines.show(o.devices, Date.now());
  };
  const list = keyedList<OrderView>({
    container: element,
    key: (o) => o.key,
    order: newerOrderFirst,
    render: (o) => {
      const numbers = h('span', { class: 'order-numbers' });
      const patient = h('span', { class: 'order-patient' });
      const tests = h('span', { class: 'order-tests-list' });
      const status = h('span', { class: 'badge error' }, 'cancelled by the EHR');
      const warnings = h('ul', { class: 'order-warnings warn', 'aria-label': 'Warnings' });
      const lines = orderDeviceLines({ labels: opts.labels, resend: (d) => opts.resend(list.get(o.key) ?? o, d) });
      const li = h(
        'li',
        { class: `order-item${o.key === selected ? ' selected' : ''}`, 'data-key': o.key },
        h(
          'div',
          { class: 'order-head' },
          h('time', { datetime: o.receivedAt, class: 'nowrap' }, formatTime(o.receivedAt)),
          h(
            'button',
            { type: 'button', class: 'link order-open', 'aria-current': o.key === selected ? 'true' : undefined, onclick: () => opts.onOpen(o.key) },
            'Specimen ',
            h('span', { class: 'mono' }, orderSpecimen(o)),
          ),
          patient,
          numbers,
          status,
        ),
        h('p', { class: 'order-tests' }, h('span', { class: 'muted' }, 'Tests: '), tests),
        warnings,
        lines.element,
      );
      parts.set(li, { numbers, patient, tests, status, warnings, lines });
      paint(li, o);
      return li;
    },
    update: (li, o) => paint(li, o),
  });
  return {
    element,
    list,
    select(key) {
      selected = key;
      for (const li of element.querySelectorAll<HTMLElement>('li.order-item')) {
        const on = li.dataset.key === key;
        li.classList.toggle('selected', on);
        const b = li.querySelector('button.order-open');
        if (on) b?.setAttribute('aria-current', 'true');
        else b?.removeAttribute('aria-current');
      }
    },
    destroy: () => list.destroy(),
  };
}
