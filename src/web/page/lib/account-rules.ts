// The server's rules for user names and passwords, checked before sending so the form can say
// what to fix at once; the server checks again.

import type { ConfigProblem } from '../../api-types.ts';

export const NAME_RULE = /^[a-z0-9][a-z0-9._-]{1,31}$/;
export const MIN_PASSWORD = 10;

export function nameProblem(name: string, path = 'name'): ConfigProblem | undefined {
  if (name === '') return { path, message: 'enter a name' };
  if (!NAME_RULE.test(name)) {
    return { path, message: 'use 2 to 32 lowercase letters, digits, dot, dash or underscore, starting with a letter or digit' };
  }
  return undefined;
}

export function passwordProblem(password: string, path = 'password'): ConfigProblem | undefined {
  if (password.length < MIN_PASSWORD) return { path, message: `use at least ${MIN_PASSWORD} characters (${password.length} so far)` };
  return undefined;
}

export function repeatProblem(password: string, repeat: string, path = 'repeat'): ConfigProblem | undefined {
  return password === repeat ? undefined : { path, message: 'the two passwords differ: type the same password twice' };
}
