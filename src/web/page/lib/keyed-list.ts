// A list of rows keyed by id, changed in place: a row that changes keeps its element (its update
// patches the parts that changed), a new row is inserted where its order puts it, and no row is
// ever moved or rebuilt for another row's sake. So keyboard focus stays on the row a person tabbed
// to while events flow. And the row under the pointer (or, without one, the row with focus) stays
// where it was on the screen: when rows are inserted above it, the page scrolls by as much as it
// moved, so a click lands on the row the person aimed at.

import '../styles/lists.css';
import { keptOnSet, trimPlan } from './list-rules.ts';

export interface KeyedListOptions<T> {
  /** The element the rows go in (a tbody or a ul). */
  container: HTMLElement;
  key(item: T): string;
  /** Negative when `a` comes before `b`. */
  order(a: T, b: T): number;
  /** A new row. */
  render(item: T): HTMLElement;
  /** Patches an existing row to show `item` (the row keeps its element). */
  update(row: HTMLElement, item: T, previous: T): void;
  /** At most this many rows: the last ones beyond it are dropped (not one that has focus). */
  max?: number;
  /** After rows were dropped: the last row kept above them (an older page starts again after it), and those dropped. */
  onTrim?(lastKept: T | undefined, dropped: T[]): void;
}

export interface KeyedList<T> {
  /** Adds or updates one row. */
  upsert(item: T): void;
  /**
   * Makes the rows exactly `items` (a page loaded): kept rows are updated, others removed or added;
   * but a row inserted after `clock()` said `keepAddedSince` and newer than the page's newest stays
   * (an event told of it while the page was on its way).
   */
  set(items: readonly T[], keepAddedSince?: number): void;
  /** Counts insertions: pass it to set() to keep what arrives from now on. */
  clock(): number;
  /** Adds rows at the end (an older page), updating those already shown. */
  append(items: readonly T[]): void;
  remove(key: string): void;
  get(key: string): T | undefined;
  readonly size: number;
  items(): T[];
  destroy(): void;
}

export function keyedList<T>(opts: KeyedListOptions<T>): KeyedList<T> {
  const { container } = opts;
  // Out of the browser's scroll anchoring: it would scroll too, on top of keepInPlace().
  container.classList.add('keyed-list');
  const rows = new Map<string, { item: T; el: HTMLElement; added: number }>();
  let inserted = 0;
  /** The row the pointer is over, while it is over the list. */
  let pointed: HTMLElement | undefined;

  const focusInside = (el: HTMLElement) => el.contains(document.activeElement);
  const rowOf = (node: EventTarget | null): HTMLElement | undefined => {
    let el = node instanceof Element ? node : null;
    while (el && el.parentElement !== container) el = el.parentElement;
    return el instanceof HTMLElement ? el : undefined;
  };

  /** Runs `change`, then scrolls so the row aimed at (pointer, else focus) is where it was on the screen. */
  function keepInPlace(change: () => void): void {
    const anchor = pointed?.isConnected ? pointed : rowOf(document.activeElement);
    const before = anchor?.getBoundingClientRect().top;
    change();
    if (anchor === undefined || before === undefined || !anchor.isConnected) return;
    const moved = anchor.getBoundingClientRect().top - before;
    if (moved !== 0) window.scrollBy({ top: moved, behavior: 'instant' });
  }

  function insert(item: T): void {
    const key = opts.key(item);
    const el = opts.render(item);
    el.dataset.key = key;
    rows.set(key, { item, el, added: ++inserted });
    // The first row it comes before; rows are a few hundred at most, and only a new one is placed.
    let before: Element | null = null;
    for (const child of container.children) {
      const other = rows.get((child as HTMLElement).dataset.key ?? '');
      if (other && other.el !== el && opts.order(item, other.item) < 0) {
        before = child;
        break;
      }
    }
    container.insertBefore(el, before);
  }

  function trim(): void {
    if (opts.max === undefined) return;
    const els = [...container.children] as HTMLElement[];
    const plan = trimPlan(els.length, opts.max, (i) => focusInside(els[i]!));
    if (!plan) return;
    const dropped: T[] = [];
    for (const i of plan.drop) {
      const key = els[i]!.dataset.key ?? '';
      const row = rows.get(key);
      // Dropped from the end up: unshifted, they are in the list's order.
      if (row) dropped.unshift(row.item);
      rows.delete(key);
      els[i]!.remove();
    }
    opts.onTrim?.(rows.get(els[plan.wholeTo]?.dataset.key ?? '')?.item, dropped);
  }

  function update(key: string, item: T): boolean {
    const row = rows.get(key);
    if (!row) return false;
    const previous = row.item;
    row.item = item;
    opts.update(row.el, item, previous);
    return true;
  }

  const move = (e: PointerEvent) => {
    pointed = rowOf(e.target);
  };
  const leave = () => {
    pointed = undefined;
  };
  container.addEventListener('pointermove', move);
  container.addEventListener('pointerleave', leave);

  return {
    upsert(item) {
      if (update(opts.key(item), item)) return;
      keepInPlace(() => {
        insert(item);
        trim();
      });
    },
    set(items, keepAddedSince) {
      keepInPlace(() => {
        const keep = new Set(items.map((i) => opts.key(i)));
        const newest = items.reduce<T | undefined>((a, b) => (a === undefined || opts.order(b, a) < 0 ? b : a), undefined);
        for (const [key, row] of rows) {
          if (keep.has(key) || keptOnSet(row, keepAddedSince, newest, opts.order)) continue;
          rows.delete(key);
          row.el.remove();
        }
        for (const item of items) if (!update(opts.key(item), item)) insert(item);
        trim();
      });
    },
    append(items) {
      for (const item of items) if (!update(opts.key(item), item)) insert(item);
    },
    remove(key) {
      const row = rows.get(key);
      if (!row) return;
      rows.delete(key);
      keepInPlace(() => row.el.remove());
    },
    get: (key) => rows.get(key)?.item,
    clock: () => inserted,
    get size() {
      return rows.size;
    },
    items: () =>
      [...container.children].flatMap((el) => {
        const row = rows.get((el as HTMLElement).dataset.key ?? '');
        return row ? [row.item] : [];
      }),
    destroy() {
      container.removeEventListener('pointermove', move);
      container.removeEventListener('pointerleave', leave);
    },
  };
}
