// What a user name and a password must look like; each check returns a reason or undefined.

import { TOKEN_ACTOR } from './types.ts';

export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,31}$/;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

/** Names are case-insensitive: stored and compared in lowercase. */
export function normalizeName(name: string): string {
  return name.trim().toLowerCase();
}

export function nameProblem(name: string): string | undefined {
  if (!NAME_PATTERN.test(name)) {
    return 'user name must be 2 to 32 characters: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit';
  }
  if (name === TOKEN_ACTOR) return `user name "${TOKEN_ACTOR}" is reserved for the API token`;
  return undefined;
}

export function passwordProblem(password: string, name: string): string | undefined {
  if ([...password].length < PASSWORD_MIN) return `password must have at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `password must have at most ${PASSWORD_MAX} characters`;
  if (password.trim().toLowerCase() === name) return 'password must not be the user name';
  return undefined;
}
