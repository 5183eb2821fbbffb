// What the Test link dialog says about a running device, before the test and with its answer.

import { describe, expect, it } from 'vitest';
import type { DeviceView, LinkTestResult } from '../../../../src/web/api-types.ts';
import { heldLinkWarning, holderBound, runningWarning, takenNote } from '../../../../src/web/page/lib/link-test-warning.ts';

const NOW = new Date('2026-03-01T08:00:00Z');
const DANA = { mrn: 'DEMO1001', family: 'Demo', given: 'Dana' };
const view = (over: Partial<DeviceView>) => ({ id: 'scale-1', enabled: true, ...over }) as DeviceView;
const result = (over: Partial<LinkTestResult>): LinkTestResult => ({ opened: true, chunks: [], bytes: 18, truncated: false, ...over });

describe('the running-device warning of Test link', () => {
  it('says a running device takes what it sends as readings, and names the bound patient', () => {
    expect(runningWarning(view({}), NOW)).toBe('This device is running: whatever it sends during the test is also taken as readings.');
    expect(runningWarning(view({ binding: { patient: DANA, createdAt: '2026-03-01T07:00:00Z' } }), NOW)).toBe(
      'This device is running: whatever it sends during the test is also taken as readings, and charted to Demo, Dana (MRN DEMO1001): unbind first if you will send test readings.',
    );
  });

  it('says nothing for a new link or a disabled device, and no patient once the binding has ended', () => {
    expect(runningWarning(undefined, NOW)).toBeUndefined();
    expect(runningWarning(view({ enabled: false }), NOW)).toBeUndefined();
    const ended = { patient: DANA, createdAt: '2026-03-01T07:00:00Z', until: '2026-03-01T07:30:00Z' };
    expect(runningWarning(view({ binding: ended }), NOW)).not.toContain('charted');
  });

  it('names another device that runs on the tested link, and asks first only while it is bound', () => {
    const bound = view({ label: 'Scale, room 1', binding: { patient: DANA, createdAt: '2026-03-01T07:00:00Z' } });
    expect(heldLinkWarning(bound, undefined, NOW)).toBe(
      'Scale, room 1 is running on this link: whatever arrives during the test is also taken as its readings, and charted to Demo, Dana (MRN DEMO1001): unbind it first if you will send test readings.',
    );
    expect(heldLinkWarning(bound, 'scale-1', NOW)).toBe(runningWarning(bound, NOW));
    expect(holderBound(bound, NOW)).toBe(true);
    expect(holderBound(view({}), NOW)).toBe(false);
    expect(holderBound(undefined, NOW)).toBe(false);
    expect(heldLinkWarning(undefined, undefined, NOW)).toBeUndefined();
  });

  it("says with the answer where a running device's bytes went", () => {
    expect(takenNote(result({ running: false }))).toBeUndefined();
    expect(takenNote(result({ running: true, runningDevice: { id: 'scale-1' }, bytes: 0 }))).toBeUndefined();
    expect(takenNote(result({ running: true, runningDevice: { id: 'scale-1', label: 'Scale, room 1' } }))).toBe(
      'Scale, room 1 is running: what arrived was also taken as its readings.',
    );
    expect(takenNote(result({ running: true, runningDevice: { id: 'scale-1' }, boundTo: DANA }))).toBe(
      "scale-1 is running: what arrived was also taken as its readings, charted to Demo, Dana (MRN DEMO1001). Check that patient's readings for test values.",
    );
  });
});
