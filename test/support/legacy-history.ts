// A history database exactly as the gateway wrote it before index layout 2 (the release before
// messages were listed by device and patient): the same named databases and keys, reading entries
// without the patient's name, archived messages without their patient, and no `history-meta`.
// Written key by key the way that code's append wrote them.

import type { StorageEngine } from '../../src/store/engine.ts';
import { storedKey } from '../../src/store/recent-store.ts';
import type { HistoryRecord } from '../../src/store/types.ts';

type Key = Array<string | number>;

/** Layout 1's append of `records` (none of them bulky: the fixtures have no waveforms or long raw input). */
export async function writeLegacyHistory(engine: StorageEngine, records: HistoryRecord[]): Promise<void> {
  const entries = engine.db<unknown, string>('history');
  const messages = engine.db<unknown, string>('history-messages');
  const byTime = engine.db<true, Key>('history-by-time');
  const lists = engine.db<true, Key>('history-lists');
  await entries.transaction(() => {
    for (const r of records) {
      const id = storedKey(r.reading.reading.id);
      const at = new Date(r.at).toISOString();
      const mrn = r.reading.patient?.mrn;
      const status = r.reading.status;
      const deviceId = r.reading.reading.deviceId;
      void entries.put(id, { at, status, deviceId, ...(mrn ? { mrn } : {}), messageIds: r.messages.map((m) => storedKey(m.id)), reading: r.reading });
      void byTime.put([at, id], true);
      void lists.put(['r-status', status, at, id], true);
      void lists.put(['r-device', storedKey(deviceId), status, at, id], true);
      if (mrn) void lists.put(['r-patient', storedKey(mrn), status, at, id], true);
      for (const m of r.messages) {
        const mid = storedKey(m.id);
        const dest = storedKey(m.destinationId);
        const t = new Date(m.createdAt).toISOString();
        void messages.put(mid, { at, readingId: r.reading.reading.id, deviceId, message: m });
        for (const key of [
          ['m-all', t, m.seq, mid],
          ['m-dest', dest, t, m.seq, mid],
          ['m-state', m.state, t, m.seq, mid],
          ['m-dest-state', dest, m.state, t, m.seq, mid],
        ])
          void lists.put(key, true);
      }
    }
  });
}
