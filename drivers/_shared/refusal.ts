// Refusals built so that what arrived stays out of the safe `reason` (see Refusal in src/model/driver.ts).

import type { Refusal } from '../../src/model/driver.ts';
import { errorText } from '../../src/model/error-text.ts';

/** A decoder's "no": `reason` safe for the log at warn, `detail` the same with the input quoted. */
export function refused(reason: string, detail?: string): { ok: false } & Refusal {
  return detail === undefined ? { ok: false, reason } : { ok: false, reason, detail };
}

/** A decoder that threw: its message may quote the input (V8's JSON.parse does), so only its name is safe. */
export function internalError(err: unknown, what = 'decoder'): Refusal {
  const name = err instanceof Error ? err.name : typeof err;
  const message = errorText(err);
  return { reason: `internal ${what} error (${name})`, detail: `internal ${what} error: ${message}` };
}
