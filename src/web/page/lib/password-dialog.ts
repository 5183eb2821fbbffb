// "Change my password" for whoever is signed in: PUT /api/session/password {current, password}.
//
// For tests: dialog "Change my password"; labels "Current password", "New password",
// "Repeat new password"; button "Change password".

import { ApiError, put } from './api.ts';
import { h, toast } from './dom.ts';
import { clearProblems, dialogActions, field, input, openDialog, problemBox, showError, showProblems, whileBusy } from './form.ts';
import { passwordProblem } from './account-rules.ts';

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
      field({ id: 'pw-new', label: 'New password', control: next, required: true, path: 'password', hint: 'At least 10 characters. A few unrelated words are easy to remember and hard to guess.' }),
      field({ id: 'pw-repeat', label: 'Repeat new password', control: repeat, required: true, path: 'repeat' }),
      dialogActions('Change password', handle),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearProblems(form);
      const problems = [
        current.value === '' ? { path: 'current', message: 'enter the password you signed in with' } : undefined,
        passwordProblem(next.value),
        next.value !== repeat.value ? { path: 'repeat', message: 'the two new passwords differ: type the same one twice' } : undefined,
      ].filter((p) => p !== undefined);
      if (problems.length > 0) {
        showProblems(form, problems);
        return;
      }
      void whileBusy(form, async () => {
        try {
          await put('/api/session/password', { current: current.value, password: next.value });
          handle.close();
          toast('Password changed');
        } catch (err) {
          if (err instanceof ApiError && (err.status === 401 || err.status === 403) && err.problems.length === 0) {
            showProblems(form, [{ path: 'current', message: `${err.message}: check the current password` }]);
            return;
          }
          showError(form, err);
        }
      });
    });
    return form;
  });
}
