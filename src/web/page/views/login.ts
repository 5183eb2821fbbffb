// The sign-in form. POST /api/session; the server's words on a refusal (wrong name or password,
// too many attempts) are shown as an alert.
//
// For tests: heading "Sign in to medgate"; labels "Name", "Password"; button "Sign in";
// the refusal is role="alert".

import type { SessionView } from '../../api-types.ts';
import { ApiError, post, setCsrf } from '../lib/api.ts';
import { h, replace } from '../lib/dom.ts';
import { errorText, field, input, whileBusy } from '../lib/form.ts';

/** `notice`: why the page asks again (the session ended without the person signing out). */
export function loginView(root: HTMLElement, session: SessionView, notice: string | undefined, onSignedIn: () => void): (() => void) | void {
  const name = input({ name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' });
  const password = input({ type: 'password', name: 'password', autocomplete: 'current-password' });
  const alert = h('div', { class: 'form-problems error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { novalidate: true, 'aria-labelledby': 'login-title' },
    alert,
    field({ id: 'login-name', label: 'Name', control: name, required: true }),
    field({ id: 'login-password', label: 'Password', control: password, required: true }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Sign in')),
  );
  const say = (message: string) => {
    replace(alert, message.charAt(0).toUpperCase() + message.slice(1));
    alert.removeAttribute('hidden');
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    alert.setAttribute('hidden', '');
    if (!name.value.trim() || !password.value) {
      say('Enter your name and password.');
      (name.value.trim() ? password : name).focus();
      return;
    }
    void whileBusy(form, async () => {
      try {
        const next = await post<SessionView>('/api/session', { name: name.value.trim(), password: password.value });
        if (next.csrf) setCsrf(next.csrf);
        onSignedIn();
      } catch (err) {
        const retry = err instanceof ApiError && err.status === 429 ? ' Wait a little before the next try.' : '';
        say(`${errorText(err)}${retry}`);
        password.value = '';
        password.focus();
      }
    });
  });
  replace(
    root,
    h(
      'section',
      { class: 'card narrow' },
      h('h1', { id: 'login-title' }, 'Sign in to medgate'),
      notice ? h('p', { class: 'warn', role: 'status', 'data-testid': 'signed-out-notice' }, notice) : null,
      session.demo ? h('p', { class: 'muted' }, 'Demo mode: devices are simulated.') : null,
      form,
      // The same value the console printed at start: compare it with the browser's before signing in.
      session.tlsFingerprint
        ? h('p', { class: 'muted', 'data-testid': 'tls-fingerprint' }, 'Certificate SHA-256 fingerprint: ', h('code', {}, session.tlsFingerprint))
        : null,
    ),
  );
  name.focus();
}
