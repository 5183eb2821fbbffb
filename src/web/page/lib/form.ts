// Shared pieces of every form on the page: a labelled field with its hint and error slot, problems
// from the server shown next to the field whose path they name, dialogs that Escape closes, and a
// submit button that stays disabled while a request runs.
//
// Convention: every field's wrapper carries `data-path` (the config path it edits, e.g.
// "transport.path") and holds one `.field-error` slot; the control has `data-control`.

import type { ConfigProblem } from '../../api-types.ts';
import { ApiError } from './api.ts';
import { h, replace, type Child } from './dom.ts';
import { errorText } from '../../../model/error-text.ts';

// The page's error text is the gateway's own (one helper): views import it from here with the rest of the form kit.
export { errorText };

let seq = 0;
/** A fresh id for elements that only need to be unique on the page. */
export function uid(prefix = 'f'): string {
  seq += 1;
  return `${prefix}-${seq}`;
}

/**
 * The trimmed text of a box a person must fill (a reason, a corrective action), or undefined after
 * marking the box, saying `missing` in its error slot and putting focus on it.
 */
export function requiredText(box: HTMLTextAreaElement | HTMLInputElement, error: HTMLElement, min: number, missing: string): string | undefined {
  const text = box.value.trim();
  const ok = text.length >= min;
  error.hidden = ok;
  error.textContent = ok ? '' : missing;
  if (ok) box.removeAttribute('aria-invalid');
  else {
    box.setAttribute('aria-invalid', 'true');
    box.focus();
  }
  return ok ? text : undefined;
}

const ACRONYMS: Record<string, string> = {
  id: 'ID',
  loinc: 'LOINC',
  mdc: 'MDC',
  url: 'URL',
  tls: 'TLS',
  ms: '(ms)',
  eui64: 'EUI-64',
  hl7: 'HL7',
  mrn: 'MRN',
  ca: 'CA',
  ack: 'ACK',
  mllp: 'MLLP',
  mqtt: 'MQTT',
};

/** "baudRate" -> "Baud rate", "ackTimeoutMs" -> "ACK timeout (ms)". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .map((w) => ACRONYMS[w] ?? w);
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface FieldOptions {
  id: string;
  label: string;
  control: HTMLElement;
  hint?: Child;
  required?: boolean;
  /** Config path the field edits, so server problems find it. */
  path?: string;
  /** Checkboxes put the label after the box. */
  inline?: boolean;
  extra?: Child;
}

/** A label, the control, a hint and an error slot, wired with for/aria-describedby. */
export function field(o: FieldOptions): HTMLDivElement {
  const hintId = `${o.id}-hint`;
  const errorId = `${o.id}-error`;
  o.control.id = o.id;
  o.control.setAttribute('data-control', '');
  const describedBy = [o.hint ? hintId : '', errorId].filter(Boolean).join(' ');
  o.control.setAttribute('aria-describedby', describedBy);
  if (o.required) {
    o.control.setAttribute('aria-required', 'true');
    if (o.control instanceof HTMLInputElement || o.control instanceof HTMLSelectElement || o.control instanceof HTMLTextAreaElement) o.control.required = true;
  }
  // The star stays outside the label, so the label (and the control's name) is the plain word.
  const star = o.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, '*') : null;
  const label = h('label', { for: o.id }, o.label);
  const hint = o.hint ? h('div', { class: 'hint', id: hintId }, o.hint) : null;
  const error = h('div', { class: 'field-error', id: errorId });
  const box = h(
    'div',
    { class: o.inline ? 'field inline' : 'field', 'data-path': o.path },
    o.inline ? [h('div', { class: 'check' }, o.control, label, star)] : [h('div', { class: 'label-line' }, label, star), o.control],
    o.extra,
    hint,
    error,
  );
  return box;
}

export function input(attrs: Record<string, string | number | boolean | undefined> = {}): HTMLInputElement {
  return h('input', { type: 'text', ...attrs });
}

export function select(options: Array<{ value: string; label: string }>, value?: string): HTMLSelectElement {
  return h(
    'select',
    {},
    options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)),
  );
}

/** Removes every problem shown in `root`. */
export function clearProblems(root: Element): void {
  for (const el of root.querySelectorAll('.field-error')) el.replaceChildren();
  for (const el of root.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of root.querySelectorAll('.invalid')) el.classList.remove('invalid');
  for (const el of root.querySelectorAll('.form-problems')) {
    el.replaceChildren();
    el.setAttribute('hidden', '');
  }
}

/** The field wrapper whose path is the problem's path or its nearest parent. */
function findTarget(root: Element, path: string): Element | undefined {
  let best: Element | undefined;
  let bestLen = -1;
  for (const el of root.querySelectorAll('[data-path]')) {
    const p = el.getAttribute('data-path') ?? '';
    if (!p) continue;
    const fits = path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`);
    if (fits && p.length >= bestLen) {
      best = el;
      bestLen = p.length;
    }
  }
  return best;
}

/** Plain words for a problem: "must NOT have fewer than 1 characters" stays the server's, with its path when not at a field. */
function problemText(problem: ConfigProblem, fieldPath: string | undefined): string {
  if (fieldPath === problem.path || fieldPath === undefined) return problem.message;
  const rest = problem.path.slice(fieldPath.length).replace(/^\./, '');
  return `${rest}: ${problem.message}`;
}

/**
 * Shows each problem at its field (aria-invalid, message in the field's error slot); problems with
 * no field go to the form's `.form-problems` list. Focuses the first invalid control. Returns the
 * problems that found no field.
 */
export function showProblems(root: Element, problems: ConfigProblem[]): ConfigProblem[] {
  const unmatched: ConfigProblem[] = [];
  let first: HTMLElement | undefined;
  for (const problem of problems) {
    const target = findTarget(root, problem.path);
    const slot = target ? Array.from(target.querySelectorAll(':scope > .field-error, :scope > * > .field-error'))[0] : undefined;
    if (!target || !slot) {
      unmatched.push(problem);
      continue;
    }
    slot.appendChild(h('div', {}, problemText(problem, target.getAttribute('data-path') ?? undefined)));
    target.classList.add('invalid');
    const control = target.querySelector<HTMLElement>('[data-control]');
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      first ??= control;
    }
  }
  const list = root.querySelector('.form-problems');
  if (list && unmatched.length > 0) {
    replace(
      list,
      h('p', {}, 'Please fix:'),
      h(
        'ul',
        {},
        unmatched.map((p) => h('li', {}, p.path && p.path !== '(root)' ? `${p.path}: ${p.message}` : p.message)),
      ),
    );
    list.removeAttribute('hidden');
    (list as HTMLElement).focus();
  } else if (first) {
    first.focus();
  }
  return unmatched;
}

/** The box at the top of a form where problems without a field, and plain failures, are listed. */
export function problemBox(): HTMLDivElement {
  return h('div', { class: 'form-problems error', role: 'alert', tabindex: '-1', hidden: true });
}

/** Shows an error from a request: problems at their fields, anything else in the problem box. */
export function showError(root: Element, err: unknown): void {
  clearProblems(root);
  if (err instanceof ApiError && err.problems.length > 0) {
    showProblems(root, err.problems);
    return;
  }
  const message = errorText(err);
  showProblems(root, [{ path: '', message }]);
}

/** Disables the form's submit buttons while `work` runs; a second submit in the meantime is ignored. */
export async function whileBusy<T>(form: HTMLFormElement, work: () => Promise<T>): Promise<T | undefined> {
  if (form.getAttribute('aria-busy') === 'true') return undefined;
  const buttons = Array.from(form.querySelectorAll<HTMLButtonElement>('button[type="submit"]'));
  form.setAttribute('aria-busy', 'true');
  for (const b of buttons) b.disabled = true;
  try {
    return await work();
  } finally {
    form.removeAttribute('aria-busy');
    for (const b of buttons) b.disabled = false;
  }
}

/**
 * The submit flow every form shares: local checks first, shown at their fields; then the server
 * call while the form is busy. A refusal is shown in the form, unless `explain` turns it into
 * problems of its own (return them) first.
 */
export function handleSubmit(
  form: HTMLFormElement,
  check: () => Array<ConfigProblem | undefined>,
  send: () => Promise<void>,
  explain: (err: unknown) => ConfigProblem[] | undefined = () => undefined,
): void {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearProblems(form);
    const problems = check().filter((p): p is ConfigProblem => p !== undefined);
    if (problems.length > 0) {
      showProblems(form, problems);
      return;
    }
    void whileBusy(form, async () => {
      try {
        await send();
      } catch (err) {
        const own = explain(err);
        if (own) showProblems(form, own);
        else showError(form, err);
      }
    });
  });
}

/** For handleSubmit: a 409 on create means the ID is taken; say so at the ID field. */
export function idTaken(err: unknown): ConfigProblem[] | undefined {
  return err instanceof ApiError && err.status === 409 ? [{ path: 'id', message: `${err.message}: choose another ID` }] : undefined;
}

export interface DialogHandle {
  dialog: HTMLDialogElement;
  close(): void;
}

/**
 * Opens a modal <dialog> with a heading; Escape closes it (the browser's cancel), and closing
 * removes it and returns focus to where it was.
 */
export function openDialog(title: string, body: (handle: DialogHandle) => Child, opts: { wide?: boolean; onClose?: () => void } = {}): DialogHandle {
  const headingId = uid('dlg');
  const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const dialog = h('dialog', { class: opts.wide ? 'wide' : undefined, 'aria-labelledby': headingId });
  const handle: DialogHandle = {
    dialog,
    close: () => {
      if (dialog.open) dialog.close();
    },
  };
  dialog.addEventListener('close', () => {
    dialog.remove();
    opts.onClose?.();
    if (previous?.isConnected) previous.focus();
  });
  replace(dialog, h('h2', { id: headingId }, title), body(handle));
  document.body.appendChild(dialog);
  dialog.showModal();
  const firstControl = dialog.querySelector<HTMLElement>('input:not([type=hidden]):not([disabled]):not([readonly]), select:not([disabled]), textarea');
  firstControl?.focus();
  return handle;
}

/** The row of buttons at the end of a dialog's form: the primary submit and Cancel. */
export function dialogActions(submitLabel: string, handle: DialogHandle, extra: Child = null): HTMLDivElement {
  return h(
    'div',
    { class: 'actions' },
    extra,
    h('span', { class: 'spacer' }),
    h('button', { type: 'button', onclick: () => handle.close() }, 'Cancel'),
    h('button', { type: 'submit', class: 'primary' }, submitLabel),
  );
}

/** A yes/no question in a dialog; resolves true only when the confirm button is pressed. */
export function confirmDialog(title: string, text: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    let answered = false;
    openDialog(
      title,
      (handle) => {
        const form = h(
          'form',
          {
            onsubmit: (e: Event) => {
              e.preventDefault();
              answered = true;
              handle.close();
            },
          },
          h('p', {}, text),
          h(
            'div',
            { class: 'actions' },
            h('span', { class: 'spacer' }),
            h('button', { type: 'button', onclick: () => handle.close() }, 'Cancel'),
            h('button', { type: 'submit', class: 'danger' }, confirmLabel),
          ),
        );
        return form;
      },
      { onClose: () => resolve(answered) },
    );
    // The safe answer has focus, so a stray Enter does not remove anything.
    const cancel = document.querySelector<HTMLButtonElement>('dialog[open] .actions button[type="button"]');
    cancel?.focus();
  });
}
