// Reviewing a QC rejection: what was found and done (required, kept in the audit journal), and
// whether the patient results held for it go to the charts now (by default they stay held, each
// to be dealt with on its own). A person whose role may not review is told who can.
//
// Accessible names: dialog "Review QC failure"; textbox "What was found and done"; radio group
// "The held patient results" with "Keep the N patient results held" / "Release the N patient
// results to the charts now"; buttons "Record review" / "Cancel".

import type { QcRejectionView } from '../../../qc/qc-view.ts';
import { ApiError, post } from './api.ts';
import { h, toast } from './dom.ts';
import { requiredText } from './form.ts';
import { openModal } from './modal.ts';
import { deviceName, rejectionSentence, releaseChoices, reviewedWords, reviewRefusedWords, ruleWithMeaning } from './qc-words.ts';

let seq = 0;

/** Opens the review of `r`; `done` is called with the reviewed rejection. */
export function reviewDialog(r: QcRejectionView, done: (reviewed: QcRejectionView) => void): void {
  const id = `qc-review-${++seq}`;
  const action = h('textarea', {
    id: `${id}-action`,
    rows: 4,
    maxlength: 2000,
    required: true,
    'aria-describedby': `${id}-hint ${id}-error`,
  });
  const actionError = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const choices = releaseChoices(r.held, r.test);
  const keep = h('input', { type: 'radio', name: `${id}-release`, id: `${id}-keep`, value: 'keep', checked: true, 'aria-describedby': `${id}-keep-means` });
  const release = h('input', { type: 'radio', name: `${id}-release`, id: `${id}-release`, value: 'release', 'aria-describedby': `${id}-release-means` });
  const held =
    r.held > 0
      ? h(
          'fieldset',
          { class: 'group qc-release' },
          h('legend', {}, 'The held patient results'),
          h(
            'div',
            { class: 'check' },
            keep,
            h('label', { for: `${id}-keep` }, choices.keep),
            h('p', { class: 'hint', id: `${id}-keep-means` }, choices.keepMeans),
          ),
          h(
            'div',
            { class: 'check' },
            release,
            h('label', { for: `${id}-release` }, choices.release),
            h('p', { class: 'hint', id: `${id}-release-means` }, choices.releaseMeans),
          ),
        )
      : h('p', {}, `No patient results are held for it now. After the review new ${r.test} results from ${deviceName(r)} go out again.`);
  const submit = h('button', { type: 'button', class: 'primary', onclick: () => void send() }, 'Record review');

  async function send(): Promise<void> {
    const text = requiredText(
      action,
      actionError,
      3,
      'Say what was found and done in at least 3 characters (e.g. "reagent lot changed, recalibrated, control repeated in range").',
    );
    if (text === undefined) return;
    error.hidden = true;
    submit.disabled = true;
    try {
      const reviewed = await post<QcRejectionView>(`/api/qc/rejections/${encodeURIComponent(r.id)}/review`, {
        action: text,
        release: r.held > 0 && release.checked,
      });
      toast(reviewedWords(reviewed));
      modal.close();
      done(reviewed);
    } catch (err) {
      submit.disabled = false;
      error.hidden = false;
      error.textContent = err instanceof ApiError ? reviewRefusedWords(err.status, err.message) : reviewRefusedWords(0, String(err));
      error.focus();
    }
  }

  error.tabIndex = -1;
  const modal = openModal('Review QC failure', [
    h('p', {}, rejectionSentence(r, new Date())),
    h(
      'ul',
      { class: 'confirm-reasons' },
      r.rules.map((rule) => h('li', {}, ruleWithMeaning(rule))),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: `${id}-action` }, 'What was found and done'),
      h(
        'p',
        { id: `${id}-hint`, class: 'hint' },
        'The cause and the corrective action, as it goes into the audit journal: e.g. "reagent lot changed, recalibrated, control repeated in range".',
      ),
      action,
      actionError,
    ),
    held,
    error,
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: () => modal.close() }, 'Cancel')),
  ]);
  modal.dialog.classList.add('wide');
  action.focus();
}
