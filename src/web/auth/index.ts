// Sign-in for the web API: createAuth() builds it; the server registers routes() and guard() in its /api scope.

import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../../model/logger.ts';
import { AuthService } from './auth-service.ts';
import { installGuard } from './guard.ts';
import { hashPassword } from './password.ts';
import { registerAuthRoutes } from './routes.ts';
import { openSessionFile, type SessionFile } from './session-file.ts';
import type { SessionLimits } from './sessions.ts';
import { UserStore } from './user-store.ts';

export type { Access, Principal } from './types.ts';
export { TOKEN_ACTOR } from './types.ts';
export { SESSION_COOKIE } from './cookie.ts';
export { hashPassword, verifyPassword } from './password.ts';

export interface AuthOptions {
  dataDir: string;
  apiToken: string;
  log: Logger;
  now?: () => Date;
  /** Tests shorten these; the defaults are 60 min idle, 12 h absolute. */
  sessionLimits?: SessionLimits;
}

export interface Auth {
  /** Registers /session, /session/password, /setup and /users under the current scope (the '/api' prefix scope). */
  routes(scope: FastifyInstance, ctx: { demo: boolean; tlsFingerprint?: string }): Promise<void>;
  /** onRequest hook for the /api scope: identifies the principal, enforces the route's `config.access` and CSRF. */
  guard(scope: FastifyInstance): void;
  /**
   * Whether the caller of a long request (an event stream) may still see its answer: the session has
   * not ended or expired and the user still exists. Not counted as activity, so an open page alone does
   * not keep a session alive.
   */
  stillSignedIn(request: FastifyRequest): boolean;
  /** The one-time setup token while no user exists; undefined once one does. */
  readonly setupToken: string | undefined;
  close(): Promise<void>;
}

export async function createAuth(opts: AuthOptions): Promise<Auth> {
  await mkdir(opts.dataDir, { recursive: true });
  const log = opts.log;
  const users = await UserStore.open(opts.dataDir, log);
  let dummyHash: string;
  try {
    dummyHash = await hashPassword(randomBytes(24).toString('base64'));
  } catch (err) {
    await users.close();
    throw err;
  }
  const now = opts.now ?? (() => new Date());
  let sessionFile: SessionFile | undefined;
  const service = new AuthService({
    users,
    apiToken: opts.apiToken,
    log,
    now,
    dummyHash,
    ...(opts.sessionLimits ? { sessionLimits: opts.sessionLimits } : {}),
    onSessionsChange: () => sessionFile?.save(),
  });
  try {
    sessionFile = await openSessionFile(opts.dataDir, () => service.sessions.stored(), log);
  } catch (err) {
    await users.close();
    throw err;
  }
  service.sessions.load(sessionFile.sessions, now().getTime(), (name) => users.get(name));
  await service.sessions.saved(); // sessions dropped at start leave the file before anyone is answered
  const openFile = sessionFile;
  if (service.setupRequired) log.warn({ file: `${opts.dataDir}/users.json` }, 'no users yet: create the first admin on the web page with the setup token');
  return {
    async routes(scope, ctx) {
      registerAuthRoutes(scope, service, ctx);
    },
    guard(scope) {
      installGuard(scope, service);
    },
    stillSignedIn(request) {
      const { principal, session } = service.identify(request);
      if (!principal) return false;
      if (!session) return true; // the bearer token: valid for as long as the process runs
      return service.sessionStands(session);
    },
    get setupToken() {
      return service.setupToken;
    },
    async close() {
      // Written before they are forgotten: the next start picks them up.
      await openFile.close().catch((err: unknown) => log.warn({ err }, 'the sessions file could not be written at shutdown'));
      service.sessions.clear();
      await users.close();
    },
  };
}
