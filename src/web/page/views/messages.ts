// Messages: each destination's outbox (state and counts), its messages filtered by device, patient
// and state or searched (control ID, reading ID, MRN, name), older pages on demand, and one
// message in full (lib/message-detail.ts). Rows change in place as messages move (lib/message-rows.ts).
// Deep link: #/messages?id=CONTROL_ID (also destination=ID or *, state, device, patient, q).
//
// Accessible names for end-to-end tests:
//   group "Destinations": one toggle button per destination (pressed = shown), "All destinations"
//   group "Filter messages": searchbox "Search messages", combobox "Filter by device", textbox
//     "Filter by patient MRN", combobox "Filter by state" (All states, Queued, ... Dead)
//   table "Messages to <destination>" (or "... all destinations"): each control ID is a button
//   buttons "Show older", "Refresh"
//   region "Message details": headings "HL7 message" and "ACK from EHR"; link to the reading; "Resend" on dead ones, "Discard" on dead QC ones

import '../styles/messages.css';
import type { DestinationView, DeviceView, MessageDetail, MessagesPage, MessageView } from '../../api-types.ts';
import { errorText } from '../../../model/error-text.ts';
import { get, post } from '../lib/api.ts';
import { ALL_DESTINATIONS, drawDestinations } from '../lib/destination-buttons.ts';
import { h, replace, toast } from '../lib/dom.ts';
import { onEvent, onReconnect } from '../lib/events.ts';
import { latestOnly } from '../lib/latest-only.ts';
import { filterQuery, filtersFromParams, listFilters } from '../lib/list-filters.ts';
import { listFooter } from '../lib/list-footer.ts';
import { pagedList } from '../lib/paged-list.ts';
import { throttle } from '../lib/throttle.ts';
import { discardQcMessageDialog, messageDetail } from '../lib/message-detail.ts';
import { messageFits } from '../lib/message-fits.ts';
import { MESSAGE_STATES, messageRows, messageStateText } from '../lib/message-rows.ts';
import type { View } from '../lib/view.ts';

const PAGE = 100;
/** Rows kept while events add new ones at the top, besides those "Show older" loaded: each insert lays the table out twice. */
const MAX_ROWS = 200;

/** Focus is where the router put it (the view's root) or nowhere. */
function focusUntouched(root: HTMLElement): boolean {
  const a = document.activeElement;
  return a === null || a === document.body || a === root;
}

export const messagesView: View = (root, ctx) => {
  let alive = true;
  let destinations: DestinationView[] = [];
  let dest = ctx.params.get('destination') ?? '';
  let selected = ctx.params.get('id') ?? '';

  const filters = listFilters({
    id: 'msg-filter',
    label: 'Filter messages',
    searchLabel: 'Search messages',
    states: MESSAGE_STATES,
    initial: filtersFromParams(ctx.params),
    onChange: () => {
      syncHash();
      void loadMessages();
    },
  });
  const rows = messageRows({ onOpen: (id) => void select(id, true), max: () => pages.max(), onTrim: (last) => pages.trimmed(last) });
  const footer = listFooter({
    noun: ['message', 'messages'],
    older: () => pages.older(),
    list: rows.element.querySelector('tbody') ?? undefined,
    empty: () => ({ filters: filters.values(), stateWord: messageStateText(filters.values().state), empty: 'No messages yet.' }),
  });
  const destGroup = h('div', { class: 'dest-list', role: 'group', 'aria-label': 'Destinations' });
  const detail = h('section', { class: 'card msg-detail', 'aria-label': 'Message details', tabindex: -1, hidden: true });
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
          h('button', { type: 'button', onclick: () => void refreshAll() }, 'Refresh'),
        ),
        filters.element,
        footer.head,
        rows.element,
        footer.foot,
      ),
      detail,
    ),
  );

  /** Keeps the hash a deep link to what is shown, without remounting the page. */
  const syncHash = () => {
    const q = new URLSearchParams();
    if (dest) q.set('destination', dest);
    for (const [k, v] of filterQuery(filters.values(), 'state')) q.set(k, v);
    if (selected) q.set('id', selected);
    const s = q.toString();
    history.replaceState(null, '', `#/messages${s ? `?${s}` : ''}`);
  };

  const redrawDestinations = () => drawDestinations(destGroup, destinations, dest, selectDestination);

  const loadDestinations = async () => {
    try {
      const r = await get<{ destinations: DestinationView[] }>('/api/destinations');
      if (!alive) return;
      destinations = r.destinations;
      if (!dest || (dest !== ALL_DESTINATIONS && !destinations.some((d) => d.id === dest))) dest = destinations[0]?.id ?? '';
      redrawDestinations();
    } catch (err) {
      pageError.hidden = false;
      pageError.textContent = `Could not load the destinations: ${errorText(err)}`;
    }
  };

  const listQuery = (before?: string) => {
    const f = filters.values();
    const q = filterQuery(f, 'state');
    // A search looks in every destination: a control ID names one message wherever it went.
    if (dest && dest !== ALL_DESTINATIONS && !f.q) q.set('destination', dest);
    q.set('limit', String(PAGE));
    if (before) q.set('before', before);
    return `/api/messages?${q}`;
  };

  const caption = () => {
    const f = filters.values();
    const where = f.q || dest === ALL_DESTINATIONS ? 'all destinations' : dest;
    return `Messages to ${where}${f.state ? ` (${messageStateText(f.state)})` : ''}`;
  };

  const pages = pagedList({
    fetch: (before) => get<MessagesPage>(listQuery(before)),
    items: (page) => page.messages,
    list: rows.list,
    footer,
    noun: 'messages',
    onPage: () => rows.setCaption(caption()),
    maxRows: MAX_ROWS,
    // The server's cursor (src/store/list-cursor.ts): creation time and seq.
    cursor: (m) => `${m.createdAt}~${m.seq}`,
  });
  const loadMessages = () => (dest ? pages.load() : Promise.resolve(footer.showPage(0, undefined)));

  const details = latestOnly();
  async function select(id: string, focus: boolean): Promise<void> {
    selected = id;
    syncHash();
    rows.select(id);
    if (!id) {
      detail.hidden = true;
      return;
    }
    detail.hidden = false;
    if (focus) replace(detail, h('p', { class: 'muted' }, 'Loading the message\u2026'));
    await details.run(
      () => get<{ message: MessageDetail }>(`/api/messages/${encodeURIComponent(id)}`),
      ({ message: m }) => {
        replace(
          detail,
          ...messageDetail(m, {
            resend: () => void doResend(m),
            discard: () => discardQcMessageDialog(m, () => void afterDiscard(m.id)),
            close: () => void select('', false),
          }),
        );
        // A deep link to a message of another destination shows that destination's list.
        if (dest !== ALL_DESTINATIONS && m.destinationId !== dest && destinations.some((d) => d.id === m.destinationId)) {
          dest = m.destinationId;
          syncHash();
          redrawDestinations();
          void loadMessages();
        }
        // The heading, so a screen reader starts at "Message <control ID>".
        if (focus) (detail.querySelector<HTMLElement>('.msg-detail-title') ?? detail).focus({ preventScroll: false });
      },
      (err) => replace(detail, h('p', { class: 'error', role: 'alert' }, `Could not load message ${id}: ${errorText(err)}`)),
    );
  }

  async function doResend(m: MessageDetail): Promise<void> {
    try {
      await post(`/api/messages/${encodeURIComponent(m.id)}/resend`);
      toast(`Message ${m.controlId} queued again.`);
      await Promise.all([select(m.id, false), loadDestinations()]);
    } catch (err) {
      toast(`Could not resend: ${errorText(err)}`, 'error');
    }
  }

  async function afterDiscard(id: string): Promise<void> {
    rows.list.remove(id);
    await Promise.all([select('', false), loadDestinations()]);
  }

  function selectDestination(id: string): void {
    dest = id;
    syncHash();
    redrawDestinations();
    void loadMessages();
  }

  async function refreshAll(): Promise<void> {
    await loadDestinations();
    await loadMessages();
    if (selected) await select(selected, false);
  }

  void (async () => {
    const devices = get<{ devices: DeviceView[] }>('/api/devices').then(
      (r) => alive && filters.setDevices(r.devices),
      () => undefined,
    );
    await loadDestinations();
    syncHash();
    await loadMessages();
    // A link to one message (from Live) lands on it, unless the person has moved on meanwhile.
    if (selected) await select(selected, focusUntouched(root));
    await devices;
  })();

  // A message event adds or updates its row in place; counts are refetched at most every half second
  // while events flow, the open message once they pause.
  const counts = throttle(() => void loadDestinations(), 500);
  let detailTimer: ReturnType<typeof setTimeout> | undefined;
  const offEvent = onEvent((e) => {
    if (e.type === 'config' && e.what === 'destination') {
      void loadDestinations();
      return;
    }
    if (e.type !== 'message') return;
    const m = e.message;
    counts();
    const shown = rows.list.get(m.id);
    // An event built after its reading was archived may lack the reading's device and patient: keep them.
    const merged: MessageView = shown ? { ...shown, ...m, deviceId: m.deviceId ?? shown.deviceId, patient: m.patient ?? shown.patient } : m;
    // The status line is left as it is: a live region read out at every event would drown the page.
    if (messageFits(merged, dest, filters.values())) rows.list.upsert(merged);
    else if (shown) rows.list.remove(m.id);
    if (m.id === selected) {
      clearTimeout(detailTimer);
      detailTimer = setTimeout(() => void select(selected, false), 300);
    }
  });

  // Events missed while the gateway did not answer: counts and the first page again.
  const offReconnect = onReconnect(() => {
    void loadDestinations();
    void loadMessages();
  });

  return () => {
    alive = false;
    offReconnect();
    pages.cancel();
    details.cancel();
    counts.cancel();
    clearTimeout(detailTimer);
    filters.destroy();
    rows.destroy();
    offEvent();
  };
};
