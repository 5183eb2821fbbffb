// One device on the Devices page: what it is, whether its link is up, what it last sent, and (for
// admins, in demo mode) its buttons. The status parts are redrawn in place, so a button that has
// focus keeps it when a reading arrives.

import type { DeviceView, SimulatorView } from '../../api-types.ts';
import { ago, h, replace } from './dom.ts';
import { linkBadge, linkLine, readingSummary, timeText, transportSummary } from './device-format.ts';
import { canRetryNow, errorWords, failedAttemptsWords } from './link-words.ts';
import { takesBinding } from './device-choice.ts';
import { connectionsWords, IGNORED_BINDING_WORDS, ORDER_PATIENT_WORDS } from './device-words.ts';
import { patientLabel } from './reading-format.ts';
import { simulatorStatus } from './simulator-controls.ts';

export interface DeviceCardOptions {
  driverTitle(driverId: string): string;
  admin: boolean;
  onEdit(id: string): void;
  onRemove(id: string): void;
  onStartSimulator(id: string): void;
  onStopSimulator(id: string): void;
  /** Reconnect a link that waits out its backoff. */
  onRetry(id: string): void;
  /** Open the binding with this device chosen. */
  onBind(id: string): void;
}

export interface DeviceCard {
  el: HTMLElement;
  device: DeviceView;
  update(device: DeviceView): void;
  setSimulator(sim: SimulatorView | undefined): void;
}

function fact(term: string, ...value: Array<Node | string | null>): Node[] {
  return [h('dt', {}, term), h('dd', {}, ...value)];
}

function facts(d: DeviceView, driverTitle: string): Node[] {
  const link = d.link;
  const connections = connectionsWords(link);
  const line = h(
    'span',
    {},
    linkLine(link),
    link.reconnects > 0 ? `, ${failedAttemptsWords(link.reconnects)}` : '',
    connections ? h('span', { class: 'warn' }, `, ${connections}`) : null,
  );
  // The server drops the error once the link is up; an older gateway may not, so up means no error here either.
  const up = link.state === 'connected' || link.state === 'listening';
  const linkError = link.lastError && !up ? h('div', { class: 'link-error' }, `Last error: ${errorWords(link.lastError)}`) : null;
  const nextTry =
    link.state === 'retrying' && link.nextRetryAt
      ? h('div', { class: 'muted small-text' }, `Next try ${timeText(link.nextRetryAt, undefined, { seconds: true })}`)
      : null;
  const r = d.lastReading;
  const reading = r
    ? h('span', {}, h('span', { class: 'nowrap' }, ago(r.reading.receivedAt)), ': ', readingSummary(r))
    : h('span', { class: 'muted' }, 'none since the gateway started');
  const c = d.counters;
  const counters = h(
    'span',
    {},
    `${c.reports} report${c.reports === 1 ? '' : 's'}, `,
    h('span', { class: c.protocolErrors > 0 ? 'warn' : undefined }, `${c.protocolErrors} protocol error${c.protocolErrors === 1 ? '' : 's'}`),
    c.rejected > 0 ? `, ${c.rejected} rejected` : '',
  );
  const lastProblem = c.lastProtocolError
    ? h('div', { class: 'muted small-text' }, `Last protocol error ${ago(c.lastProtocolError.at)}: ${c.lastProtocolError.reason}`)
    : null;
  // A device that files by order ignores any binding (one made under an older configuration included).
  const binding = !takesBinding(d)
    ? h('span', {}, ORDER_PATIENT_WORDS, d.binding ? h('span', { class: 'muted' }, ` (${IGNORED_BINDING_WORDS})`) : null)
    : d.binding
      ? h(
          'span',
          {},
          patientLabel(d.binding.patient),
          d.binding.until ? h('span', { class: 'muted' }, ` until ${timeText(d.binding.until)}`) : h('span', { class: 'muted' }, ' (next reading)'),
        )
      : h('span', { class: 'muted' }, 'none');
  const unmapped = Object.keys(d.unmappedCodes);
  return [
    ...fact('Driver', driverTitle),
    ...fact('Connection', transportSummary(d.transport)),
    ...fact('Link', line, linkError, nextTry),
    ...fact('Last reading', reading),
    ...fact('Counts', counters, lastProblem),
    ...fact('Patient', binding),
    ...(unmapped.length > 0 ? fact('Unmapped codes', h('span', { class: 'warn' }, unmapped.join(', '))) : []),
  ];
}

export function deviceCard(initial: DeviceView, opts: DeviceCardOptions): DeviceCard {
  const headingId = `device-${initial.id.replace(/[^A-Za-z0-9_-]/g, '_')}-title`;
  const title = h('h2', { id: headingId });
  const idLine = h('span', { class: 'id' });
  const badge = h('span', {});
  const dl = h('dl', { class: 'facts' });
  const simStatus = h('div', { 'aria-live': 'polite' });
  const startBtn = h(
    'button',
    { type: 'button', class: 'small', 'aria-describedby': headingId, onclick: () => opts.onStartSimulator(card.device.id) },
    'Start simulator',
  );
  const stopBtn = h(
    'button',
    { type: 'button', class: 'small', 'aria-describedby': headingId, onclick: () => opts.onStopSimulator(card.device.id) },
    'Stop simulator',
  );
  const simBox = h('div', { class: 'sim row', hidden: true }, simStatus, h('span', { class: 'spacer' }), startBtn, stopBtn);
  const retryBtn = h('button', { type: 'button', class: 'primary', 'aria-describedby': headingId, onclick: () => opts.onRetry(card.device.id) }, 'Retry now');
  const bindBtn = h('button', { type: 'button', 'aria-describedby': headingId, onclick: () => opts.onBind(card.device.id) }, 'Bind patient');
  const actions = h(
    'div',
    { class: 'card-actions' },
    retryBtn,
    bindBtn,
    opts.admin
      ? [
          h('button', { type: 'button', 'aria-describedby': headingId, onclick: () => opts.onEdit(card.device.id) }, 'Edit'),
          h('button', { type: 'button', class: 'danger', 'aria-describedby': headingId, onclick: () => opts.onRemove(card.device.id) }, 'Remove'),
        ]
      : null,
  );
  const el = h(
    'article',
    { class: 'card device-card', 'aria-labelledby': headingId, 'data-device-id': initial.id },
    h('header', {}, h('div', { class: 'spacer' }, title, idLine), badge),
    dl,
    simBox,
    actions,
  );
  const card: DeviceCard = {
    el,
    device: initial,
    update(d) {
      card.device = d;
      replace(title, d.label ?? d.id);
      replace(idLine, `ID ${d.id}`);
      replace(badge, linkBadge(d.link, d.enabled));
      replace(dl, facts(d, opts.driverTitle(d.driver)));
      const retryFocused = document.activeElement === retryBtn;
      retryBtn.hidden = !canRetryNow(d);
      bindBtn.hidden = !takesBinding(d);
      // The link came back while "Retry now" had focus: keep the keyboard on the card.
      if (retryFocused && retryBtn.hidden) {
        if (bindBtn.hidden) title.tabIndex = -1;
        (bindBtn.hidden ? title : bindBtn).focus();
      }
    },
    setSimulator(sim) {
      if (!sim) {
        simBox.hidden = true;
        return;
      }
      simBox.hidden = false;
      replace(simStatus, simulatorStatus(sim));
      const hadFocus = document.activeElement === startBtn || document.activeElement === stopBtn;
      startBtn.hidden = sim.running;
      stopBtn.hidden = !sim.running;
      if (hadFocus) (sim.running ? stopBtn : startBtn).focus();
    },
  };
  card.update(initial);
  return card;
}
