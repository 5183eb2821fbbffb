// The Messages table: one row per outbox message, keyed by its id and changed in place as its
// state moves (lib/keyed-list.ts), so a keyboard user keeps the row they tabbed to while messages
// flow. Each control ID is a button that opens the message.

import type { MessageView, NamedPatient } from '../../api-types.ts';
import { h, replace } from './dom.ts';
import { keyedList, type KeyedList } from './keyed-list.ts';
import { formatTime, personName } from './reading-format.ts';

export const MESSAGE_STATES: ReadonlyArray<{ value: string; label: string }> = [
  { value: '', label: 'All states' },
  { value: 'queued', label: 'Queued' },
  { value: 'sending', label: 'Sending' },
  { value: 'retry_wait', label: 'Waiting to retry' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'dead', label: 'Dead' },
];
const STATE_TEXT: Record<string, string> = { queued: 'queued', sending: 'sending', retry_wait: 'waiting to retry', delivered: 'delivered', dead: 'dead' };
const STATE_CLASS: Record<string, string> = { queued: 'queued', sending: 'queued', retry_wait: 'retry', delivered: 'delivered', dead: 'dead' };

export function messageStateText(state: string): string {
  return STATE_TEXT[state] ?? state;
}

export function messageStateBadge(state: string): HTMLElement {
  return h('span', { class: `badge ${STATE_CLASS[state] ?? ''}` }, messageStateText(state));
}

/** Whom a message is for: its patient, or for QC results forwarded to a LIS what they are (never a patient). */
export function messageSubject(m: Pick<MessageView, 'patient' | 'qc'>): string {
  if (m.qc) return `QC results: ${m.qc.tests.join(', ')} (lot ${m.qc.lots.join(', ')})`;
  return messagePatient(m.patient);
}

/** "Doe, Jane (MRN 123)", or a dash when the message's reading named nobody. */
export function messagePatient(p: NamedPatient | undefined): string {
  return p ? `${personName(p)} (MRN ${p.mrn})` : '\u2013';
}

/** Newest created first; of one instant, the later in the outbox's order first (as the server lists them). */
export function newerFirst(a: MessageView, b: MessageView): number {
  return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.seq - a.seq;
}

export interface MessageRows {
  element: HTMLElement;
  list: KeyedList<MessageView>;
  setCaption(text: string): void;
  /** Marks the open message's row. */
  select(id: string): void;
  destroy(): void;
}

export function messageRows(opts: { onOpen(id: string): void; max(): number; onTrim(lastKept: MessageView | undefined): void }): MessageRows {
  let selected = '';
  const tbody = h('tbody', {});
  const caption = h('caption', {});
  const cells = (m: MessageView) => ({
    patient: h('td', { class: 'msg-patient' }, messageSubject(m)),
    device: h('td', { class: 'nowrap' }, m.deviceId ?? '\u2013'),
    state: h('td', {}, messageStateBadge(m.state)),
    attempts: h('td', { class: 'num' }, m.attempts),
    error: h('td', { class: 'last-error' }, m.lastError ?? ''),
  });
  const list = keyedList<MessageView>({
    container: tbody,
    key: (m) => m.id,
    order: newerFirst,
    get max() {
      return opts.max();
    },
    onTrim: (lastKept) => opts.onTrim(lastKept),
    render: (m) => {
      const c = cells(m);
      return h(
        'tr',
        { class: m.id === selected ? 'selected' : '', 'data-id': m.id },
        h('td', { class: 'nowrap' }, h('time', { datetime: m.createdAt }, formatTime(m.createdAt))),
        h(
          'td',
          {},
          h(
            'button',
            { type: 'button', class: 'link mono', 'aria-current': m.id === selected ? 'true' : undefined, onclick: () => opts.onOpen(m.id) },
            m.controlId,
          ),
        ),
        c.patient,
        c.device,
        c.state,
        c.attempts,
        c.error,
      );
    },
    // Only the cells that change; the control ID's button (what has focus) stays as it is.
    update: (tr, m, before) => {
      const tds = tr.children;
      if (messageSubject(m) !== messageSubject(before)) replace(tds[2] as HTMLElement, messageSubject(m));
      if (m.deviceId !== before.deviceId) replace(tds[3] as HTMLElement, m.deviceId ?? '\u2013');
      if (m.state !== before.state) replace(tds[4] as HTMLElement, messageStateBadge(m.state));
      if (m.attempts !== before.attempts) replace(tds[5] as HTMLElement, String(m.attempts));
      if (m.lastError !== before.lastError) replace(tds[6] as HTMLElement, m.lastError ?? '');
    },
  });
  const element = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table msg-table' },
      caption,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Time', 'Control ID', 'Patient', 'Device', 'State', 'Attempts', 'Last error'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      tbody,
    ),
  );
  return {
    element,
    list,
    setCaption: (text) => {
      caption.textContent = text;
    },
    select(id) {
      selected = id;
      for (const tr of tbody.querySelectorAll<HTMLElement>('tr[data-id]')) {
        const on = tr.dataset.id === id;
        tr.classList.toggle('selected', on);
        const b = tr.querySelector('button');
        if (on) b?.setAttribute('aria-current', 'true');
        else b?.removeAttribute('aria-current');
      }
    },
    destroy: () => list.destroy(),
  };
}
