// The history's index layout, and bringing an older one up to it when the store opens.
//
// Layout 1 (before this file): messages listed by destination and state only, and no patient's
// name kept beside a reading's index entry. Layout 2 adds the message lists by device and by
// patient (MRN), and the patient's name and MRN on each archived message and reading entry, so a
// message list shows whom it was for and a name search never decodes a reading.
// The upgrade walks the archived messages a batch per transaction and puts what each needs; it is
// safe to run again (after a crash half-way the next start redoes it), and the layout is recorded
// only when every message was done. An older medgate reads layout 2 as before: it reads only the
// lists it knows, and ignores the added fields.

import type { Database } from 'lmdb';
import type { Logger } from '../model/logger.ts';
import type { NamedPatient } from '../model/search-text.ts';
import type { StoredReading } from './types.ts';

export const INDEX_LAYOUT = 2;
const LAYOUT_KEY = 'index-layout';
const BATCH = 500;

export interface IndexLayoutMeta {
  layout: number;
  at: string;
}

/** The parts of an archived message and a reading entry the upgrade reads and writes. */
interface UpgradableMessage {
  readingId: string;
  deviceId: string;
  patient?: NamedPatient;
}
interface UpgradableEntry {
  mrn?: string;
  patient?: NamedPatient;
  reading?: StoredReading;
}

export interface IndexUpgradeParts<M extends UpgradableMessage, E extends UpgradableEntry> {
  meta: Database<IndexLayoutMeta, string>;
  entries: Database<E, string>;
  bulky: Database<StoredReading, string>;
  messages: Database<M, string>;
  lists: Database<true, Array<string | number>>;
  /** The list keys of an archived message in this layout (history-store.ts). */
  messageLists(m: M): Array<Array<string | number>>;
  /** Id as stored (a long id by its hash). */
  storedKey(id: string): string;
  namedPatient(p: StoredReading['patient']): NamedPatient | undefined;
  log: Logger;
}

/** Runs the upgrade if the layout is older; resolves with how many messages it indexed. */
export async function upgradeIndexes<M extends UpgradableMessage, E extends UpgradableEntry>(parts: IndexUpgradeParts<M, E>): Promise<number> {
  if ((parts.meta.get(LAYOUT_KEY)?.layout ?? 1) >= INDEX_LAYOUT) return 0;
  const patientOf = new Map<string, NamedPatient | undefined>();
  /** The reading's patient, read once per reading; a bulky reading's only here, once. */
  const readingPatient = (readingId: string): NamedPatient | undefined => {
    const id = parts.storedKey(readingId);
    if (patientOf.has(id)) return patientOf.get(id);
    const e = parts.entries.get(id);
    const p = e?.patient ?? (e?.mrn ? parts.namedPatient(e.reading?.patient ?? parts.bulky.get(id)?.patient) : undefined);
    patientOf.set(id, p);
    if (e && p && !e.patient) void parts.entries.put(id, { ...e, patient: p });
    return p;
  };
  let done = 0;
  let from: string | undefined;
  for (;;) {
    const batch = [...parts.messages.getRange(from === undefined ? { limit: BATCH } : { start: from, limit: BATCH + 1 })].filter((x) => x.key !== from);
    if (batch.length === 0) break;
    await parts.messages.childTransaction(() => {
      for (const { key, value } of batch) {
        const patient = value.patient ?? readingPatient(value.readingId);
        const upgraded: M = patient && !value.patient ? { ...value, patient } : value;
        if (upgraded !== value) void parts.messages.put(key, upgraded);
        for (const k of parts.messageLists(upgraded)) void parts.lists.put(k, true);
      }
    });
    done += batch.length;
    from = batch[batch.length - 1]!.key;
    patientOf.clear();
    // Requests are served between batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await parts.meta.put(LAYOUT_KEY, { layout: INDEX_LAYOUT, at: new Date().toISOString() });
  if (done > 0) parts.log.info({ messages: done, layout: INDEX_LAYOUT }, 'history indexes upgraded');
  return done;
}
