// The one dialog that asks why before something is discarded for good (a held reading, a dead QC
// message): a required reason of at least 3 characters, POSTed as `{ reason }`; the server's refusal
// is shown in the dialog, which stays open.

import { errorText } from '../../../model/error-text.ts';
import { post } from './api.ts';
import { h, toast, type Child } from './dom.ts';
import { requiredText } from './form.ts';
import { openModal } from './modal.ts';

export interface ReasonDialog {
  title: string;
  /** What will happen, shown above the reason. */
  intro: Child[];
  /** Prefix of the field's ids (`<id>`, `<id>-error`, `<id>-hint`). */
  id: string;
  /** A hint under the label, when the page gives one. */
  hint?: string;
  /** Said when the reason is missing or too short. */
  tooShort: string;
  url: string;
  confirm: string;
  done: string;
  onDone(): void;
}

export function reasonDialog(d: ReasonDialog): void {
  const described = [d.hint === undefined ? undefined : `${d.id}-hint`, `${d.id}-error`].filter(Boolean).join(' ');
  const reason = h('textarea', { id: d.id, rows: 3, maxlength: 500, 'aria-describedby': described, required: true });
  const reasonError = h('p', { id: `${d.id}-error`, class: 'field-error', hidden: true });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = async () => {
    const text = requiredText(reason, reasonError, 3, d.tooShort);
    if (text === undefined) return;
    try {
      await post(d.url, { reason: text });
      toast(d.done);
      modal.close();
      d.onDone();
    } catch (err) {
      error.hidden = false;
      error.textContent = `Could not discard: ${errorText(err)}`;
    }
  };
  const modal = openModal(d.title, [
    ...d.intro,
    h(
      'div',
      { class: 'field' },
      h('label', { for: d.id }, 'Reason'),
      d.hint === undefined ? null : h('p', { id: `${d.id}-hint`, class: 'hint' }, d.hint),
      reason,
      reasonError,
    ),
    error,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'danger', onclick: () => void submit() }, d.confirm),
      h('button', { type: 'button', onclick: () => modal.close() }, 'Cancel'),
    ),
  ]);
  reason.focus();
}
