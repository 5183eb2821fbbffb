// The QC page's two lists: the rejections (unreviewed first, each with Review; then the latest
// reviewed with who, when and what was done) and the series (device, test, lot) with the last
// result, the target and a button that shows the series' chart. Every control carries
// `data-focus`, so a redraw can give focus back to the same control.
//
// Accessible names: list "QC rejections" (buttons "Review" and "Show chart", described by the
// rejection's sentence); table "QC series" with a button per series named by its test and lot and
// the analyzer.

import type { QcRejectionView, QcSeriesView } from '../../../qc/qc-view.ts';
import { h } from './dom.ts';
import {
  deviceName,
  heldWords,
  lastResultWords,
  openRejectionWords,
  rejectionSentence,
  reviewSentence,
  type SeriesRef,
  sameSeries,
  seriesKey,
  seriesTitle,
  STATUS_BADGE,
  STATUS_WORDS,
  targetWords,
} from './qc-words.ts';

export interface QcListActions {
  /** Undefined for a user whose role may not review: the list says who may instead of offering a dialog that ends in a refusal. */
  review?(r: QcRejectionView): void;
  show(s: SeriesRef): void;
}

const domId = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');

export function rejectionList(rejections: readonly QcRejectionView[], now: Date, actions: QcListActions, highlight?: string): HTMLElement {
  if (rejections.length === 0) return h('p', { class: 'muted' }, 'No QC rejections.');
  return h(
    'ul',
    { class: 'qc-rejections', 'aria-label': 'QC rejections' },
    rejections.map((r) => {
      const sentence = `qc-rej-${domId(r.id)}`;
      const held = heldWords(r);
      return h(
        'li',
        { class: `qc-rejection${r.review ? ' reviewed' : ' open'}${highlight === r.id ? ' selected' : ''}`, 'data-rejection': r.id },
        h(
          'p',
          { class: 'qc-rejection-head' },
          h('span', { class: `badge ${r.review ? 'ok' : 'error'}` }, r.review ? 'reviewed' : 'not reviewed'),
          ' ',
          h('span', { id: sentence }, rejectionSentence(r, now)),
        ),
        held ? h('p', { class: r.review ? 'muted' : 'warn' }, held) : null,
        r.review ? h('p', { class: 'qc-review-line' }, reviewSentence(r.review, now)) : null,
        h(
          'div',
          { class: 'qc-rejection-actions' },
          r.review
            ? null
            : actions.review
              ? h(
                  'button',
                  { type: 'button', class: 'primary small', 'aria-describedby': sentence, 'data-focus': `review:${r.id}`, onclick: () => actions.review?.(r) },
                  'Review',
                )
              : h('span', { class: 'muted' }, 'An administrator reviews QC failures.'),
          h(
            'button',
            { type: 'button', class: 'small', 'aria-describedby': sentence, 'data-focus': `show:${r.id}`, onclick: () => actions.show(r) },
            'Show chart',
          ),
        ),
      );
    }),
  );
}

export function seriesTable(
  series: readonly QcSeriesView[],
  rejections: readonly QcRejectionView[],
  now: Date,
  selected: SeriesRef | undefined,
  actions: QcListActions,
): HTMLElement {
  if (series.length === 0) return h('p', { class: 'muted' }, 'No QC results yet. They appear here as the analyzers send their control runs.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table qc-series', 'aria-label': 'QC series' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Test and lot', 'Analyzer', 'Last result', 'Target', 'Results'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        series.map((s) => {
          const current = selected !== undefined && sameSeries(s, selected);
          const status = s.last?.status;
          return h(
            'tr',
            { class: `${current ? 'selected' : ''}${s.openRejection ? ' failing' : ''}`.trim() || undefined, 'aria-current': current ? 'true' : undefined },
            h(
              'td',
              {},
              h(
                'button',
                { type: 'button', class: 'link qc-series-open', 'data-focus': `series:${seriesKey(s)}`, onclick: () => actions.show(s) },
                seriesTitle(s),
                h('span', { class: 'vh' }, ` on ${deviceName(s)}`),
              ),
              s.material ? h('div', { class: 'small-text muted' }, s.material) : null,
            ),
            h('td', {}, deviceName(s)),
            h(
              'td',
              {},
              status ? h('span', { class: `badge ${STATUS_BADGE[status]}` }, STATUS_WORDS[status]) : null,
              ' ',
              lastResultWords(s.last, now),
              s.openRejection
                ? h(
                    'div',
                    { class: 'error small-text' },
                    openRejectionWords(
                      s,
                      rejections.find((r) => r.id === s.openRejection),
                    ),
                  )
                : null,
            ),
            h('td', {}, targetWords(s.target, s.establishing)),
            h('td', {}, String(s.runs)),
          );
        }),
      ),
    ),
  );
}
