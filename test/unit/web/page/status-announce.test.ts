// The status strip's live region tells what changed, never what was wrong before the page opened:
// watchStatus calls at once with no status yet, and that must not count as "no problems".

import { describe, expect, it } from 'vitest';
import type { Problem } from '../../../../src/web/api-types.ts';
import { type AnnounceState, nextAnnouncement } from '../../../../src/web/page/lib/status-announce.ts';

const problem = (text: string): Problem => ({ kind: 'device-link-down', severity: 'failing', text, device: text });
const seen = (answered: boolean, problems: Problem[], down = false) => ({ answered, down, problems, keys: problems.map((p) => p.text) });
const sentence = (p: Problem) => p.text;

function run(steps: ReturnType<typeof seen>[]): (string | undefined)[] {
  let state: AnnounceState = { known: undefined, wasDown: false };
  return steps.map((s) => {
    const next = nextAnnouncement(state, s, sentence);
    state = next;
    return next.words;
  });
}

describe('status announcements', () => {
  it('does not announce the problems already there when the page opened', () => {
    const a = problem('Scale: not connected');
    const b = problem('ehr: unreachable');
    // No status yet (watchStatus's first call), then the first answer, then the same again.
    expect(run([seen(false, []), seen(true, [a, b]), seen(true, [a, b])])).toEqual([undefined, undefined, undefined]);
  });

  it('announces a problem that comes later, and when all are gone', () => {
    const a = problem('Scale: not connected');
    const b = problem('ehr: unreachable');
    expect(run([seen(false, []), seen(true, [a]), seen(true, [a, b]), seen(true, [])])).toEqual([
      undefined,
      undefined,
      'New problem: ehr: unreachable.',
      'No problems now.',
    ]);
  });

  it('says when the gateway stops and starts answering', () => {
    const a = problem('Scale: not connected');
    expect(run([seen(true, []), seen(true, [], true), seen(true, [a])])).toEqual([
      undefined,
      'The gateway does not answer.',
      'New problem: Scale: not connected.',
    ]);
  });
});
