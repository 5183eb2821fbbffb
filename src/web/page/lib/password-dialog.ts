// "Change my password" for whoever is signed in: PUT /api/session/password {current, password}.
//
// For tests: dialog "Change my password"; labels "Current password", "New password",
// "Repeat new password"; button "Change password".

import { ApiError, put } from './api.ts';
import { h, toast } from './dom.ts';
import { dialogActions, field, handleSubmit, input, openDialog, problemBox } from './form.ts';
import { passwordProblem, repeatProblem } from './account-rules.ts';

export function openPasswordDialog(): void {
  openDialog('Change my password', (handle) => {
    const current = input({ type: 'password', autocomplete: 'current-password' });
    const next = input({ type: 'password', autocomplete: 'new-password' });
    const repeat = input({ type: 'password', autocomplete: 'new-password' });
    const form = h(
      'form',
      { novalidate: true },
      problemBox(),
      field({ id: 'pw-current', label: 'Current password', control: current, required: true, path: 'current' }),
      field({
        id: 'pw-new',
        label: 'New password',
        control: next,
        required: true,
        path: 'password',
        hint: 'At least 10 characters. A few unrelated words are easy to remember and hard to guess.',
      }),
      field({ id: 'pw-repeat', label: 'Repeat new password', control: repeat, required: true, path: 'repeat' }),
      dialogActions('Change password', handle),
    );
    handleSubmit(
      form,
      () => [
        current.value === '' ? { path: 'current', message: 'enter the password you signed in with' } : undefined,
        passwordProblem(next.value),
        repeatProblem(next.value, repeat.value),
      ],
      async () => {
        await put('/api/session/password', { current: current.value, password: next.value });
        handle.close();
        toast('Password changed');
      },
      (err) =>
        err instanceof ApiError && (err.status === 401 || err.status === 403) && err.problems.length === 0
          ? [{ path: 'current', message: `${err.message}: check the current password` }]
          : undefined,
    );
    return form;
  });
}
