// Settings (admin only): destinations, code mappings, users, and the signed-in user's password.
// Devices themselves are configured on the Devices page.
//
// For tests: heading "Settings"; sections "Destinations", "Code mappings", "Users", "My account"
// (button "Change my password"). Each section's names are listed in lib/admin-*.ts and
// lib/password-dialog.ts.

import type { ConfigSchemas, GatewayEvent } from '../../api-types.ts';
import { get } from '../lib/api.ts';
import { codeMapsSection } from '../lib/admin-code-maps.ts';
import { destinationsSection } from '../lib/admin-destinations.ts';
import { usersSection } from '../lib/admin-users.ts';
import { h, replace } from '../lib/dom.ts';
import { onEvent } from '../lib/events.ts';
import { openPasswordDialog } from '../lib/password-dialog.ts';
import type { View } from '../lib/view.ts';

const REFRESH_MS = 20_000;

/** In-page jump that moves focus too (the hash is the router's, so no #fragment links). */
function jumpTo(e: Event, headingId: string): void {
  e.preventDefault();
  const heading = document.getElementById(headingId);
  if (!heading) return;
  heading.setAttribute('tabindex', '-1');
  heading.focus();
}

export const settingsView: View = (root, ctx) => {
  let schemas: Promise<ConfigSchemas> | undefined;
  const getSchemas = () => {
    schemas ??= get<ConfigSchemas>('/api/schemas').catch((err: unknown) => {
      schemas = undefined;
      throw err;
    });
    return schemas;
  };
  const destinations = destinationsSection(getSchemas);
  const codes = codeMapsSection();
  const users = usersSection(ctx.session.user.name);
  const account = h(
    'section',
    { class: 'card', 'aria-labelledby': 'account-title' },
    h('h2', { id: 'account-title' }, 'My account'),
    h('p', {}, `Signed in as ${ctx.session.user.name} (${ctx.session.user.role}).`),
    h('button', { type: 'button', onclick: () => openPasswordDialog() }, 'Change my password'),
  );
  replace(
    root,
    h('h1', {}, 'Settings'),
    h(
      'nav',
      { class: 'toolbar', 'aria-label': 'Sections' },
      [
        ['dest-title', 'Destinations'],
        ['codes-title', 'Code mappings'],
        ['users-title', 'Users'],
        ['account-title', 'My account'],
      ].map(([id, text]) => h('a', { class: 'button', href: `#/settings`, onclick: (e: Event) => jumpTo(e, id ?? '') }, text)),
    ),
    destinations.el,
    codes.el,
    users.el,
    account,
  );
  void destinations.refresh();
  void codes.refresh();
  void users.refresh();

  const unsubscribe = onEvent((event: GatewayEvent) => {
    if (event.type === 'config') {
      if (event.what === 'destination') void destinations.refresh();
      else void codes.refresh();
    }
  });
  // Delivery counts and worker states move without config events.
  const timer = setInterval(() => void destinations.refresh(), REFRESH_MS);
  return () => {
    unsubscribe();
    clearInterval(timer);
  };
};
