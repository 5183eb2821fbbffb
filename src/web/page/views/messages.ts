// Messages: each destination's outbox (state and counts), its messages filtered by state, and one
// message in full: the HL7 as sent, segment by segment, and the EHR's ACK. Dead letters can be
// resent. Deep link: #/messages?id=CONTROL_ID (also destination=ID, state=STATE).
//
// Accessible names for end-to-end tests:
//   group "Destinations": one toggle button per destination (pressed = shown)
//   combobox "State" (All, Queued, Sending, Waiting to retry, Delivered, Dead)
//   table "Messages to <destination>": each control ID is a button named by the control ID
//   region "Message details": headings "HL7 message" and "ACK from EHR"; button "Resend" on dead ones

import '../styles/messages.css';
import type { DestinationView, MessageView, ReadingView } from '../../api-types.ts';
import type { MessageState, OutboxMessage } from '../../../store/types.ts';
import { get, post } from '../lib/api.ts';
import { h, replace, toast } from '../lib/dom.ts';
import { onEvent } from '../lib/events.ts';
import { ackIsPositive, ackMeaning } from '../lib/hl7-text.ts';
import { hl7View } from '../lib/hl7-view.ts';
import { formatTime } from '../lib/reading-format.ts';
import type { View } from '../lib/view.ts';

const STATES: Array<{ value: MessageState | ''; label: string }> = [
  { value: '', label: 'All' },
  { value: 'queued', label: 'Queued' },
  { value: 'sending', label: 'Sending' },
  { value: 'retry_wait', label: 'Waiting to retry' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'dead', label: 'Dead' },
];
const STATE_TEXT: Record<string, string> = { queued: 'queued', sending: 'sending', retry_wait: 'waiting to retry', delivered: 'delivered', dead: 'dead' };
const STATE_CLASS: Record<string, string> = { queued: 'queued', sending: 'queued', retry_wait: 'retry', delivered: 'delivered', dead: 'dead' };

const isState = (s: string | null): s is MessageState => !!s && STATES.some((x) => x.value === s);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function stateBadge(state: string): HTMLElement {
  return h('span', { class: `badge ${STATE_CLASS[state] ?? ''}` }, STATE_TEXT[state] ?? state);
}

export const messagesView: View = (root, ctx) => {
  let alive = true;
  let destinations: DestinationView[] = [];
  let dest = ctx.params.get('destination') ?? '';
  let stateFilter: MessageState | '' = isState(ctx.params.get('state')) ? (ctx.params.get('state') as MessageState) : '';
  let selected = ctx.params.get('id') ?? '';
  let rows: MessageView[] = [];
  const deviceOf = new Map<string, string>();

  const destGroup = h('div', { class: 'dest-list', role: 'group', 'aria-label': 'Destinations' });
  const stateSelect = h(
    'select',
    { id: 'msg-state' },
    STATES.map((s) => h('option', { value: s.value }, s.label)),
  );
  stateSelect.value = stateFilter;
  const listStatus = h('p', { class: 'muted', role: 'status' });
  const tableWrap = h('div', { class: 'table-wrap' });
  const detail = h('section', { class: 'card msg-detail', 'aria-label': 'Message details', tabindex: -1 });
  const pageError = h('p', { class: 'error', role: 'alert', hidden: true });

  replace(
    root,
    h('h1', {}, 'Messages'),
    pageError,
    destGroup,
    h(
      'div',
      { class: 'msg-layout' },
      h(
        'section',
        { class: 'msg-list', 'aria-labelledby': 'msg-list-title' },
        h(
          'div',
          { class: 'toolbar' },
          h('h2', { id: 'msg-list-title' }, 'Outbox'),
          h('div', { class: 'field inline-field' }, h('label', { for: 'msg-state' }, 'State'), stateSelect),
          h('button', { type: 'button', onclick: () => void refreshAll() }, 'Refresh'),
        ),
        listStatus,
        tableWrap,
      ),
      detail,
    ),
  );
  detail.hidden = true;

  /** Keeps the hash a deep link to what is shown, without remounting the page. */
  const syncHash = () => {
    const q = new URLSearchParams();
    if (dest) q.set('destination', dest);
    if (stateFilter) q.set('state', stateFilter);
    if (selected) q.set('id', selected);
    const s = q.toString();
    history.replaceState(null, '', `#/messages${s ? `?${s}` : ''}`);
  };

  const drawDestinations = () => {
    if (!destinations.length) {
      replace(destGroup, h('p', { class: 'muted' }, 'No destinations are configured.'));
      return;
    }
    replace(
      destGroup,
      destinations.map((d) =>
        h(
          'button',
          {
            type: 'button',
            class: `dest${d.id === dest ? ' current' : ''}`,
            'aria-pressed': d.id === dest ? 'true' : 'false',
            onclick: () => selectDestination(d.id),
          },
          h('span', { class: 'dest-name' }, d.id, ' ', h('span', { class: 'muted' }, `${d.type} ${d.address}`)),
          h(
            'span',
            { class: 'dest-counts' },
            h('span', { class: `badge ${d.worker.lastError ? 'retry' : 'up'}` }, d.worker.state),
            ` ${d.worker.queued} queued · ${d.worker.delivered} delivered · `,
            h('span', { class: d.worker.dead ? 'error' : '' }, `${d.worker.dead} dead`),
          ),
          d.worker.lastError ? h('span', { class: 'dest-error error' }, d.worker.lastError) : null,
          d.worker.nextAttemptAt ? h('span', { class: 'hint' }, `next attempt ${formatTime(d.worker.nextAttemptAt)}`) : null,
        ),
      ),
    );
  };

  const deviceCell = (m: MessageView) => {
    const device = (m as MessageView & { deviceId?: string }).deviceId ?? deviceOf.get(m.readingId);
    return device ?? '–';
  };

  const drawTable = () => {
    if (!dest) {
      tableWrap.replaceChildren();
      return;
    }
    if (!rows.length) {
      listStatus.textContent = `No ${stateFilter ? `${STATE_TEXT[stateFilter]} ` : ''}messages for ${dest}.`;
      tableWrap.replaceChildren();
      return;
    }
    listStatus.textContent = `${rows.length} message${rows.length === 1 ? '' : 's'}${rows.length >= 100 ? ' (the newest 100)' : ''}.`;
    replace(
      tableWrap,
      h(
        'table',
        { class: 'table msg-table' },
        h('caption', {}, `Messages to ${dest}`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Time', 'Control ID', 'Device', 'State', 'Attempts', 'Last error'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((m) =>
            h(
              'tr',
              { class: m.id === selected ? 'selected' : '', 'data-id': m.id },
              h('td', { class: 'nowrap' }, h('time', { datetime: m.createdAt }, formatTime(m.createdAt))),
              h(
                'td',
                {},
                h(
                  'button',
                  { type: 'button', class: 'link mono', 'aria-current': m.id === selected ? 'true' : undefined, onclick: () => void select(m.id, true) },
                  m.controlId,
                ),
              ),
              h('td', {}, deviceCell(m)),
              h('td', {}, stateBadge(m.state)),
              h('td', { class: 'num' }, m.attempts),
              h('td', { class: 'last-error' }, m.lastError ?? ''),
            ),
          ),
        ),
      ),
    );
  };

  const loadDestinations = async () => {
    try {
      const r = await get<{ destinations: DestinationView[] }>('/api/destinations');
      if (!alive) return;
      destinations = r.destinations;
      if (!dest || !destinations.some((d) => d.id === dest)) dest = destinations[0]?.id ?? '';
      drawDestinations();
    } catch (err) {
      pageError.hidden = false;
      pageError.textContent = `Could not load the destinations: ${message(err)}`;
    }
  };

  let listSeq = 0;
  const loadMessages = async () => {
    if (!dest) return;
    const mine = ++listSeq;
    listStatus.textContent = 'Loading…';
    try {
      const q = new URLSearchParams({ destination: dest, limit: '100' });
      if (stateFilter) q.set('state', stateFilter);
      const r = await get<{ messages: MessageView[] }>(`/api/messages?${q}`);
      if (!alive || mine !== listSeq) return;
      rows = r.messages;
      drawTable();
    } catch (err) {
      if (mine === listSeq) listStatus.textContent = `Could not load the messages: ${message(err)}`;
    }
  };

  // The device column: messages name their reading, readings name their device.
  const loadDevicesOfReadings = async () => {
    const lists = await Promise.all(
      (['queued', 'delivered', 'dead', 'held'] as const).map((s) =>
        get<{ readings: ReadingView[] }>(`/api/readings?status=${s}&limit=200`).catch(() => ({ readings: [] as ReadingView[] })),
      ),
    );
    if (!alive) return;
    for (const r of lists.flatMap((l) => l.readings)) deviceOf.set(r.reading.id, r.reading.deviceId);
    drawTable();
  };

  let detailSeq = 0;
  const drawDetail = (m: OutboxMessage) => {
    const dead = m.state === 'dead';
    const resend = h('button', { type: 'button', class: 'primary', onclick: () => void doResend(m) }, 'Resend');
    replace(
      detail,
      h(
        'div',
        { class: 'toolbar' },
        h('h2', {}, 'Message ', h('span', { class: 'mono' }, m.controlId)),
        dead ? resend : null,
        h('button', { type: 'button', onclick: () => select('', false) }, 'Close'),
      ),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'State'),
        h('dd', {}, stateBadge(m.state), m.state === 'retry_wait' && m.nextAttemptAt ? ` next attempt ${formatTime(m.nextAttemptAt)}` : ''),
        h('dt', {}, 'Destination'),
        h('dd', {}, m.destinationId),
        h('dt', {}, 'Device'),
        h('dd', {}, deviceOf.get(m.readingId) ?? '–'),
        h('dt', {}, 'Reading'),
        h('dd', { class: 'mono' }, m.readingId),
        h('dt', {}, 'Created'),
        h('dd', {}, formatTime(m.createdAt)),
        h('dt', {}, 'Attempts'),
        h('dd', {}, String(m.attempts), m.lastAttemptAt ? `, last ${formatTime(m.lastAttemptAt)}` : ''),
        m.deliveredAt ? [h('dt', {}, 'Delivered'), h('dd', {}, formatTime(m.deliveredAt))] : null,
        m.lastError ? [h('dt', {}, 'Last error'), h('dd', { class: 'error' }, m.lastError)] : null,
      ),
      dead
        ? h(
            'p',
            { class: 'hint' },
            'Resend puts the same message (same bytes and control ID) back at the end of the line. Fix the cause first (see the ACK and the last error).',
          )
        : null,
      h('h3', {}, 'HL7 message'),
      hl7View(m.body, `HL7 message ${m.controlId}`),
      h('h3', {}, 'ACK from EHR'),
      m.ack
        ? h(
            'div',
            { class: 'ack' },
            h(
              'p',
              {},
              h('span', { class: `badge ${ackIsPositive(m.ack.code) ? 'delivered' : 'dead'}` }, m.ack.code),
              ' ',
              h('strong', {}, ackMeaning(m.ack.code)),
              m.ack.at ? h('span', { class: 'muted' }, ` · ${formatTime(m.ack.at)}`) : null,
            ),
            m.ack.text ? h('p', {}, 'Text: ', h('span', { class: 'ack-text' }, m.ack.text)) : null,
            m.ack.errorCode ? h('p', {}, 'Error code: ', h('span', { class: 'mono' }, m.ack.errorCode)) : null,
            m.ack.raw ? hl7View(m.ack.raw, 'ACK message as received') : null,
          )
        : h('p', { class: 'muted' }, m.state === 'delivered' ? 'Delivered without a stored ACK.' : 'No ACK received yet.'),
    );
  };

  async function select(id: string, focus: boolean): Promise<void> {
    selected = id;
    syncHash();
    for (const tr of tableWrap.querySelectorAll<HTMLElement>('tr[data-id]')) {
      const on = tr.dataset.id === id;
      tr.classList.toggle('selected', on);
      const b = tr.querySelector('button');
      if (on) b?.setAttribute('aria-current', 'true');
      else b?.removeAttribute('aria-current');
    }
    if (!id) {
      detail.hidden = true;
      return;
    }
    const mine = ++detailSeq;
    detail.hidden = false;
    if (focus) replace(detail, h('p', { class: 'muted' }, 'Loading the message…'));
    try {
      const r = await get<{ message: OutboxMessage }>(`/api/messages/${encodeURIComponent(id)}`);
      if (!alive || mine !== detailSeq) return;
      drawDetail(r.message);
      // A deep link to a message of another destination shows that destination's list.
      if (r.message.destinationId !== dest && destinations.some((d) => d.id === r.message.destinationId)) {
        dest = r.message.destinationId;
        syncHash();
        drawDestinations();
        void loadMessages();
      }
      if (focus) detail.focus({ preventScroll: false });
    } catch (err) {
      if (mine === detailSeq) replace(detail, h('p', { class: 'error', role: 'alert' }, `Could not load message ${id}: ${message(err)}`));
    }
  }

  async function doResend(m: OutboxMessage): Promise<void> {
    try {
      await post(`/api/messages/${encodeURIComponent(m.id)}/resend`);
      toast(`Message ${m.controlId} queued again.`);
      await Promise.all([select(m.id, false), loadMessages(), loadDestinations()]);
    } catch (err) {
      toast(`Could not resend: ${message(err)}`, 'error');
    }
  }

  function selectDestination(id: string): void {
    dest = id;
    syncHash();
    drawDestinations();
    void loadMessages();
  }

  stateSelect.addEventListener('change', () => {
    stateFilter = isState(stateSelect.value) ? stateSelect.value : '';
    syncHash();
    void loadMessages();
  });

  async function refreshAll(): Promise<void> {
    await loadDestinations();
    await loadMessages();
    if (selected) await select(selected, false);
  }

  void (async () => {
    await loadDestinations();
    syncHash();
    await loadMessages();
    if (selected) await select(selected, false);
    void loadDevicesOfReadings();
  })();

  // Message events update rows in place; counts and the open message are refetched, debounced.
  let timer: ReturnType<typeof setTimeout> | undefined;
  let detailTimer: ReturnType<typeof setTimeout> | undefined;
  const offEvent = onEvent((e) => {
    if (e.type === 'reading') {
      deviceOf.set(e.reading.reading.id, e.reading.reading.deviceId);
      return;
    }
    if (e.type === 'config' && e.what === 'destination') {
      void loadDestinations();
      return;
    }
    if (e.type !== 'message') return;
    const m = e.message;
    clearTimeout(timer);
    timer = setTimeout(() => void loadDestinations(), 500);
    if (m.destinationId === dest) {
      const i = rows.findIndex((r) => r.id === m.id);
      if (i >= 0) rows[i] = m;
      else if (!stateFilter || stateFilter === m.state) rows = [m, ...rows].slice(0, 100);
      drawTable();
    }
    if (m.id === selected) {
      clearTimeout(detailTimer);
      detailTimer = setTimeout(() => void select(selected, false), 300);
    }
  });

  return () => {
    alive = false;
    clearTimeout(timer);
    clearTimeout(detailTimer);
    offEvent();
  };
};
