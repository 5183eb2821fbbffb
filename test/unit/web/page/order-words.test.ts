import { describe, expect, it } from 'vitest';
import type { OrderDeviceView, OrderEventView } from '../../../../src/orders/order-view.ts';
import {
  deviceStateSentence,
  eventSentence,
  givenWords,
  heldWords,
  nextTryWords,
  notSentSummary,
  orderWarnings,
  refusalWords,
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

  it('with an analyzer filtered by, says "not sent" of that analyzer, not of every one', () => {
    expect(stateChoices({ 'not-sent': 2 }, 5).find((c) => c.value === 'not-sent')?.label).toBe('Not sent to any analyzer (2)');
    expect(stateChoices({ 'not-sent': 2 }, 5, true).find((c) => c.value === 'not-sent')?.label).toBe('Not sent to this analyzer (2)');
    expect(ordersEmptyText({ device: 'chem', state: 'not-sent', q: '' })).toBe(
      'No orders in the state \u201cNot sent to this analyzer\u201d for this analyzer.',
    );
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

describe('order words: what an order warns of, and lines folded in the list', () => {
  it('warns of a patient not in the directory and of tests no analyzer does, not on a cancelled order', () => {
    const o = {
      mrn: 'NOPE9',
      status: 'open' as const,
      patientNotInDirectory: true,
      notDone: [
        { code: '4548-4', display: 'HbA1c', reason: 'no analyzer does this test on UR' },
        { code: 'X1', reason: 'no analyzer does this test' },
      ],
    };
    expect(orderWarnings(o)).toEqual([
      'Patient NOPE9 is not in the directory (no ADT yet): results will be held until the EHR sends the patient.',
      '4548-4 HbA1c: no analyzer does this test on UR',
      'X1: no analyzer does this test',
    ]);
    expect(orderWarnings({ mrn: 'M1', status: 'open' })).toEqual([]);
    expect(orderWarnings({ mrn: 'M1', status: 'open', specimenConflict: 'TUBE7' })).toEqual([
      'Specimen TUBE7 is also ordered for another patient: nothing goes to an analyzer and its results are held until the EHR corrects the orders.',
    ]);
    expect(orderWarnings({ ...o, status: 'cancelled' })).toEqual([]);
  });

  it('says a held result and why, and gives the tests in the tense of where the order stands', () => {
    expect(heldWords(device({ held: [{ reading: 'R1', reason: "unknown patient ID: the order's patient is not in the directory" }] }))).toEqual([
      "result held: unknown patient ID: the order's patient is not in the directory",
    ]);
    expect(heldWords(device({}))).toEqual([]);
    expect(givenWords(device({ state: 'waiting', tests: ['PRO', 'PH'] }))).toBe('Will be given as PRO, PH');
    expect(givenWords(device({ state: 'not-sent' }))).toBe('Would be given as GLU');
    expect(givenWords(device({ state: 'queried' }))).toBe('Given as GLU');
    expect(givenWords(device({ state: 'cancelled', tests: [] }))).toBe('');
  });

  it('folds the analyzers an order is not for into one line, unless no analyzer takes it', () => {
    const not = (id: string) => device({ device: id, state: 'not-sent', reason: 'specimen type UR is not one this analyzer takes (SER)' });
    expect(notSentSummary([device({}), not('chem-1'), not('a1c')], labels)).toBe(
      'Not for Chemistry, a1c: not their specimen type or tests (details in the order)',
    );
    expect(notSentSummary([device({})], labels)).toBeUndefined();
    expect(notSentSummary([not('chem-1'), not('a1c')], labels)).toBeUndefined();
  });

  it('tells a held result, and a technician changing an analyzer, never as a change by the EHR', () => {
    const e = (over: Partial<OrderEventView>): OrderEventView => ({ at: at(0), what: 'received', ...over });
    expect(eventSentence(e({ what: 'device-changed', device: 'chem-1', detail: 'set up to take orders' }), labels)).toBe(
      'Settings changed by a technician for Chemistry: set up to take orders',
    );
    expect(eventSentence(e({ what: 'held', device: 'chem-1', detail: 'reading R1: no patient' }), labels)).toBe(
      'Result held from Chemistry: reading R1: no patient',
    );
  });

  it("says what an analyzer's HL7 error code means (table 0357), and leaves other words alone", () => {
    expect(deviceStateSentence(device({ state: 'rejected', reason: 'analyzer answered AR (error 207): HBA1C reagent not calibrated' }), NOW, labels)).toBe(
      'Rejected by Chemistry: analyzer answered AR (error 207: application internal error): HBA1C reagent not calibrated',
    );
    expect(refusalWords('analyzer answered AE (error 999): odd')).toBe('analyzer answered AE (error 999): odd');
    expect(refusalWords('NAK 6 times')).toBe('NAK 6 times');
  });
});
