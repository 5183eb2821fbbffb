// The state behind sign-in: users, sessions, failure counters and the setup token, with the rules that
// change them. No HTTP here: routes.ts and guard.ts translate requests to these calls.

import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Logger } from '../../model/logger.ts';
import type { Role, UserView } from '../api-types.ts';
import { tokenMatches } from '../token.ts';
import { readCookie, SESSION_COOKIE } from './cookie.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { nameProblem, normalizeName, passwordProblem } from './policy.ts';
import { FailureLimiter } from './rate-limit.ts';
import { addressKey, NameSlowdown } from './name-slowdown.ts';
import { MESSAGES, Refusal, tooManyFailures } from './refusal.ts';
import { DEFAULT_SESSION_LIMITS, sameAccount, SessionStore, type Session, type SessionLimits } from './sessions.ts';
import { TOKEN_ACTOR, type Principal } from './types.ts';
import { userView, type UserStore } from './user-store.ts';

/** Who sent a request, worked out once per request. */
/** Sent by the page on requests no person asked for just now. */
export const BACKGROUND_HEADER = 'x-medgate-background';

export interface Identity {
  principal?: Principal;
  /** The cookie session, when that is how the principal signed in. */
  session?: Session;
  /** A bearer token was sent and is wrong. */
  badBearer: boolean;
  /** Too many wrong tokens came from this address lately: milliseconds until it may try again. */
  bearerWaitMs?: number;
}

export interface AuthServiceOptions {
  users: UserStore;
  apiToken: string;
  log: Logger;
  now: () => Date;
  /** Same cost as real hashes: an unknown name takes as long to refuse as a wrong password. */
  dummyHash: string;
  sessionLimits?: SessionLimits;
  /** The sessions changed: write them out (session-file.ts), resolving once written. */
  onSessionsChange?: () => Promise<void> | void;
}

const FAILURE_LIMIT = 5;
const FAILURE_WINDOW_MS = 15 * 60_000;

const TOKEN_FAILURE_LIMIT = 10;
/** Past this many failures for one name from anywhere in the window, one attempt at it every few seconds. */
const NAME_SLOWDOWN = { after: 20, windowMs: FAILURE_WINDOW_MS, spacingMs: 3_000, maxKeys: 10_000 };

function nameAtIp(name: string, ip: string): string {
  return `${name}\u0000${ip}`;
}

export class AuthService {
  readonly sessions: SessionStore;
  private readonly users: UserStore;
  private readonly log: Logger;
  private readonly byIp = new FailureLimiter({ limit: FAILURE_LIMIT, windowMs: FAILURE_WINDOW_MS, maxKeys: 10_000 });
  // Per name AND address: guesses from elsewhere must not lock the real user out of their own PC.
  private readonly byNameAndIp = new FailureLimiter({ limit: FAILURE_LIMIT, windowMs: FAILURE_WINDOW_MS, maxKeys: 10_000 });
  // Wrong bearer tokens per address: each guess costs a place in the window, so guessing stays slow.
  private readonly badTokens = new FailureLimiter({ limit: TOKEN_FAILURE_LIMIT, windowMs: FAILURE_WINDOW_MS, maxKeys: 10_000 });
  // Per name from anywhere (rotating addresses): a slowdown, not a lockout, so the real user still gets in.
  private readonly byName = new NameSlowdown(NAME_SLOWDOWN);
  private readonly identities = new WeakMap<FastifyRequest, Identity>();
  private setup: string | undefined;

  constructor(private readonly opts: AuthServiceOptions) {
    this.users = opts.users;
    this.log = opts.log;
    this.sessions = new SessionStore(opts.sessionLimits ?? DEFAULT_SESSION_LIMITS, opts.onSessionsChange);
    // Memory only and new at each start: a leaked token is dead after a restart or after first use.
    this.setup = opts.users.size === 0 ? randomBytes(32).toString('base64url') : undefined;
  }

  get setupToken(): string | undefined {
    return this.users.size === 0 ? this.setup : undefined;
  }

  /** The session has not ended or expired, and its account is still there as it was (not counted as activity). */
  sessionStands(session: Session): boolean {
    const user = this.users.get(session.user);
    return user !== undefined && sameAccount(session.account, user) && this.sessions.alive(session, this.nowMs());
  }

  get setupRequired(): boolean {
    return this.users.size === 0;
  }

  private nowMs(): number {
    return this.opts.now().getTime();
  }

  /** The principal of a request: a bearer token decides when one is sent, else the session cookie. */
  identify(request: FastifyRequest): Identity {
    const known = this.identities.get(request);
    if (known) return known;
    const identity = this.resolve(request);
    this.identities.set(request, identity);
    return identity;
  }

  private resolve(request: FastifyRequest): Identity {
    const header = request.headers.authorization;
    // Only the Bearer scheme counts: a proxy's Basic credentials must not break cookie sign-in.
    if (header && /^\s*bearer\b/i.test(header)) {
      const now = this.nowMs();
      // Checked before the token is: while blocked, even the right token is not tried.
      const from = addressKey(request.ip);
      const wait = this.badTokens.blockedFor(from, now);
      if (wait > 0) return { badBearer: true, bearerWaitMs: wait };
      const presented = /^\s*bearer\s+(\S+)\s*$/i.exec(header)?.[1];
      if (presented && tokenMatches(this.opts.apiToken, presented)) {
        return { principal: { kind: 'token', name: TOKEN_ACTOR, role: 'admin' }, badBearer: false };
      }
      this.badTokens.fail(from, now);
      return { badBearer: true };
    }
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (!id) return { badBearer: false };
    // The page marks what it fetches on its own (timers, live updates): that must not keep an
    // unattended screen signed in forever.
    const session = this.sessions.touch(id, this.nowMs(), request.headers[BACKGROUND_HEADER] !== '1');
    if (!session) return { badBearer: false };
    const user = this.users.get(session.user);
    // The name alone is not the account: a users file set up again has a new one under the same name.
    if (!user || !sameAccount(session.account, user)) {
      this.sessions.end(session);
      return { badBearer: false };
    }
    return { principal: { kind: 'user', name: user.name, role: user.role }, session, badBearer: false };
  }

  async signIn(rawName: string, password: string, ip: string): Promise<{ user: Principal; id: string; session: Session }> {
    const name = normalizeName(rawName);
    const now = this.nowMs();
    const from = addressKey(ip);
    const wait = Math.max(this.byIp.blockedFor(from, now), this.byNameAndIp.blockedFor(nameAtIp(name, from), now), this.byName.waitFor(name, now));
    if (wait > 0) {
      this.log.warn({ user: name, ip }, 'sign-in refused: too many failed attempts');
      throw tooManyFailures(wait);
    }
    // Counted before the slow check, so parallel guesses cannot all slip in under the limit; forgiven on success.
    this.byIp.fail(from, now);
    this.byNameAndIp.fail(nameAtIp(name, from), now);
    this.byName.attempt(name, now);
    const stored = this.users.get(name);
    const ok = await verifyPassword(password, stored?.passwordHash ?? this.opts.dummyHash);
    const user = this.users.get(name);
    if (!ok || !stored || !user || user.passwordHash !== stored.passwordHash) {
      this.log.warn({ user: name, ip, known: stored !== undefined }, 'sign-in failed');
      throw new Refusal(401, MESSAGES.wrongCredentials);
    }
    this.byIp.forgive(from, now);
    this.byNameAndIp.reset(nameAtIp(name, from));
    this.byName.forgive(name, now);
    const { id, session } = this.sessions.create(user.name, user, this.nowMs());
    await this.users.update(user.name, { lastSignInAt: this.opts.now().toISOString() });
    this.log.info({ user: user.name, role: user.role, ip }, 'signed in');
    return { user: { kind: 'user', name: user.name, role: user.role }, id, session };
  }

  /** Resolves once the ended session is off disk too: a crash after the answer must not bring it back. */
  async signOut(session: Session, ip: string): Promise<void> {
    this.sessions.end(session);
    await this.sessions.saved();
    this.log.info({ user: session.user, ip }, 'signed out');
  }

  /** Creates the first admin with the one-time setup token, and signs them in. */
  async createFirstAdmin(token: string, rawName: string, password: string, ip: string): Promise<{ user: Principal; id: string; session: Session }> {
    const check = (): void => {
      if (this.users.size > 0) throw new Refusal(409, 'setup is already done: an administrator exists, sign in with your name and password');
      if (!this.setup || !tokenMatches(this.setup, token)) throw new Refusal(403, 'wrong or used setup token');
    };
    check();
    const name = normalizeName(rawName);
    this.validate(name, password);
    const passwordHash = await hashPassword(password);
    check(); // again: another request may have used the token while this one was hashing
    this.setup = undefined;
    const at = this.opts.now().toISOString();
    const admin = { name, role: 'admin' as const, passwordHash, createdAt: at, passwordChangedAt: at, lastSignInAt: at };
    await this.users.add(admin);
    const { id, session } = this.sessions.create(name, admin, this.nowMs());
    this.log.info({ user: name, ip }, 'first admin created with the setup token, signed in');
    return { user: { kind: 'user', name, role: 'admin' }, id, session };
  }

  /** A signed-in user's own password; their other sessions end. */
  async changeOwnPassword(principal: Principal, session: Session | undefined, current: string, password: string, ip: string): Promise<void> {
    if (principal.kind !== 'user' || !session) throw new Refusal(409, 'the API token has no password to change');
    const name = principal.name;
    const problem = passwordProblem(password, name);
    if (problem) throw new Refusal(400, problem);
    const now = this.nowMs();
    const from = addressKey(ip);
    const wait = Math.max(this.byIp.blockedFor(from, now), this.byNameAndIp.blockedFor(nameAtIp(name, from), now));
    if (wait > 0) throw tooManyFailures(wait);
    const stored = this.users.get(name);
    if (!stored) throw new Refusal(404, `no user "${name}"`);
    this.byIp.fail(from, now);
    this.byNameAndIp.fail(nameAtIp(name, from), now);
    if (!(await verifyPassword(current, stored.passwordHash))) {
      this.log.warn({ user: name, ip }, 'password change refused: wrong current password');
      throw new Refusal(403, 'the current password is wrong');
    }
    this.byIp.forgive(from, now);
    this.byNameAndIp.reset(nameAtIp(name, from));
    const passwordHash = await hashPassword(password);
    if (!this.users.get(name)) throw new Refusal(404, `no user "${name}"`);
    const saved = this.users.update(name, { passwordHash, passwordChangedAt: this.opts.now().toISOString() });
    const ended = this.sessions.endUser(name, session);
    this.renewOwn(session);
    await Promise.all([saved, this.sessions.saved()]);
    this.log.info({ user: name, ip, endedSessions: ended }, 'password changed');
  }

  listUsers(): UserView[] {
    return this.users.list().map(userView);
  }

  async createUser(by: Principal, rawName: string, password: string, role: Role): Promise<UserView> {
    const name = normalizeName(rawName);
    this.validate(name, password);
    const exists = (): void => {
      if (this.users.get(name)) throw new Refusal(409, `user "${name}" exists`);
    };
    exists();
    const passwordHash = await hashPassword(password);
    exists();
    const at = this.opts.now().toISOString();
    const user = { name, role, passwordHash, createdAt: at, passwordChangedAt: at };
    await this.users.add(user);
    this.log.info({ by: by.name, user: name, role }, 'user created');
    return userView(user);
  }

  /** Role and/or password of a user; a new password ends their sessions (except the caller's own). */
  async changeUser(by: Principal, bySession: Session | undefined, rawName: string, change: { role?: Role; password?: string }): Promise<UserView> {
    const name = normalizeName(rawName);
    const checkRole = (): void => {
      const user = this.users.get(name);
      if (!user) throw new Refusal(404, `no user "${name}"`);
      if (change.role === 'staff' && user.role === 'admin' && this.users.admins() <= 1) {
        throw new Refusal(409, `"${name}" is the last admin: make another user admin first`);
      }
    };
    checkRole();
    let passwordHash: string | undefined;
    if (change.password !== undefined) {
      const problem = passwordProblem(change.password, name);
      if (problem) throw new Refusal(400, problem);
      passwordHash = await hashPassword(change.password);
      checkRole();
    }
    const at = this.opts.now().toISOString();
    // The change is in memory at once; sessions end before the write is awaited, so none outlives it.
    const saved = this.users.update(name, {
      ...(change.role ? { role: change.role } : {}),
      ...(passwordHash ? { passwordHash, passwordChangedAt: at } : {}),
    });
    const own = bySession?.user === name ? bySession : undefined;
    const ended = passwordHash ? this.sessions.endUser(name, own) : 0;
    if (passwordHash && own) this.renewOwn(own);
    await Promise.all([saved, this.sessions.saved()]);
    this.log.info({ by: by.name, user: name, role: change.role, password: passwordHash ? 'changed' : undefined, endedSessions: ended }, 'user changed');
    const user = this.users.get(name);
    if (!user) throw new Refusal(404, `no user "${name}"`);
    return userView(user);
  }

  async removeUser(by: Principal, rawName: string): Promise<void> {
    const name = normalizeName(rawName);
    const user = this.users.get(name);
    if (!user) throw new Refusal(404, `no user "${name}"`);
    if (user.role === 'admin' && this.users.admins() <= 1) throw new Refusal(409, `"${name}" is the last admin and cannot be removed`);
    const saved = this.users.remove(name);
    const ended = this.sessions.endUser(name);
    await Promise.all([saved, this.sessions.saved()]);
    this.log.info({ by: by.name, user: name, endedSessions: ended }, 'user removed');
  }

  /** The session that changed its own password goes on, now belonging to the account as changed. */
  private renewOwn(session: Session): void {
    const user = this.users.get(session.user);
    if (user) this.sessions.renew(session, user);
  }

  private validate(name: string, password: string): void {
    const problem = nameProblem(name) ?? passwordProblem(password, name);
    if (problem) throw new Refusal(400, problem);
  }
}
