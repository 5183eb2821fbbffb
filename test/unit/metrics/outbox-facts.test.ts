import { describe, expect, it } from 'vitest';
import { outboxFacts } from '../../../src/metrics/outbox-facts.ts';
import type { MessageState, OutboxMessage } from '../../../src/store/types.ts';

let seq = 0;
function message(destinationId: string, state: MessageState, createdAt: string): OutboxMessage {
  seq++;
  return { id: `m${seq}`, destinationId, readingId: `r${seq}`, seq, controlId: `m${seq}`, body: '', state, attempts: 0, createdAt };
}

describe('outboxFacts', () => {
  it('counts each destination line and its dead letters in one pass, with the oldest waiting message', () => {
    const facts = outboxFacts(
      [
        message('ehr', 'delivered', '2024-01-01T00:00:00.000Z'),
        message('ehr', 'queued', '2024-01-01T10:00:02.000Z'),
        message('ehr', 'retry_wait', '2024-01-01T10:00:01.000Z'),
        message('ehr', 'sending', '2024-01-01T10:00:03.000Z'),
        message('ehr', 'dead', '2023-12-31T00:00:00.000Z'),
        message('uplink', 'dead', '2024-01-01T09:00:00.000Z'),
      ],
      ['ehr', 'uplink', 'idle'],
    );
    expect(Object.fromEntries(facts)).toEqual({
      ehr: { queued: 3, dead: 1, oldestQueuedAt: Date.parse('2024-01-01T10:00:01.000Z') },
      uplink: { queued: 0, dead: 1 },
      idle: { queued: 0, dead: 0 },
    });
  });

  it('lists a destination a message names even when it is not configured', () => {
    const facts = outboxFacts([message('gone', 'queued', '2024-01-01T00:00:00.000Z')], []);
    expect(facts.get('gone')).toEqual({ queued: 1, dead: 0, oldestQueuedAt: Date.parse('2024-01-01T00:00:00.000Z') });
  });
});
