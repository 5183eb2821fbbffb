// Live's book of message states stays bounded however long the page is open: the readings shown
// and the latest others, never a state of a shown reading dropped.

import { describe, expect, it } from 'vitest';
import { messageStateBook } from '../../../../src/web/page/lib/message-states.ts';

describe('messageStateBook', () => {
  it('keeps the shown readings and the latest others, forgetting the oldest others', () => {
    const shown = new Set(['R0', 'R1', 'R2']);
    const book = messageStateBook((id) => shown.has(id), 50);
    for (const id of shown) book.set(id, new Map([[`${id}-ehr`, 'queued']]));
    // A shift of messages the list does not show.
    for (let i = 3; i < 10_000; i++) {
      book.note(`R${i}`, `R${i}-ehr`, 'sending');
      book.note(`R${i}`, `R${i}-ehr`, 'delivered');
    }
    expect(book.size).toBeLessThanOrEqual(3 + 50 + 10);
    for (const id of shown) expect(book.get(id)).toEqual(new Map([[`${id}-ehr`, 'queued']]));
    expect(book.get('R9999')).toEqual(new Map([['R9999-ehr', 'delivered']]));
    expect(book.get('R9950')).toBeDefined();
    expect(book.get('R100')).toBeUndefined();
  });

  it('forgets a reading no longer shown once enough others came after it', () => {
    const shown = new Set(['A']);
    const book = messageStateBook((id) => shown.has(id), 10);
    book.set('A', new Map([['A-ehr', 'queued']]));
    shown.delete('A');
    for (let i = 0; i < 30; i++) book.note(`R${i}`, `R${i}-ehr`, 'queued');
    expect(book.get('A')).toBeUndefined();
  });
});
