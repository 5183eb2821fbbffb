// A command line the user got wrong: the CLI prints the message and the usage, and exits 2.
export class UsageError extends Error {}

export function intArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return n;
}
