// Settings, users: who can sign in, as staff (devices, patients, messages) or admin (also the
// configuration). The server refuses to remove or demote the last admin; its words are shown.
//
// For tests: heading "Users"; button "Add user"; rows (row header = name) with "Make admin" /
// "Make staff", "Reset password", "Remove"; dialog "Add user" with labels "Name", "Role",
// "Password", "Repeat password" and button "Add user"; dialog "Reset password of <name>" with
// labels "New password", "Repeat new password" and button "Set password".

import type { Role, UserView } from '../../api-types.ts';
import { del, get, post, put } from './api.ts';
import { h, replace, toast } from './dom.ts';
import { dataTable } from './data-table.ts';
import { confirmDialog, dialogActions, errorText, field, handleSubmit, input, openDialog, problemBox, select } from './form.ts';
import { nameProblem, passwordProblem, repeatProblem } from './account-rules.ts';
import type { Section } from './admin-destinations.ts';
import { timeText } from './device-format.ts';

const ROLE_HINT = 'Staff: devices, patients, messages. Admin: also devices and destinations configuration, and users.';

function openAddUser(onSaved: () => void): void {
  openDialog('Add user', (handle) => {
    const name = input({ autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
    const role = select([
      { value: 'staff', label: 'Staff' },
      { value: 'admin', label: 'Admin' },
    ]);
    const password = input({ type: 'password', autocomplete: 'new-password' });
    const repeat = input({ type: 'password', autocomplete: 'new-password' });
    const form = h(
      'form',
      { novalidate: true },
      problemBox(),
      field({
        id: 'user-name',
        label: 'Name',
        control: name,
        required: true,
        path: 'name',
        hint: '2 to 32 lowercase letters, digits, dot, dash or underscore, e.g. "m.jones".',
      }),
      field({ id: 'user-role', label: 'Role', control: role, required: true, path: 'role', hint: ROLE_HINT }),
      field({
        id: 'user-password',
        label: 'Password',
        control: password,
        required: true,
        path: 'password',
        hint: 'At least 10 characters. Tell it to the person in private; they can change it after signing in.',
      }),
      field({ id: 'user-repeat', label: 'Repeat password', control: repeat, required: true, path: 'repeat' }),
      dialogActions('Add user', handle),
    );
    handleSubmit(
      form,
      () => [nameProblem(name.value.trim()), passwordProblem(password.value), repeatProblem(password.value, repeat.value)],
      async () => {
        await post('/api/users', { name: name.value.trim(), role: role.value as Role, password: password.value });
        handle.close();
        toast(`User ${name.value.trim()} added`);
        onSaved();
      },
    );
    return form;
  });
}

function openResetPassword(user: UserView): void {
  openDialog(`Reset password of ${user.name}`, (handle) => {
    const password = input({ type: 'password', autocomplete: 'new-password' });
    const repeat = input({ type: 'password', autocomplete: 'new-password' });
    const form = h(
      'form',
      { novalidate: true },
      problemBox(),
      field({ id: 'reset-password', label: 'New password', control: password, required: true, path: 'password', hint: 'At least 10 characters.' }),
      field({ id: 'reset-repeat', label: 'Repeat new password', control: repeat, required: true, path: 'repeat' }),
      dialogActions('Set password', handle),
    );
    handleSubmit(
      form,
      () => [passwordProblem(password.value), repeatProblem(password.value, repeat.value)],
      async () => {
        await put(`/api/users/${encodeURIComponent(user.name)}`, { password: password.value });
        handle.close();
        toast(`Password of ${user.name} changed`);
      },
    );
    return form;
  });
}

export function usersSection(me: string): Section {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const alert = h('p', { class: 'error', role: 'alert', hidden: true });
  const el = h(
    'section',
    { class: 'card', 'aria-labelledby': 'users-title' },
    h(
      'div',
      { class: 'toolbar' },
      h('h2', { id: 'users-title' }, 'Users'),
      h('button', { type: 'button', class: 'primary', onclick: () => openAddUser(() => void refresh()) }, 'Add user'),
    ),
    h('p', { class: 'muted' }, ROLE_HINT),
    alert,
    body,
  );
  const fail = (message: string) => {
    alert.textContent = message;
    alert.hidden = false;
    alert.focus();
  };
  alert.setAttribute('tabindex', '-1');

  const setRole = async (user: UserView, role: Role) => {
    try {
      await put(`/api/users/${encodeURIComponent(user.name)}`, { role });
      toast(`${user.name} is now ${role}`);
      await refresh();
    } catch (err) {
      fail(`${user.name} stays ${user.role}: ${errorText(err)}`);
    }
  };
  const remove = async (user: UserView) => {
    const ok = await confirmDialog(`Remove user ${user.name}?`, `${user.name} can no longer sign in. What they did stays in the audit journal.`, 'Remove');
    if (!ok) return;
    try {
      await del(`/api/users/${encodeURIComponent(user.name)}`);
      toast(`User ${user.name} removed`);
      await refresh();
    } catch (err) {
      fail(`${user.name} not removed: ${errorText(err)}`);
    }
  };

  const refresh = async () => {
    try {
      const { users } = await get<{ users: UserView[] }>('/api/users');
      alert.hidden = true;
      const rows = users.map((u) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, u.name, u.name === me ? h('span', { class: 'muted' }, ' (you)') : null),
          h('td', {}, h('span', { class: 'badge' }, u.role === 'admin' ? 'Admin' : 'Staff')),
          h('td', {}, timeText(u.createdAt)),
          h('td', {}, u.lastSignInAt ? timeText(u.lastSignInAt) : h('span', { class: 'muted' }, 'never')),
          h(
            'td',
            { class: 'actions-cell' },
            h(
              'button',
              {
                type: 'button',
                class: 'small',
                'aria-label': `${u.role === 'admin' ? 'Make staff' : 'Make admin'}: ${u.name}`,
                onclick: () => void setRole(u, u.role === 'admin' ? 'staff' : 'admin'),
              },
              u.role === 'admin' ? 'Make staff' : 'Make admin',
            ),
            ' ',
            h('button', { type: 'button', class: 'small', 'aria-label': `Reset password: ${u.name}`, onclick: () => openResetPassword(u) }, 'Reset password'),
            ' ',
            h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove: ${u.name}`, onclick: () => void remove(u) }, 'Remove'),
          ),
        ),
      );
      replace(body, dataTable(['Name', 'Role', 'Created', 'Last sign-in'], h('tbody', {}, rows)));
    } catch (err) {
      fail(`Could not load the users: ${errorText(err)}`);
    }
  };
  return { el, refresh };
}
