// Signed-in sessions, in memory only: a restart signs everyone out. That is deliberate: nothing on
// disk can be stolen to resume a session, and signing in again after a gateway restart is cheap.
// Sessions are keyed by a SHA-256 of the cookie value, so a heap dump does not hand out live cookies.

import { createHash, randomBytes } from 'node:crypto';
import { tokenMatches } from '../token.ts';

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
  /** Most sessions kept; the oldest go first. */
  maxSessions: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 60 * 60_000, absoluteMs: 12 * 60 * 60_000, maxSessions: 10_000 };

export interface Session {
  /** SHA-256 of the cookie value; the value itself is not kept. */
  readonly key: string;
  readonly user: string;
  readonly csrf: string;
  readonly createdAt: number;
  lastSeenAt: number;
}

function keyOf(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private lastSweep = 0;

  constructor(private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS) {}

  /** A new session for `user`; returns the cookie value (shown once) and the session. */
  create(user: string, now: number): { id: string; session: Session } {
    this.sweep(now, true);
    const id = randomBytes(32).toString('base64url');
    const session: Session = { key: keyOf(id), user, csrf: randomBytes(32).toString('base64url'), createdAt: now, lastSeenAt: now };
    this.sessions.set(session.key, session);
    while (this.sessions.size > this.limits.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
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
      return undefined;
    }
    if (activity) session.lastSeenAt = now;
    return session;
  }

  /** Whether the session still stands (not ended, not expired), without counting this as activity. */
  alive(session: Session, now: number): boolean {
    return this.sessions.get(session.key) === session && !this.expired(session, now);
  }

  end(session: Session): void {
    this.sessions.delete(session.key);
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
    return ended;
  }

  csrfMatches(session: Session, presented: string): boolean {
    return tokenMatches(session.csrf, presented);
  }

  get size(): number {
    return this.sessions.size;
  }

  clear(): void {
    this.sessions.clear();
  }

  private expired(session: Session, now: number): boolean {
    return now - session.lastSeenAt > this.limits.idleMs || now - session.createdAt > this.limits.absoluteMs;
  }

  // A full pass at most once a minute (always on create), so abandoned sessions do not pile up.
  private sweep(now: number, force: boolean): void {
    if (!force && now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const session of this.sessions.values()) if (this.expired(session, now)) this.sessions.delete(session.key);
  }
}
