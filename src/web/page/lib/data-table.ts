// The page's tables of records: a scrolling wrapper, a header row of column names and a last,
// visually hidden "Actions" column for the row buttons; an optional caption for screen readers.

import { h, type Child } from './dom.ts';

export function dataTable(columns: readonly string[], body: HTMLTableSectionElement, caption?: string): HTMLDivElement {
  const head: Child[] = [...columns.map((t) => h('th', { scope: 'col' }, t)), h('th', { scope: 'col' }, h('span', { class: 'vh' }, 'Actions'))];
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { class: 'table' }, caption === undefined ? null : h('caption', { class: 'vh' }, caption), h('thead', {}, h('tr', {}, ...head)), body),
  );
}
