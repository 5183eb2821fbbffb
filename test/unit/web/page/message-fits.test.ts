// Which message events the Messages table takes in while its filters and search are set: a row of
// a name search must not vanish at its next state change.

import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../../../src/web/api-types.ts';
import { messageFits } from '../../../../src/web/page/lib/message-fits.ts';

const message: MessageView = {
  id: 'R1-ehr',
  controlId: 'R1-ehr',
  readingId: 'R1',
  destinationId: 'ehr',
  state: 'sending',
  attempts: 1,
  createdAt: '2026-01-05T10:00:00.000Z',
  seq: 7,
  deviceId: 'scale-1',
  patient: { mrn: 'MRN7', family: 'Nakamura', given: 'Kim' },
} as MessageView;

const none = { q: '', device: '', patient: '', state: '' };

describe('messageFits', () => {
  it('keeps a message found by words of its patient name, as the server found it', () => {
    expect(messageFits(message, 'ehr', { ...none, q: 'nakamura kim' })).toBe(true);
    expect(messageFits(message, 'ehr', { ...none, q: 'Nakamura, K' })).toBe(true);
    expect(messageFits(message, 'ehr', { ...none, q: 'okafor' })).toBe(false);
  });

  it('keeps ids and MRN exact, and the other filters as they were', () => {
    for (const q of ['R1-ehr', 'R1', 'MRN7']) expect(messageFits(message, 'other', { ...none, q })).toBe(true);
    expect(messageFits(message, 'other', none)).toBe(false);
    expect(messageFits(message, 'ehr', { ...none, state: 'delivered' })).toBe(false);
    expect(messageFits(message, 'ehr', { ...none, device: 'scale-2' })).toBe(false);
    expect(messageFits(message, '*', { ...none, patient: 'MRN7' })).toBe(true);
  });
});
