// Who may decide about a failed QC: review its rejection, or send a result it holds anyway
// (acceptQcFailure). Both need the role `qc.reviewRole` names (admin unless the lab says staff), so a
// held result cannot be let out one at a time by someone who may not review the rejection. Pure.

import type { QcConfigT } from '../model/qc-settings.ts';
import type { QcReviewer } from './qc-api.ts';

const ROLE_RANK = { staff: 0, admin: 1 } as const;

/** Why `who` may not do `what` under these settings (the words a 403 says), or undefined when they may. */
export function qcRoleRefusal(who: QcReviewer, config: QcConfigT | undefined, what: string): string | undefined {
  const needed = config?.reviewRole ?? 'admin';
  if (ROLE_RANK[who.role] >= ROLE_RANK[needed]) return undefined;
  return `${what} needs the ${needed} role (qc.reviewRole); ${who.name} is ${who.role}`;
}
