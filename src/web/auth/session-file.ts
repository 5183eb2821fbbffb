// <dataDir>/sessions.json: the signed-in sessions, so a restart keeps people signed in. It holds
// per session the SHA-256 of the cookie value, the user, the times of the user's account it belongs to
// (sessions.ts) and the two times its expiry is counted from; written durably (temp file, fsync, rename) with mode 0600 like the rest of the data folder.
// Sessions are disposable: a file that cannot be read is removed and the gateway starts with none
// (everyone signs in again), it never keeps the gateway from starting; a session without its account
// (as an earlier build wrote them) is dropped. A data folder from a version before this file simply
// has none yet. Backups leave it out (backup/data-files.ts): a restore signs everyone out.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Logger } from '../../model/logger.ts';
import { DurableDocument } from '../../store/durable-document.ts';
import { DamagedFileError } from '../../store/durable-file-adapter.ts';
import type { StoredSession } from './sessions.ts';

export const SESSIONS_FILE = 'sessions.json';

const Stored = Type.Object({
  key: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  user: Type.String({ minLength: 1 }),
  account: Type.Object({ createdAt: Type.String(), passwordChangedAt: Type.Optional(Type.String()) }),
  createdAt: Type.Number(),
  lastSeenAt: Type.Number(),
});
const SessionsFile = Type.Object({ version: Type.Literal(1), sessions: Type.Array(Type.Unknown()) });
type SessionsFile = Static<typeof SessionsFile>;

export interface SessionFile {
  sessions: StoredSession[];
  /** Writes the sessions as `snapshot` gives them now; changes in one turn share a write. Resolves once written, or once it failed (logged, retried with the next change). */
  save(): Promise<void>;
  /** Writes what is pending and releases the file. */
  close(): Promise<void>;
}

/** Opens the file; `snapshot` is read at each write. */
export async function openSessionFile(dataDir: string, snapshot: () => StoredSession[], log: Logger): Promise<SessionFile> {
  const file = join(dataDir, SESSIONS_FILE);
  const doc = (): SessionsFile => ({ version: 1, sessions: snapshot() });
  let opened: { document: DurableDocument<SessionsFile>; stored: SessionsFile | null };
  try {
    opened = await DurableDocument.open<SessionsFile>(file, doc, { log });
  } catch (err) {
    if (!(err instanceof DamagedFileError)) throw err;
    log.warn({ file, err }, 'the sessions file is damaged: removed, everyone signs in again');
    await rm(file, { force: true });
    opened = await DurableDocument.open<SessionsFile>(file, doc, { log });
  }
  const { document, stored } = opened;
  let sessions: StoredSession[] = [];
  if (stored !== null) {
    if (Value.Check(SessionsFile, stored)) sessions = stored.sessions.filter((s): s is StoredSession => Value.Check(Stored, s));
    const dropped = (Array.isArray(stored.sessions) ? stored.sessions.length : 0) - sessions.length;
    if (dropped > 0 || !Value.Check(SessionsFile, stored))
      log.warn({ file, dropped }, 'sessions that could not be read were dropped: those people sign in again');
  }
  return {
    sessions,
    // Failures are logged by the document and retried with the next change.
    save: () => document.save().catch(() => undefined),
    close: () => document.close(),
  };
}
