import { describe, expect, it } from 'vitest';
import type { OrderDeviceView, OrderEventView } from '../../../../src/orders/order-view.ts';
import {
  deviceStateSentence,
  eventSentence,
  nextTryWords,
  orderNumbers,
  ordersEmptyText,
  stateChoices,
  moreOrders,
  ordersShownText,
  unresultedWords,
} from '../../../../src/web/page/lib/order-words.ts';
import { formatTime } from '../../../../src/web/page/lib/reading-format.ts';

const NOW = Date.parse('2026-12-06T08:00:00Z');
const MIN = 60_000;
const at = (ms: number) => new Date(NOW + ms).toISOString();
const labels = new Map([['chem-1', 'Chemistry']]);
const device = (over: Partial<OrderDeviceView>): OrderDeviceView => ({ device: 'chem-1', state: 'sent', tests: ['GLU'], since: at(-5 * MIN), ...over });

describe('order words', () => {
  it('says where an order stands with an analyzer, by its label', () => {
    const time = formatTime(at(-5 * MIN), new Date(NOW));
    expect(deviceStateSentence(device({ state: 'sent' }), NOW, labels)).toBe(`Sent to Chemistry ${time}`);
    expect(deviceStateSentence(device({ state: 'queried', deviceLabel: 'Cobas c111' }), NOW, labels)).toBe(`Queried by Cobas c111 ${time}`);
    expect(deviceStateSentence(device({ state: 'resulted' }), NOW)).toBe(`Resulted by chem-1 ${time}`);
    expect(deviceStateSentence(device({ state: 'rejected', reason: 'unknown test GLU' }), NOW, labels)).toBe('Rejected by Chemistry: unknown test GLU');
    expect(deviceStateSentence(device({ state: 'not-sent', reason: 'none of the ordered tests (2345-7) is done by this analyzer' }), NOW, labels)).toBe(
      'Not sent to Chemistry: none of the ordered tests (2345-7) is done by this analyzer',
    );
  });

  it('tells a waiting download the analyzer and when the next try is, as the clock moves', () => {
    const waiting = device({ state: 'waiting', reason: 'analyzer not connected', nextAttemptAt: at(2 * MIN) });
    expect(deviceStateSentence(waiting, NOW, labels)).toBe('Waiting for Chemistry: analyzer not connected, next try in 2 min');
    expect(deviceStateSentence(waiting, NOW + 110_000, labels)).toBe('Waiting for Chemistry: analyzer not connected, next try now');
    expect(deviceStateSentence(device({ state: 'waiting' }), NOW, labels)).toBe('Waiting for Chemistry: not sent yet');
    expect([nextTryWords(at(45_000), NOW), nextTryWords(at(10 * MIN), NOW), nextTryWords(undefined, NOW)]).toEqual([
      'next try in less than a minute',
      'next try in 10 min',
      '',
    ]);
  });

  it('says how long an overdue order has gone without a result, only when the server says it is overdue', () => {
    expect(unresultedWords(device({ since: at(-26 * 60 * MIN), unresulted: true }), NOW)).toBe('No result after 1 d 2 h');
    expect(unresultedWords(device({ since: at(-26 * 60 * MIN) }), NOW)).toBeUndefined();
    // Counted from the last send or query, as the server counts (an add download moves it, not `since`).
    expect(unresultedWords(device({ since: at(-26 * 60 * MIN), sentAt: at(-3 * 60 * MIN), unresulted: true }), NOW)).toBe('No result after 3 h');
  });

  it('offers every state with its count, unresulted included', () => {
    const choices = stateChoices({ waiting: 2, rejected: 1, unresulted: 3 }, 9);
    expect(choices[0]).toEqual({ value: '', label: 'All orders (9)' });
    expect(choices.map((c) => c.value)).toEqual([
      '',
      'waiting',
      'sent',
      'queried',
      'resulted',
      'not-sent',
      'cancel-waiting',
      'cancelled',
      'unresulted',
      'rejected',
    ]);
    expect(choices.find((c) => c.value === 'sent')?.label).toBe('Sent (0)');
    expect(choices.find((c) => c.value === 'unresulted')?.label).toBe('No result yet (overdue) (3)');
    expect(stateChoices(undefined)[1]).toEqual({ value: 'waiting', label: 'Waiting' });
  });

  it("tells the order's story in a person's words", () => {
    const e = (over: Partial<OrderEventView>): OrderEventView => ({ at: at(0), what: 'received', ...over });
    expect(eventSentence(e({}), labels)).toBe('Received from the EHR');
    expect(eventSentence(e({ what: 'sent', device: 'chem-1' }), labels)).toBe('Sent to Chemistry');
    expect(eventSentence(e({ what: 'retry', device: 'chem-1', detail: 'not connected' }), labels)).toBe('Not taken now by Chemistry: not connected');
    expect(eventSentence(e({ what: 'cancelled' }), labels)).toBe('Cancelled');
    expect(eventSentence(e({ what: 'cancelled', device: 'chem-1' }), labels)).toBe('Cancelled for Chemistry');
    expect(eventSentence(e({ what: 'answered-none', device: 'x' }), labels)).toBe('Answered "no order" to x');
  });

  it('names the order numbers and says why a list is empty', () => {
    expect(orderNumbers({ placer: 'P1', filler: 'F1' })).toBe('Placer P1 \u00b7 filler F1');
    expect(orderNumbers({})).toBe('\u2013');
    expect(ordersEmptyText({ device: '', state: '', q: '' })).toMatch(/^No orders yet/);
    expect(ordersEmptyText({ device: 'chem-1', state: 'rejected', q: '' })).toBe(
      'No orders in the state \u201cRejected by the analyzer\u201d for this analyzer.',
    );
    expect(ordersEmptyText({ device: '', state: '', q: 'S1' })).toMatch(/^No order found for \u201cS1\u201d: .* matched exactly\.$/);
  });
});

describe('Show more', () => {
  it('grows the list by a page up to what the API lists at once (1000), then offers no more and says how to find older ones', () => {
    expect(moreOrders(100, 100)).toBe(200);
    expect(moreOrders(950, 100)).toBe(1000);
    expect(moreOrders(1000, 100)).toBeUndefined();
    expect(ordersShownText(200, 4000, 200)).toBe('200 of 4000 orders shown, newest first.');
    expect(ordersShownText(1000, 4000, 1000)).toBe('1000 of 4000 orders shown, newest first. Search or filter to find older ones.');
    expect(ordersShownText(1, 1, 1000)).toBe('1 of 1 order shown, newest first.');
  });
});
