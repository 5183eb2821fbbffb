// GET /api/readings: one status's readings, newest first, filtered by device and patient, searched
// by reading id, control ID, MRN or name, a page at a time. Held, queued and dead readings are in
// the state document (in memory: an id is a key look-up there, a filter one pass); delivered and
// discarded ones are in the history, read through its indexes (history-store.ts).

import { nameMatches, patientSearch, searchText } from '../model/search-text.ts';
import { messagesOf } from '../outbox/outbox.ts';
import { liveReadings } from '../outbox/live-lists.ts';
import type { HistoryStore } from '../store/history-store.ts';
import { cursorText, parseCursor } from '../store/list-cursor.ts';
import type { ReadingStatus, StateDoc, StoredReading } from '../store/types.ts';
import type { ReadingQuery, ReadingsPage, ReadingView, SearchMatch, SlimReading } from '../web/api-types.ts';
import { messageView, slimReading } from '../web/reading-views.ts';

const ARCHIVED: readonly ReadingStatus[] = ['delivered', 'discarded'];

export interface ReadingSources {
  doc: Readonly<StateDoc>;
  history: HistoryStore<SlimReading>;
  /** Filters the indexes cannot answer (a name) read at most this many history keys per page. */
  scanLimit?: number;
}

function liveView(doc: Readonly<StateDoc>, r: StoredReading): ReadingView {
  return { ...structuredClone(slimReading(r)), messages: messagesOf(doc, r.reading.id).map((m) => structuredClone(messageView(m))) };
}

/** Where an id names a reading: the state document, then the history; undefined when it names none. */
function readingOfId(src: ReadingSources, id: string): { live?: StoredReading; archived?: boolean } | undefined {
  if (Object.hasOwn(src.doc.readings, id)) return { live: src.doc.readings[id] };
  return src.history.summary(id) ? { archived: true } : undefined;
}

/** The reading id a control ID's message belongs to (control IDs are message ids: outbox.ts). */
function readingOfControlId(src: ReadingSources, controlId: string): string | undefined {
  if (Object.hasOwn(src.doc.messages, controlId)) return src.doc.messages[controlId]!.readingId;
  return src.history.byMessageId(controlId)?.readingId;
}

/** The one reading an exact id names, if it is in this list. */
function exactPage(src: ReadingSources, q: ReadingQuery, readingId: string, match: SearchMatch): ReadingsPage {
  const found = readingOfId(src, readingId);
  const empty: ReadingsPage = { status: q.status, readings: [], more: false, match };
  if (!found) return empty;
  const view = found.live ? liveView(src.doc, found.live) : listedView(src, readingId);
  if (!view || view.status !== q.status) return empty;
  if (q.device !== undefined && view.reading.deviceId !== q.device) return empty;
  if (q.patient !== undefined && view.patient?.mrn !== q.patient) return empty;
  return { ...empty, readings: [view] };
}

function listedView(src: ReadingSources, readingId: string): ReadingView | undefined {
  const r = src.history.listed(readingId);
  return r && { ...r.reading, messages: r.messages.map((m) => messageView(m)) };
}

/** Whether any reading of this status has this MRN: then a search for it is an MRN look-up. */
function isKnownMrn(src: ReadingSources, status: ReadingStatus, mrn: string): boolean {
  if (ARCHIVED.includes(status)) return src.history.readingsPage({ status, mrn, limit: 1 }).items.length > 0;
  return Object.values(src.doc.readings).some((r) => r.status === status && r.patient?.mrn === mrn);
}

export function findReadings(src: ReadingSources, q: ReadingQuery): ReadingsPage {
  const text = searchText(q.q);
  let match: SearchMatch | undefined;
  let mrn = q.patient;
  let words: string[] | undefined;
  if (text !== undefined) {
    if (readingOfId(src, text)) return exactPage(src, q, text, 'reading');
    const ofControlId = readingOfControlId(src, text);
    if (ofControlId !== undefined) return exactPage(src, q, ofControlId, 'control-id');
    const by = patientSearch(text, mrn, (m) => isKnownMrn(src, q.status, m));
    if (by.none) return { status: q.status, readings: [], more: false, match: by.match };
    ({ match, mrn, words } = by);
  }
  const after = parseCursor(q.before);
  const info = match ? { match } : {};
  if (ARCHIVED.includes(q.status)) {
    const page = src.history.readingsPage({
      status: q.status,
      limit: q.limit,
      after,
      deviceId: q.device,
      mrn,
      nameWords: words,
      scanLimit: src.scanLimit,
    });
    return {
      status: q.status,
      readings: page.items.map((r) => ({ ...r.reading, archivedAt: r.at, messages: r.messages.map((m) => messageView(m)) })),
      more: page.next !== undefined,
      ...(page.next ? { next: page.next } : {}),
      ...info,
      ...(page.scanned ? { scanned: page.scanned } : {}),
    };
  }
  const found = liveReadings(src.doc, {
    status: q.status,
    limit: q.limit + 1,
    device: q.device,
    patient: mrn,
    after,
    match: words ? (r) => nameMatches(r.patient ?? r.reading.subject, words) : undefined,
  });
  const shown = found.slice(0, q.limit);
  const last = shown[shown.length - 1];
  const more = found.length > q.limit && last !== undefined;
  return {
    status: q.status,
    readings: shown.map((r) => liveView(src.doc, r)),
    more,
    ...(more ? { next: cursorText(last.reading.receivedAt, last.reading.id) } : {}),
    ...info,
  };
}
