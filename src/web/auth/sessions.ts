// Signed-in sessions, kept in memory and (through `onChange`) in <dataDir>/sessions.json, so a
// gateway restart does not sign people out. What is kept anywhere is a SHA-256 of the cookie value,
// never the value: neither a heap dump nor the file hands out a live cookie. The CSRF token is
// derived from the cookie value (HMAC), so it is not stored either and is known again at the
// session's next request.
//
// A session belongs to one account, not just one name: it keeps the user record's `createdAt` and
// `passwordChangedAt` as they were when it began, and ends when they no longer match (the users file
// reset and the name set up again, a password changed while this process was not running or before
// this file was written, a restore).

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { tokenMatches } from '../token.ts';

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
  /** Most sessions kept; the oldest go first. */
  maxSessions: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 60 * 60_000, absoluteMs: 12 * 60 * 60_000, maxSessions: 10_000 };

/** Activity is written at most this often: on disk a session may look up to a minute idler than it is (never less idle). */
const SEEN_SAVE_MS = 60_000;

/** Which account a session belongs to: the user record's times (user-store.ts), never its password hash. */
export interface AccountStamp {
  createdAt: string;
  passwordChangedAt?: string;
}

function stampOf(account: AccountStamp): AccountStamp {
  return account.passwordChangedAt === undefined
    ? { createdAt: account.createdAt }
    : { createdAt: account.createdAt, passwordChangedAt: account.passwordChangedAt };
}

/** Whether `account` is still the one the session began with. */
export function sameAccount(a: AccountStamp, b: AccountStamp): boolean {
  return a.createdAt === b.createdAt && a.passwordChangedAt === b.passwordChangedAt;
}

export interface Session {
  /** SHA-256 of the cookie value; the value itself is not kept. */
  readonly key: string;
  readonly user: string;
  /** The account as of the session's start (renewed when it changes its own password). */
  account: AccountStamp;
  /** Known once the session has been used with its cookie in this process (it is derived from it). */
  csrf: string;
  readonly createdAt: number;
  lastSeenAt: number;
}

/** A session as stored: no cookie value, no CSRF token. */
export interface StoredSession {
  key: string;
  user: string;
  account: AccountStamp;
  createdAt: number;
  lastSeenAt: number;
}

function keyOf(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

function csrfOf(id: string): string {
  return createHmac('sha256', id).update('medgate csrf').digest('base64url');
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private lastSweep = 0;
  private lastSeenSave = 0;
  private writing: Promise<void> = Promise.resolve();

  /** `onChange`: the set of sessions or their times changed; the owner writes `stored()` out and may return that write. */
  constructor(
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    private readonly onChange: () => Promise<void> | void = () => undefined,
  ) {}

  /**
   * Sessions from the file, those still live at `now` whose account `accountOf` still finds as it
   * was; oldest first, as they were created.
   */
  load(stored: StoredSession[], now: number, accountOf: (user: string) => AccountStamp | undefined): void {
    let dropped = false;
    for (const s of [...stored].sort((a, b) => a.createdAt - b.createdAt)) {
      const session: Session = { key: s.key, user: s.user, account: stampOf(s.account), csrf: '', createdAt: s.createdAt, lastSeenAt: s.lastSeenAt };
      const account = accountOf(s.user);
      if (account && sameAccount(session.account, account) && !this.expired(session, now)) this.sessions.set(session.key, session);
      else dropped = true;
    }
    this.trim();
    if (dropped) this.changed();
  }

  /** What the file keeps. */
  stored(): StoredSession[] {
    return [...this.sessions.values()].map(({ key, user, account, createdAt, lastSeenAt }) => ({ key, user, account, createdAt, lastSeenAt }));
  }

  /** Resolves once the sessions as they are now are written (at once when nobody writes them). */
  saved(): Promise<void> {
    return this.writing;
  }

  /** A new session for `user` of `account`; returns the cookie value (shown once) and the session. */
  create(user: string, account: AccountStamp, now: number): { id: string; session: Session } {
    this.sweep(now, true);
    const id = randomBytes(32).toString('base64url');
    const session: Session = { key: keyOf(id), user, account: stampOf(account), csrf: csrfOf(id), createdAt: now, lastSeenAt: now };
    this.sessions.set(session.key, session);
    this.trim();
    this.changed();
    return { id, session };
  }

  /**
   * The live session for a cookie value; undefined when unknown or expired. `activity`: a person did
   * something, so the idle clock starts again (a page refreshing itself is not activity).
   */
  touch(id: string, now: number, activity = true): Session | undefined {
    this.sweep(now, false);
    const session = this.sessions.get(keyOf(id));
    if (!session) return undefined;
    if (this.expired(session, now)) {
      this.sessions.delete(session.key);
      this.changed();
      return undefined;
    }
    if (session.csrf === '') session.csrf = csrfOf(id);
    if (activity) {
      session.lastSeenAt = now;
      if (now - this.lastSeenSave >= SEEN_SAVE_MS) {
        this.lastSeenSave = now;
        this.changed();
      }
    }
    return session;
  }

  /** Whether the session still stands (not ended, not expired), without counting this as activity. */
  alive(session: Session, now: number): boolean {
    return this.sessions.get(session.key) === session && !this.expired(session, now);
  }

  end(session: Session): void {
    if (this.sessions.delete(session.key)) this.changed();
  }

  /** The session goes on with its account as it is now (its own password change). */
  renew(session: Session, account: AccountStamp): void {
    session.account = stampOf(account);
    if (this.sessions.get(session.key) === session) this.changed();
  }

  /** Ends every session of `user` except `keep`. */
  endUser(user: string, keep?: Session): number {
    let ended = 0;
    for (const session of this.sessions.values()) {
      if (session.user === user && session !== keep) {
        this.sessions.delete(session.key);
        ended++;
      }
    }
    if (ended > 0) this.changed();
    return ended;
  }

  csrfMatches(session: Session, presented: string): boolean {
    return session.csrf !== '' && tokenMatches(session.csrf, presented);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Forgets every session in memory (the process ends); the file keeps them. */
  clear(): void {
    this.sessions.clear();
  }

  // A clock set back (a Raspberry Pi has no battery-backed clock; time synchronisation steps it)
  // must not stretch a session's limits: times still ahead of `now` end it.
  private expired(session: Session, now: number): boolean {
    if (now < session.createdAt || now < session.lastSeenAt) return true;
    return now - session.lastSeenAt > this.limits.idleMs || now - session.createdAt > this.limits.absoluteMs;
  }

  private changed(): void {
    const write = this.onChange();
    if (write) this.writing = write;
  }

  private trim(): void {
    while (this.sessions.size > this.limits.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
  }

  // A full pass at most once a minute (always on create), so abandoned sessions do not pile up.
  private sweep(now: number, force: boolean): void {
    if (!force && now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    let swept = false;
    for (const session of this.sessions.values()) {
      if (this.expired(session, now)) {
        this.sessions.delete(session.key);
        swept = true;
      }
    }
    if (swept && !force) this.changed(); // create() says so itself
  }
}
