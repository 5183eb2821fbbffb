// The one-time setup page, reached by the link the gateway prints at its first start
// (/#/setup?token=...): creates the first administrator, who is then signed in.
//
// For tests: heading "Create the first administrator"; labels "Name", "Password",
// "Repeat password"; button "Create administrator".

import type { SessionView } from '../../api-types.ts';
import { ApiError, post, setCsrf } from '../lib/api.ts';
import { h, replace } from '../lib/dom.ts';
import { field, handleSubmit, input, problemBox } from '../lib/form.ts';
import { nameProblem, passwordProblem, repeatProblem } from '../lib/account-rules.ts';

/** The link was used already, or opened again later: said once, with the way in. */
function setupDone(root: HTMLElement, signedIn: boolean): void {
  replace(
    root,
    h(
      'section',
      { class: 'card narrow', 'aria-labelledby': 'setup-done-title' },
      h('h1', { id: 'setup-done-title' }, 'Setup is already done'),
      h(
        'p',
        { role: 'status' },
        'An administrator exists, so this one-time link has no more use. ',
        signedIn ? 'You are signed in.' : 'Sign in with your name and password.',
      ),
      h(
        'p',
        {},
        signedIn ? h('a', { href: '#/devices', class: 'button primary' }, 'Go to Devices') : h('a', { href: '#/login', class: 'button primary' }, 'Sign in'),
      ),
    ),
  );
  root.querySelector<HTMLElement>('a')?.focus();
}

/** `state`: from GET /api/session when the page opened; setup already done shows that at once, not the form. */
export function setupView(
  root: HTMLElement,
  params: URLSearchParams,
  onDone: () => void,
  state: { setupRequired: boolean; signedIn: boolean } = { setupRequired: true, signedIn: false },
): (() => void) | void {
  if (!state.setupRequired) {
    setupDone(root, state.signedIn);
    return;
  }
  const token = params.get('token') ?? '';
  if (!token) {
    replace(
      root,
      h(
        'section',
        { class: 'card narrow' },
        h('h1', {}, 'Setup link incomplete'),
        h(
          'p',
          { role: 'alert', class: 'error' },
          'This setup link has no token. Copy the whole link the gateway printed on its console, including the part after "token=".',
        ),
      ),
    );
    return;
  }
  const name = input({ autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' });
  const password = input({ type: 'password', autocomplete: 'new-password' });
  const repeat = input({ type: 'password', autocomplete: 'new-password' });
  const form = h(
    'form',
    { novalidate: true, 'aria-labelledby': 'setup-title' },
    problemBox(),
    field({
      id: 'setup-name',
      label: 'Name',
      control: name,
      required: true,
      path: 'name',
      hint: 'Lowercase letters, digits, dot, dash or underscore; 2 to 32 characters, e.g. "it.admin".',
    }),
    field({ id: 'setup-password', label: 'Password', control: password, required: true, path: 'password', hint: 'At least 10 characters.' }),
    field({ id: 'setup-repeat', label: 'Repeat password', control: repeat, required: true, path: 'repeat' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create administrator')),
  );
  handleSubmit(
    form,
    () => [nameProblem(name.value.trim()), passwordProblem(password.value), repeatProblem(password.value, repeat.value)],
    async () => {
      const session = await post<SessionView>('/api/setup', { token, name: name.value.trim(), password: password.value });
      if (session.csrf) setCsrf(session.csrf);
      onDone();
    },
    (err) => {
      if (!(err instanceof ApiError && (err.status === 403 || err.status === 409))) return undefined;
      if (err.status === 409) {
        setupDone(root, false);
        return [];
      }
      return [{ path: '', message: 'This setup link is not valid (anymore). Restart the gateway to get a new link if no administrator exists.' }];
    },
  );
  replace(
    root,
    h(
      'section',
      { class: 'card narrow' },
      h('h1', { id: 'setup-title' }, 'Create the first administrator'),
      h('p', { class: 'muted' }, 'This link works once. The administrator adds devices, destinations and the other users.'),
      form,
      h('p', {}, h('a', { href: '#/login' }, 'Sign in instead')),
    ),
  );
  name.focus();
}
