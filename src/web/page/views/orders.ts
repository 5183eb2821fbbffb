// Orders: the EHR's orders, newest first, and where each stands with each analyzer (downloaded,
// waiting for an analyzer that is not connected, queried, resulted, not sent and why, rejected with
// the analyzer's reason). Filtered by state (with counts), by analyzer, or searched (specimen ID,
// order number, MRN); one order in full with its story (lib/order-detail.ts).
// Deep link: #/orders?key=ORDER_KEY (also state, device, q).
//
// The list is fetched again shortly after an `order` event (an order arrived, a download went, a
// result came), after a reconnect, and now and then while the page is shown, which also moves
// "next try in 2 min" on. Items change in place (lib/order-rows.ts).
//
// Accessible names for end-to-end tests:
//   group "Filter orders": searchbox "Search orders", combobox "Filter by device", combobox
//     "Filter by state" ("All orders (n)", "Waiting (n)", ... "Rejected by the analyzer (n)")
//   list "Orders" (lib/order-rows.ts), button "Show more", button "Refresh"
//   region "Order details" (lib/order-detail.ts; Escape in it closes it)

import '../styles/orders.css';
import type { DeviceView } from '../../api-types.ts';
import type { OrderDeviceView, OrdersPage, OrderView } from '../../../orders/order-view.ts';
import { errorText } from '../../../model/error-text.ts';
import { get, post } from '../lib/api.ts';
import { h, replace, toast } from '../lib/dom.ts';
import { onEvent, onReconnect } from '../lib/events.ts';
import { latestOnly } from '../lib/latest-only.ts';
import { filterQuery, filtersFromParams, listFilters } from '../lib/list-filters.ts';
import { orderDetail } from '../lib/order-detail.ts';
import { orderRows } from '../lib/order-rows.ts';
import { analyzerName, moreOrders, ordersEmptyText, ordersShownText, stateChoices } from '../lib/order-words.ts';
import { refreshStatus } from '../lib/status-feed.ts';
import { throttle } from '../lib/throttle.ts';
import type { View } from '../lib/view.ts';

const PAGE = 100;
/** How often the shown list is asked for again without an event: relative times move on, a missed event is caught up. */
const POLL_MS = 15_000;

export const ordersView: View = (root, ctx) => {
  let alive = true;
  let selected = ctx.params.get('key') ?? '';
  let limit = PAGE;
  let total = 0;
  const labels = new Map<string, string>();

  const filters = listFilters({
    id: 'order-filter',
    label: 'Filter orders',
    searchLabel: 'Search orders',
    hint: 'Specimen ID, placer or filler order number, or MRN (exactly as written)',
    patient: false,
    states: stateChoices(undefined),
    initial: filtersFromParams(ctx.params),
    onChange: () => {
      limit = PAGE;
      syncHash();
      void load();
    },
  });
  const rows = orderRows({ labels, onOpen: (key) => void select(key, true), resend: (o, d) => void resend(o, d) });
  const status = h('p', { class: 'muted list-status', role: 'status' });
  const more = h('button', { type: 'button', class: 'show-older', hidden: true, onclick: () => void showMore() }, 'Show more');
  const detail = h('section', {
    class: 'card order-detail',
    'aria-label': 'Order details',
    tabindex: -1,
    hidden: true,
    // Escape closes the open order, as its Close button does (focus back on its item in the list).
    onkeydown: (e: Event) => {
      if (!(e instanceof KeyboardEvent) || e.key !== 'Escape' || e.defaultPrevented) return;
      e.preventDefault();
      closeDetail();
    },
  });

  replace(
    root,
    h('h1', {}, 'Orders'),
    h(
      'div',
      { class: 'order-layout' },
      h(
        'section',
        { class: 'order-list-section', 'aria-labelledby': 'order-list-title' },
        h(
          'div',
          { class: 'toolbar' },
          h('h2', { id: 'order-list-title' }, 'From the EHR'),
          h('button', { type: 'button', onclick: () => void refreshAll() }, 'Refresh'),
        ),
        filters.element,
        h('div', { class: 'list-head' }, status),
        rows.element,
        h('div', { class: 'list-foot' }, more),
      ),
      detail,
    ),
  );

  /** Keeps the hash a deep link to what is shown, without remounting the page. */
  const syncHash = () => {
    const q = filterQuery(filters.values(), 'state');
    if (selected) q.set('key', selected);
    const s = q.toString();
    history.replaceState(null, '', `#/orders${s ? `?${s}` : ''}`);
  };

  const listPath = () => {
    const q = filterQuery(filters.values(), 'state');
    q.set('limit', String(limit));
    return `/api/orders?${q}`;
  };

  const say = (text: string) => {
    if (status.textContent !== text) status.textContent = text;
  };
  const requests = latestOnly();
  /** The list as the filters say; items change in place. */
  async function load(): Promise<void> {
    const since = rows.list.clock();
    await requests.run(
      () => get<OrdersPage>(listPath()),
      (page) => {
        // Without an inbound feed the server lists none (null): the navigation does not offer the page then.
        rows.list.set(page.orders ?? [], since);
        total = page.total;
        offerAnalyzers(page.orders ?? []);
        // Counts of the orders the analyzer filter and the search leave, as "1 of 1 order shown" beside them says.
        filters.setStates(stateChoices(page.counts, page.all, filters.values().device !== ''));
        const shown = rows.list.size;
        // A live region: touched only when what it says changed, not at every poll.
        say(shown === 0 ? ordersEmptyText(filters.values()) : ordersShownText(shown, total, limit));
        more.hidden = moreOrders(limit, PAGE) === undefined || shown >= total;
        more.disabled = false;
        // The open order as it is now (the list has it in full).
        const open = rows.list.get(selected);
        if (open && !detail.hidden) drawDetail(open, false);
      },
      (err) => say(`Could not load the orders: ${errorText(err)}`),
    );
  }

  async function showMore(): Promise<void> {
    const before = new Set(rows.element.children);
    limit = moreOrders(limit, PAGE) ?? limit;
    more.disabled = true;
    await load();
    // Focus to the first order it added (the button may have gone).
    const first = [...rows.element.children].find((el) => !before.has(el));
    if (first instanceof HTMLElement) first.querySelector<HTMLElement>('button.order-open')?.focus();
  }

  /** What the open order's panel shows, to redraw it only when that changed. */
  let shownDetail: string | undefined;
  function drawDetail(o: OrderView, focus: boolean): void {
    const drawn = JSON.stringify(o);
    if (!focus && drawn === shownDetail) return;
    // A redraw under a keyboard user's focus puts it on the heading, not the page's start.
    const hadFocus = detail.contains(document.activeElement);
    shownDetail = drawn;
    replace(detail, ...orderDetail(o, { labels, resend: (d) => void resend(o, d), close: () => closeDetail() }));
    // The heading, so a screen reader starts at "Order for specimen ...".
    if (focus || hadFocus) (detail.querySelector<HTMLElement>('.order-detail-title') ?? detail).focus({ preventScroll: !focus });
  }

  const details = latestOnly();
  async function select(key: string, focus: boolean): Promise<void> {
    selected = key;
    syncHash();
    rows.select(key);
    if (!key) {
      detail.hidden = true;
      shownDetail = undefined;
      return;
    }
    detail.hidden = false;
    if (focus) replace(detail, h('p', { class: 'muted' }, 'Loading the order\u2026'));
    await details.run(
      () => get<{ order: OrderView }>(`/api/orders/${encodeURIComponent(key)}`),
      ({ order }) => drawDetail(order, focus),
      (err) => replace(detail, h('p', { class: 'error', role: 'alert' }, `Could not load the order: ${errorText(err)}`)),
    );
  }

  /** Back to the order's item in the list, where the person came from. */
  function closeDetail(): void {
    const key = selected;
    void select('', false);
    rows.element.querySelector<HTMLElement>(`li[data-key="${CSS.escape(key)}"] button.order-open`)?.focus();
  }

  async function resend(o: OrderView, d: OrderDeviceView): Promise<void> {
    const name = analyzerName(d, labels);
    try {
      await post(`/api/orders/${encodeURIComponent(o.key)}/devices/${encodeURIComponent(d.device)}/resend`);
      toast(`The order is queued for ${name} again.`);
      // The navigation's count and the status strip: one refused order fewer.
      void refreshStatus();
      await load();
      if (selected === o.key) await select(o.key, false);
    } catch (err) {
      toast(`Could not resend to ${name}: ${errorText(err)}`, 'error');
    }
  }

  async function refreshAll(): Promise<void> {
    await load();
    if (selected) await select(selected, false);
  }

  /**
   * The device filter offers the analyzers orders went to (not every scale and monitor): those
   * seen in the lists loaded, by their labels; one no longer configured by its ID.
   */
  const analyzers = new Set<string>();
  const offerAnalyzers = (orders: readonly OrderView[]) => {
    const before = analyzers.size;
    for (const o of orders) for (const d of o.devices) analyzers.add(d.device);
    if (analyzers.size !== before) drawAnalyzers();
  };
  const drawAnalyzers = () => filters.setDevices([...analyzers].sort().map((id) => ({ id, ...(labels.has(id) ? { label: labels.get(id) } : {}) })));
  /** The analyzers' labels: the story names them by ID. */
  const loadDevices = () =>
    get<{ devices: DeviceView[] }>('/api/devices').then(
      (r) => {
        if (!alive) return;
        labels.clear();
        for (const d of r.devices) if (d.label) labels.set(d.id, d.label);
        drawAnalyzers();
        // The open order's story names analyzers: by their labels now.
        const open = rows.list.get(selected);
        shownDetail = undefined;
        if (open && !detail.hidden) drawDetail(open, false);
      },
      () => undefined,
    );

  void (async () => {
    const devices = loadDevices();
    syncHash();
    await load();
    // A link to one order lands on it.
    if (selected) await select(selected, focusUntouched(root));
    await devices;
  })();

  // The list again at most twice a second while orders move; a device's new label or settings too.
  const soon = throttle(() => void load(), 500);
  const offEvent = onEvent((e) => {
    if (e.type === 'config' && e.what === 'device') void loadDevices().then(soon);
    else if (e.type === 'order') soon();
  });
  const offReconnect = onReconnect(() => void refreshAll());
  const poll = setInterval(() => {
    if (document.visibilityState === 'visible') void load();
  }, POLL_MS);
  // Back to a tab left in the background: "next try in 2 min" is current at once.
  const visible = () => {
    if (document.visibilityState === 'visible') soon();
  };
  document.addEventListener('visibilitychange', visible);

  return () => {
    alive = false;
    clearInterval(poll);
    document.removeEventListener('visibilitychange', visible);
    soon.cancel();
    requests.cancel();
    details.cancel();
    offEvent();
    offReconnect();
    filters.destroy();
    rows.destroy();
  };
};

/** Focus is where the router put it (the view's root) or nowhere. */
function focusUntouched(root: HTMLElement): boolean {
  const a = document.activeElement;
  return a === null || a === document.body || a === root;
}
