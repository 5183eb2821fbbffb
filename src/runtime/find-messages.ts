// GET /api/messages: the outbox (state document) and the delivered history merged newest created
// first, filtered by destination, state, device and patient, searched by control ID, reading id,
// MRN or name, a page at a time. The history is read through its lists (history-store.ts).

import { nameMatches, namedPatient, patientSearch, searchText } from '../model/search-text.ts';
import { liveMessages, newerMessageFirst } from '../outbox/live-lists.ts';
import type { ArchivedMessage, HistoryStore } from '../store/history-store.ts';
import { cursorText, olderThan, parseCursor } from '../store/list-cursor.ts';
import type { MessageState, OutboxMessage, StateDoc } from '../store/types.ts';
import type { MessageQuery, MessagesPage, MessageView, SearchMatch, SlimReading } from '../web/api-types.ts';
import { liveMessageView, messageView } from '../web/reading-views.ts';

/** States a message is in only while it is in the outbox: the history has none of them. */
const OUTBOX_ONLY: readonly MessageState[] = ['queued', 'sending', 'retry_wait'];

export interface MessageSources {
  doc: Readonly<StateDoc>;
  history: HistoryStore<SlimReading>;
  scanLimit?: number;
}

const archivedView = (a: ArchivedMessage): MessageView => messageView(a.message, a.deviceId, a.patient);

function fits(q: MessageQuery, v: MessageView): boolean {
  return (
    (q.destination === undefined || v.destinationId === q.destination) &&
    (q.state === undefined || v.state === q.state) &&
    (q.device === undefined || v.deviceId === q.device) &&
    (q.patient === undefined || v.patient?.mrn === q.patient)
  );
}

/** A message by its control ID (its id: outbox.ts), in the outbox or the history. */
function byControlId(src: MessageSources, id: string): MessageView | undefined {
  if (Object.hasOwn(src.doc.messages, id)) return liveMessageView(src.doc, src.doc.messages[id]!);
  const a = src.history.byMessageId(id);
  return a && archivedView(a);
}

/** A reading's messages, by the reading's id; undefined when no reading has that id. */
function byReadingId(src: MessageSources, id: string): MessageView[] | undefined {
  if (Object.hasOwn(src.doc.readings, id)) {
    const ids = src.doc.readings[id]!.messageIds ?? [];
    return ids.flatMap((mid) => {
      const v = byControlId(src, mid);
      return v ? [v] : [];
    });
  }
  const summary = src.history.summary(id);
  return summary?.messageIds.flatMap((mid) => {
    const a = src.history.byMessageId(mid);
    return a && a.readingId === id ? [archivedView(a)] : [];
  });
}

function isKnownMrn(src: MessageSources, mrn: string): boolean {
  if (src.history.messagesPage({ mrn, limit: 1 }).items.length > 0) return true;
  return Object.values(src.doc.messages).some((m) => src.doc.readings[m.readingId]?.patient?.mrn === mrn);
}

export function findMessages(src: MessageSources, q: MessageQuery): MessagesPage {
  const text = searchText(q.q);
  let match: SearchMatch | undefined;
  let mrn = q.patient;
  let words: string[] | undefined;
  if (text !== undefined) {
    const one = byControlId(src, text);
    if (one) return { messages: fits(q, one) ? [one] : [], more: false, match: 'control-id' };
    const ofReading = byReadingId(src, text);
    if (ofReading) return { messages: ofReading.filter((v) => fits(q, v)).sort(newerMessageFirst), more: false, match: 'reading' };
    const by = patientSearch(text, mrn, (m) => isKnownMrn(src, m));
    if (by.none) return { messages: [], more: false, match: by.match };
    ({ match, mrn, words } = by);
  }
  const after = parseCursor(q.before);
  const { doc } = src;
  const readingOf = (m: OutboxMessage) => doc.readings[m.readingId];
  const live = liveMessages(doc, {
    limit: q.limit + 1,
    destination: q.destination,
    state: q.state,
    after,
    match:
      q.device === undefined && mrn === undefined && words === undefined
        ? undefined
        : (m) => {
            const r = readingOf(m);
            if (q.device !== undefined && (m.qc?.device ?? r?.reading.deviceId) !== q.device) return false;
            if (mrn !== undefined && r?.patient?.mrn !== mrn) return false;
            return words === undefined || nameMatches(namedPatient(r?.patient), words);
          },
  }).map((m) => liveMessageView(doc, m));
  const seen = new Set(live.map((m) => m.id));
  const past =
    q.state !== undefined && OUTBOX_ONLY.includes(q.state)
      ? { items: [] as ArchivedMessage[] }
      : src.history.messagesPage({
          limit: q.limit + 1,
          after,
          destination: q.destination,
          state: q.state,
          deviceId: q.device,
          mrn,
          nameWords: words,
          scanLimit: src.scanLimit,
        });
  let merged = [...live, ...past.items.filter((a) => !seen.has(a.message.id)).map(archivedView)].sort(newerMessageFirst);
  // A name search that stopped part-way down the history: nothing older than where it stopped yet.
  const stop = 'scanned' in past && past.scanned !== undefined ? parseCursor(past.next) : undefined;
  if (stop) merged = merged.filter((m) => !olderThan(stop, m.createdAt, m.seq));
  const shown = merged.slice(0, q.limit);
  const last = shown[shown.length - 1];
  const more = merged.length > q.limit || live.length > q.limit || past.items.length > q.limit || stop !== undefined;
  const next = merged.length > q.limit || !stop ? (last ? cursorText(last.createdAt, last.seq) : undefined) : cursorText(stop.time, stop.tie ?? '');
  return {
    messages: shown,
    more: more && next !== undefined,
    ...(more && next !== undefined ? { next } : {}),
    ...(match ? { match } : {}),
    ...('scanned' in past && past.scanned !== undefined ? { scanned: past.scanned } : {}),
    ...('indexing' in past && past.indexing ? { indexing: true } : {}),
  };
}
