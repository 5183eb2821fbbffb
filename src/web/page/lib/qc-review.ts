// Reviewing a QC rejection: what was found and done (required, kept in the audit journal), and
// whether the patient results held for it go to the charts now (by default they stay held, each
// to be dealt with on its own). A person whose role may not review is told who can. A release says
// how many held results the dialog showed (heldSeen): when that changed meanwhile the gateway refuses
// (409) and the dialog shows the new number to choose again, so nobody releases results unseen.
//
// Accessible names: dialog "Review QC failure"; textbox "What was found and done"; radio group
// "The held patient results" with "Keep the N patient results held" / "Release the N patient
// results to the charts now"; buttons "Record review" / "Cancel".

import type { QcRejectionView } from '../../../qc/qc-view.ts';
import { ApiError, get, post } from './api.ts';
import { h, replace, toast } from './dom.ts';
import { requiredText } from './form.ts';
import { openModal } from './modal.ts';
import { deviceName, rejectionSentence, releaseChoices, reviewConflictWords, reviewedWords, reviewRefusedWords, ruleWithMeaning } from './qc-words.ts';

let seq = 0;

/** Opens the review of `r`; `done` is called with the reviewed rejection, `changed` when what it holds changed meanwhile. */
export function reviewDialog(r: QcRejectionView, done: (reviewed: QcRejectionView) => void, changed: () => void = () => {}): void {
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
  /** How many held results the dialog shows now; what a release says it showed. */
  let shown = r.held;
  let release: HTMLInputElement | undefined;
  const held = h('div', {});
  // Keeping them held is the default each time the choices are drawn, a new count included.
  const drawHeld = () => {
    const choices = releaseChoices(shown, r.test);
    const keep = h('input', { type: 'radio', name: `${id}-release`, id: `${id}-keep`, value: 'keep', checked: true, 'aria-describedby': `${id}-keep-means` });
    release =
      shown > 0
        ? h('input', { type: 'radio', name: `${id}-release`, id: `${id}-release`, value: 'release', 'aria-describedby': `${id}-release-means` })
        : undefined;
    replace(
      held,
      release
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
        : h('p', {}, `No patient results are held for it now. After the review new ${r.test} results from ${deviceName(r)} go out again.`),
    );
  };
  drawHeld();
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
    const releasing = release?.checked === true;
    try {
      const { rejection } = await post<{ rejection: QcRejectionView }>(`/api/qc/rejections/${encodeURIComponent(r.id)}/review`, {
        action: text,
        release: releasing,
        ...(releasing ? { heldSeen: shown } : {}),
      });
      toast(reviewedWords(rejection, releasing ? shown : 0));
      modal.close();
      done(rejection);
    } catch (err) {
      submit.disabled = false;
      error.hidden = false;
      error.textContent = err instanceof ApiError && err.status === 409 ? await conflict(err.message) : refused(err);
      error.focus();
    }
  }

  const refused = (err: unknown): string => (err instanceof ApiError ? reviewRefusedWords(err.status, err.message) : reviewRefusedWords(0, String(err)));

  /** Reviewed meanwhile, or other results held now than shown: asks the gateway which, and shows the new count to choose again. */
  async function conflict(message: string): Promise<string> {
    let now: QcRejectionView | undefined;
    try {
      ({ rejection: now } = await get<{ rejection: QcRejectionView }>(`/api/qc/rejections/${encodeURIComponent(r.id)}`));
    } catch {
      now = undefined;
    }
    const words = reviewConflictWords(now, shown, message, new Date());
    if (now?.review) submit.disabled = true;
    else if (now && now.held !== shown) {
      shown = now.held;
      drawHeld();
    }
    changed();
    return words;
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
