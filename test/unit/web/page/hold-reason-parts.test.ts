// A held reading's reason as the Held list shows it: a badge and a text, the word said once.

import { describe, expect, it } from 'vitest';
import { reasonParts } from '../../../../src/web/page/lib/hold-reasons.ts';

describe('reasonParts', () => {
  it('gives "no patient" to the badge instead of repeating it after "patient"', () => {
    const parts = reasonParts({ kind: 'patient', text: 'no patient: the device reported none and is not bound' });
    expect(parts).toEqual({ badge: 'no patient', text: 'the device reported none and is not bound' });
    expect(`${parts.badge} ${parts.text}`).not.toMatch(/patient.*patient/);
  });

  it('keeps the kind as the badge when the text does not start with it', () => {
    expect(reasonParts({ kind: 'value', text: 'weight 640 kg is outside 0.5 to 300 kg' })).toEqual({
      badge: 'value',
      text: 'weight 640 kg is outside 0.5 to 300 kg',
    });
    expect(reasonParts({ kind: 'delivery', text: 'EHR: rejected: AE' })).toEqual({ badge: 'not sent', text: 'EHR: rejected: AE' });
  });

  it('shows a failed-QC hold with the badge "qc failed" and the rest as its text', () => {
    expect(reasonParts({ kind: 'qc', text: 'qc failed: GLU on lot QC-1 (1-3s) not reviewed' })).toEqual({
      badge: 'qc failed',
      text: 'GLU on lot QC-1 (1-3s) not reviewed',
    });
  });
});
