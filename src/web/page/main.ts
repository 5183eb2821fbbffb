// The page's shell: asks who is signed in, then shows the sign-in or setup form, or the page the
// hash names (#/devices, #/live, ...). Views are plain functions; see lib/view.ts.

import './styles/base.css';
import type { SessionView } from '../api-types.ts';
import { get, del, setCsrf, whenSignedOut } from './lib/api.ts';
import { h, replace } from './lib/dom.ts';
import { connectEvents, disconnectEvents, whenEventsClosed } from './lib/events.ts';
import { navBadges } from './lib/nav-badges.ts';
import { openPasswordDialog } from './lib/password-dialog.ts';
import { qcOffer } from './lib/qc-offer.ts';
import { statusStrip } from './lib/status-strip.ts';
import type { View, ViewContext } from './lib/view.ts';
import { devicesView } from './views/devices.ts';
import { liveView } from './views/live.ts';
import { loginView } from './views/login.ts';
import { messagesView } from './views/messages.ts';
import { ordersView } from './views/orders.ts';
import { patientsView } from './views/patients.ts';
import { qcView } from './views/qc.ts';
import { settingsView } from './views/settings.ts';
import { setupView } from './views/setup.ts';
import { errorText } from '../../model/error-text.ts';

interface Page {
  id: string;
  title: string;
  view: View;
  adminOnly?: boolean;
  /** Shown only when the gateway does what the page is about. */
  shown?(): boolean;
}

/** Orders come from the EHR's inbound feed (a device's `orders` settings require one). */
let ordersOn = false;
/** Quality control is about lab analyzers: a gateway of scales and monitors has none (lib/qc-offer.ts). */
const qc = qcOffer(() => {
  if (session.user) drawChrome(currentPage);
});

const PAGES: Page[] = [
  { id: 'devices', title: 'Devices', view: devicesView },
  { id: 'live', title: 'Live', view: liveView },
  { id: 'patients', title: 'Patients', view: patientsView },
  { id: 'orders', title: 'Orders', view: ordersView, shown: () => ordersOn },
  { id: 'qc', title: 'QC', view: qcView, shown: () => qc.on() },
  { id: 'messages', title: 'Messages', view: messagesView },
  { id: 'settings', title: 'Settings', view: settingsView, adminOnly: true },
];

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const who = document.getElementById('who')!;
// What is wrong now, under the top bar on every page, and counts on the navigation.
const strip = statusStrip();
document.querySelector('header.top')?.after(strip.el);
const badges = navBadges(nav);
let session: SessionView = { user: null, setupRequired: false, demo: false };
let unmount: (() => void) | void = undefined;
let signedOutNotice: string | undefined;
/** The page shown, for a navigation redrawn while it stays. */
let currentPage = '';

function parseHash(): { page: string; params: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, '');
  const [page = '', query = ''] = raw.split('?');
  return { page, params: new URLSearchParams(query) };
}

export function navigate(page: string, params: Record<string, string> = {}): void {
  const q = new URLSearchParams(params).toString();
  location.hash = `#/${page}${q ? `?${q}` : ''}`;
}

async function refreshSession(): Promise<void> {
  session = await get<SessionView>('/api/session');
  if (session.csrf) setCsrf(session.csrf);
  if (session.user) {
    // Asked together: the page waits for both before it draws the navigation.
    [ordersOn] = await Promise.all([
      get<{ directory: unknown }>('/api/patients/summary').then(
        (r) => r.directory !== null,
        () => ordersOn,
      ),
      qc.refresh(),
    ]);
  }
}

const offered = (p: Page, role: string | undefined) => (!p.adminOnly || role === 'admin') && (p.shown?.() ?? true);

async function signOut(): Promise<void> {
  try {
    await del('/api/session');
  } finally {
    disconnectEvents();
    session = { ...session, user: null };
    navigate('login');
  }
}

function drawChrome(current: string): void {
  currentPage = current;
  const user = session.user;
  replace(
    nav,
    user
      ? PAGES.filter((p) => offered(p, user.role)).map((p) => h('a', { href: `#/${p.id}`, 'aria-current': p.id === current ? 'page' : undefined }, p.title))
      : [],
  );
  replace(
    who,
    user
      ? [
          h('span', {}, user.name, user.role === 'admin' ? h('span', { class: 'role' }, ' (admin)') : null),
          ' ',
          h('button', { type: 'button', class: 'link', onclick: () => openPasswordDialog() }, 'Change password'),
          h('button', { type: 'button', class: 'link', onclick: () => void signOut() }, 'Sign out'),
        ]
      : [],
  );
  strip.setActive(user !== null);
  badges.setActive(user !== null);
  qc.setActive(user !== null);
  badges.paint();
}

async function render(): Promise<void> {
  if (typeof unmount === 'function') unmount();
  unmount = undefined;
  const { page, params } = parseHash();
  if (page === 'setup') {
    drawChrome('');
    // Signed in now: leave the one-time link (and its token) out of the history.
    unmount = setupView(
      main,
      params,
      () => {
        history.replaceState(null, '', '#/devices');
        void start();
      },
      { setupRequired: session.setupRequired, signedIn: session.user !== null },
    );
    return;
  }
  if (!session.user) {
    drawChrome('');
    const notice = signedOutNotice;
    signedOutNotice = undefined;
    unmount = loginView(main, session, notice, () => {
      if (parseHash().page === 'login' || parseHash().page === '') history.replaceState(null, '', '#/devices');
      void start();
    });
    return;
  }
  const found = PAGES.find((p) => p.id === page && offered(p, session.user?.role));
  if (!found) {
    navigate('devices');
    return;
  }
  drawChrome(found.id);
  document.title = `${found.title} · medgate`;
  main.replaceChildren();
  const ctx: ViewContext = { session: session as ViewContext['session'], params, navigate };
  unmount = found.view(main, ctx);
  main.focus({ preventScroll: true });
}

async function start(): Promise<void> {
  try {
    await refreshSession();
  } catch (err) {
    replace(main, h('p', { class: 'error', role: 'alert' }, errorText(err)));
    return;
  }
  if (session.user) connectEvents();
  else if (session.setupRequired && parseHash().page !== 'setup') {
    // Nobody can sign in yet: the setup link printed at first start is the way in.
    drawChrome('');
    replace(
      main,
      h(
        'section',
        { class: 'card narrow' },
        h('h1', {}, 'Set up medgate'),
        h(
          'p',
          {},
          'No user exists yet. Open the one-time setup link that the gateway printed on its console when it started, and create the first administrator there.',
        ),
      ),
    );
    return;
  }
  await render();
}

whenEventsClosed(() => {
  void get<SessionView>('/api/session').then(
    (now) => {
      if (now.user) setTimeout(connectEvents, 3000);
      else signedOut();
    },
    () => setTimeout(connectEvents, 3000),
  );
});

function signedOut(): void {
  disconnectEvents();
  session = { ...session, user: null };
  // Not the person's own doing: say why the page changed under them.
  signedOutNotice = 'Your session has ended (an hour without use, or signed out elsewhere): sign in again to go on.';
  void render();
}

whenSignedOut(signedOut);
window.addEventListener('hashchange', () => void render());
void start();
