// In the release dialog of a reading held because its test's QC failed: whether that failure was
// reviewed (and what was done), fetched from the QC page's overview, with a link to the chart.

import type { SlimReading } from '../../api-types.ts';
import type { QcOverview } from '../../../qc/qc-view.ts';
import { get } from './api.ts';
import { h, replace } from './dom.ts';
import { qcHeldTests, qcHoldReviewWords } from './qc-words.ts';

/** The QC page on the analyzer's failed test a held reading's qc hold names. */
export function qcPageLink(r: SlimReading): string {
  const test = qcHeldTests(r)[0];
  return `#/qc?${new URLSearchParams({ device: r.reading.deviceId, ...(test ? { test } : {}) })}`;
}

export function qcHoldNote(r: SlimReading): HTMLElement {
  const tests = qcHeldTests(r);
  const device = r.reading.deviceId;
  const list = h('ul', { class: 'confirm-reasons' }, h('li', {}, 'Looking up the QC review\u2026'));
  const link = h('a', { href: qcPageLink(r) }, 'Open the QC page');
  const note = h(
    'div',
    { class: 'note warn qc-hold-note' },
    h('p', {}, "The analyzer's quality control for this test had failed, unreviewed, when this result came. Was it reviewed since?"),
    list,
    h('p', {}, link),
  );
  void get<QcOverview>('/api/qc/overview').then(
    (o) =>
      replace(
        list,
        qcHoldReviewWords(o.rejections, device, tests, r.reading.receivedAt, new Date()).map((t) => h('li', {}, t)),
      ),
    () => replace(list, h('li', {}, 'Could not look up the QC review: see the QC page.')),
  );
  return note;
}
