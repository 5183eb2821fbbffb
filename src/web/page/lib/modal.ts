// Modal dialogs on the native <dialog>: focus is trapped, Escape closes, the page behind is inert.

import { h, type Child } from './dom.ts';

let seq = 0;

export interface Modal {
  dialog: HTMLDialogElement;
  /** Where the dialog's content goes; replace it to show the next step. */
  body: HTMLElement;
  close(): void;
}

/** Opens a modal titled `title`; it removes itself from the page when closed (Escape included). */
export function openModal(title: string, content: Child[], onClose?: () => void): Modal {
  const titleId = `modal-title-${++seq}`;
  const body = h('div', { class: 'modal-body' }, content);
  const heading = h('h2', { id: titleId }, title);
  const dialog = h('dialog', { class: 'modal', 'aria-labelledby': titleId }, heading, body);
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
  dialog.addEventListener('close', () => {
    dialog.remove();
    onClose?.();
    if (opener?.isConnected) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, body, close: () => dialog.close() };
}

/** Asks a yes/no question; resolves true only when the person pressed the confirm button. */
export function confirmModal(title: string, content: Child[], confirmLabel: string, danger = false): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = false;
    const yes = h('button', { type: 'button', class: danger ? 'danger' : 'primary', onclick: () => ((answer = true), modal.close()) }, confirmLabel);
    const no = h('button', { type: 'button', onclick: () => modal.close() }, 'Cancel');
    const modal = openModal(title, [content, h('div', { class: 'actions' }, yes, no)], () => resolve(answer));
    yes.focus();
  });
}
