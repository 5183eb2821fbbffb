// One message in full for an interface analyst: where it stands, whom and which reading it is for
// (a link back to the reading on Live), the HL7 as sent segment by segment, and the EHR's ACK.

import type { MessageDetail } from '../../api-types.ts';
import { h, type Child } from './dom.ts';
import { ackIsPositive, ackMeaning } from './hl7-text.ts';
import { hl7View } from './hl7-view.ts';
import { reasonDialog } from './reason-dialog.ts';
import { messageStateBadge, messageSubject } from './message-rows.ts';
import { formatTime } from './reading-format.ts';

export function readingLink(readingId: string, text: Child = readingId): HTMLAnchorElement {
  return h('a', { href: `#/live?q=${encodeURIComponent(readingId)}`, class: 'mono' }, text);
}

function ackPart(m: MessageDetail): HTMLElement {
  if (!m.ack) return h('p', { class: 'muted' }, m.state === 'delivered' ? 'Delivered without a stored ACK.' : 'No ACK received yet.');
  return h(
    'div',
    { class: 'ack' },
    h(
      'p',
      {},
      h('span', { class: `badge ${ackIsPositive(m.ack.code) ? 'delivered' : 'dead'}` }, m.ack.code),
      ' ',
      h('strong', {}, ackMeaning(m.ack.code)),
      m.ack.at ? h('span', { class: 'muted' }, ` \u00b7 ${formatTime(m.ack.at)}`) : null,
    ),
    m.ack.text ? h('p', {}, 'Text: ', h('span', { class: 'ack-text' }, m.ack.text)) : null,
    m.ack.errorCode ? h('p', {}, 'Error code: ', h('span', { class: 'mono' }, m.ack.errorCode)) : null,
    m.ack.raw ? hl7View(m.ack.raw, 'ACK message as received') : null,
  );
}

/**
 * Asks why, then discards a dead QC message (POST /api/messages/:id/discard): it has no reading that
 * a person could settle, so without this it would stay a dead letter for good. Dialog: textbox
 * "Reason", buttons "Discard message" / "Cancel".
 */
export function discardQcMessageDialog(m: Pick<MessageDetail, 'id' | 'controlId' | 'destinationId'>, done: () => void): void {
  reasonDialog({
    title: 'Discard this QC message?',
    intro: [h('p', {}, `It will not be sent to ${m.destinationId}. The QC results stay in the QC log; the reason is kept in the audit journal.`)],
    id: 'discard-message-reason',
    tooShort: 'Say why in at least 3 characters (e.g. "the LIS does not take this lot").',
    url: `/api/messages/${encodeURIComponent(m.id)}/discard`,
    confirm: 'Discard message',
    done: `QC message ${m.controlId} discarded.`,
    onDone: done,
  });
}

export function messageDetail(m: MessageDetail, actions: { resend(): void; discard(): void; close(): void }): Child[] {
  const dead = m.state === 'dead';
  // A patient message is settled through its reading; only a QC message, which has none, is discarded here.
  const discardable = dead && m.qc !== undefined;
  return [
    h(
      'div',
      { class: 'toolbar' },
      h('h2', { class: 'msg-detail-title', tabindex: -1 }, 'Message ', h('span', { class: 'mono' }, m.controlId)),
      dead ? h('button', { type: 'button', class: 'primary', onclick: actions.resend }, 'Resend') : null,
      discardable ? h('button', { type: 'button', class: 'danger', onclick: actions.discard }, 'Discard') : null,
      h('button', { type: 'button', onclick: actions.close }, 'Close'),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'State'),
      h('dd', {}, messageStateBadge(m.state), m.state === 'retry_wait' && m.nextAttemptAt ? ` next attempt ${formatTime(m.nextAttemptAt)}` : ''),
      h('dt', {}, m.qc ? 'Carries' : 'Patient'),
      h('dd', {}, messageSubject(m)),
      h('dt', {}, 'Destination'),
      h('dd', {}, m.destinationId),
      h('dt', {}, 'Device'),
      h('dd', {}, m.deviceId ?? '\u2013'),
      // A QC message has no reading: it links to the QC view of its device.
      h('dt', {}, m.qc ? 'QC log' : 'Reading'),
      h('dd', {}, m.qc ? h('a', { href: `#/qc?device=${encodeURIComponent(m.qc.device)}` }, 'QC results of this analyzer') : readingLink(m.readingId)),
      h('dt', {}, 'Created'),
      h('dd', {}, formatTime(m.createdAt)),
      h('dt', {}, 'Attempts'),
      h('dd', {}, String(m.attempts), m.lastAttemptAt ? `, last ${formatTime(m.lastAttemptAt)}` : ''),
      m.deliveredAt ? [h('dt', {}, 'Delivered'), h('dd', {}, formatTime(m.deliveredAt))] : null,
      m.lastError ? [h('dt', {}, 'Last error'), h('dd', { class: 'error' }, m.lastError)] : null,
    ),
    dead
      ? h(
          'p',
          { class: 'hint' },
          'Resend puts the same message (same bytes and control ID) back at the end of the line. Fix the cause first (see the ACK and the last error).',
          discardable ? ' Discard removes a QC message that will not be sent; the QC log keeps its results.' : '',
        )
      : null,
    h('h3', {}, 'HL7 message'),
    hl7View(m.body, `HL7 message ${m.controlId}`),
    h('h3', {}, 'ACK from EHR'),
    ackPart(m),
  ];
}
