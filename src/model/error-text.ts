// The one way this code turns a caught value into text for a person (a toast, an API answer, a hold
// reason). Logs do not need it: they take the Error itself under `err` and pino's serializer
// (src/logging.ts) writes it, with its causes.

/**
 * What went wrong, as text: an Error's message, or its code or name when the message is empty (Node's
 * connect to a name with two addresses throws an AggregateError without one); anything else as
 * String() gives it.
 */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.message !== '') return err.message;
  const code = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : err.name;
}
