// The users file, <dataDir>/users.json, written durably. A file that cannot be read is an error naming
// what is wrong: starting with no users would silently re-open first-admin setup to anyone.

import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Logger } from '../../model/logger.ts';
import { DurableDocument } from '../../store/durable-document.ts';
import type { Role, UserView } from '../api-types.ts';
import { nameProblem } from './policy.ts';
import { parsePasswordHash } from './password.ts';

const StoredUser = Type.Object({
  name: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('staff')]),
  passwordHash: Type.String(),
  createdAt: Type.String(),
  passwordChangedAt: Type.Optional(Type.String()),
  lastSignInAt: Type.Optional(Type.String()),
});
const UsersFile = Type.Object({ version: Type.Literal(1), users: Type.Array(StoredUser) });

export type StoredUser = Static<typeof StoredUser>;
type UsersFile = Static<typeof UsersFile>;

/** The users in a parsed file, or the first thing wrong with it (never quoting a hash). */
export function parseUsersFile(data: unknown): StoredUser[] | string {
  if (!Value.Check(UsersFile, data)) {
    const error = Value.Errors(UsersFile, data).First();
    return error ? `${error.path || '/'}: ${error.message}` : 'not a users file';
  }
  const seen = new Set<string>();
  for (const [i, user] of data.users.entries()) {
    const problem = nameProblem(user.name);
    if (problem) return `/users/${i}/name: ${problem}`;
    if (seen.has(user.name)) return `/users/${i}/name: "${user.name}" appears twice`;
    seen.add(user.name);
    const hashProblem = parsePasswordHash(user.passwordHash);
    if (typeof hashProblem === 'string') return `/users/${i}/passwordHash: ${hashProblem}`;
  }
  return data.users;
}

export function userView(user: StoredUser): UserView {
  return { name: user.name, role: user.role, createdAt: user.createdAt, ...(user.lastSignInAt ? { lastSignInAt: user.lastSignInAt } : {}) };
}

export class UserStore {
  private constructor(
    private readonly users: Map<string, StoredUser>,
    private readonly document: DurableDocument<UsersFile>,
  ) {}

  static async open(dataDir: string, log: Logger): Promise<UserStore> {
    const file = join(dataDir, 'users.json');
    const users = new Map<string, StoredUser>();
    const snapshot = (): UsersFile => ({ version: 1, users: [...users.values()] });
    const { document, stored } = await DurableDocument.open<UsersFile>(file, snapshot, { log });
    if (stored !== null) {
      const parsed = parseUsersFile(stored);
      if (typeof parsed === 'string') {
        await document.close().catch(() => undefined);
        throw new Error(
          `${file} is not a valid users file: ${parsed}. medgate will not start without its users (that would re-open first-admin setup); fix the file or restore it from a backup.`,
        );
      }
      for (const user of parsed) users.set(user.name, user);
    }
    return new UserStore(users, document);
  }

  get(name: string): StoredUser | undefined {
    return this.users.get(name);
  }

  list(): StoredUser[] {
    return [...this.users.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get size(): number {
    return this.users.size;
  }

  admins(): number {
    let n = 0;
    for (const user of this.users.values()) if (user.role === 'admin') n++;
    return n;
  }

  /** Synchronous change, then a durable save: checks and changes cannot interleave with another request's. */
  add(user: StoredUser): Promise<void> {
    this.users.set(user.name, user);
    return this.document.save();
  }

  update(name: string, change: { role?: Role; passwordHash?: string; passwordChangedAt?: string; lastSignInAt?: string }): Promise<void> {
    const user = this.users.get(name);
    if (!user) return Promise.resolve();
    this.users.set(name, { ...user, ...change });
    return this.document.save();
  }

  remove(name: string): Promise<void> {
    this.users.delete(name);
    return this.document.save();
  }

  close(): Promise<void> {
    return this.document.close();
  }
}
