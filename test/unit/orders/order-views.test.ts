// Where an order stands as a whole, and the state filter and its counts going by that (issue 15
// exploratory test: per-analyzer states made "Waiting" and "Not sent" match nearly every order).

import { describe, expect, it } from 'vitest';
import type { OrderDeviceState, OrderDeviceView, OrderView } from '../../../src/orders/order-view.ts';
import { orderState, ordersPage, testsNoAnalyzerDoes } from '../../../src/orders/order-views.ts';

const line = (device: string, state: OrderDeviceState, over: Partial<OrderDeviceView> = {}): OrderDeviceView => ({
  device,
  state,
  tests: [],
  since: '2026-12-06T09:00:00.000Z',
  ...over,
});

function order(key: string, devices: OrderDeviceView[], over: Partial<OrderView> = {}): OrderView {
  return {
    key,
    placer: key,
    specimenIds: [`S-${key}`],
    tests: [],
    status: 'open',
    mrn: 'M1',
    receivedAt: `2026-12-06T09:00:0${key.length}.000Z`,
    updatedAt: '2026-12-06T09:00:09.000Z',
    devices,
    events: [],
    state: orderState(devices),
    ...over,
  };
}

describe('orderState: one state per order', () => {
  it.each<[string, OrderDeviceView[], OrderDeviceState]>([
    ['a refusal first of all', [line('a', 'resulted'), line('b', 'rejected'), line('c', 'waiting')], 'rejected'],
    ['a download waiting before work under way', [line('a', 'sent'), line('b', 'waiting', { viaQuery: false })], 'waiting'],
    ['a cancellation waiting', [line('a', 'cancel-waiting'), line('b', 'cancelled')], 'cancel-waiting'],
    ['sent before queried before resulted', [line('a', 'resulted'), line('b', 'queried'), line('c', 'sent')], 'sent'],
    [
      'resulted by the analyzer that ran it, not waiting for a query analyzer that may never ask',
      [line('a', 'resulted'), line('q', 'waiting', { viaQuery: true })],
      'resulted',
    ],
    ['waiting for a query analyzer while no analyzer has it', [line('q', 'waiting', { viaQuery: true }), line('b', 'not-sent')], 'waiting'],
    ['resulted, not "not sent" for the analyzers it was never for', [line('a', 'resulted'), line('b', 'not-sent'), line('c', 'not-sent')], 'resulted'],
    ['resulted here, cancelled there', [line('a', 'resulted'), line('b', 'cancelled')], 'resulted'],
    ['cancelled', [line('a', 'cancelled'), line('b', 'not-sent')], 'cancelled'],
    ['no analyzer took it', [line('a', 'not-sent')], 'not-sent'],
    ['no analyzer at all', [], 'not-sent'],
  ])('%s', (_name, devices, expected) => {
    expect(orderState(devices)).toBe(expected);
  });
});

describe('ordersPage: the filter and counts go by the order as a whole', () => {
  const views = [
    order('o1', [line('astm-1', 'resulted'), line('astm-q2', 'waiting', { viaQuery: true }), line('a1c', 'not-sent')]),
    order('o2', [line('astm-1', 'waiting'), line('a1c', 'not-sent')]),
    order('o3', [line('astm-1', 'not-sent'), line('a1c', 'rejected')], { mrn: 'M2' }),
    order('o44', [line('astm-1', 'sent', { unresulted: true }), line('a1c', 'not-sent')], { mrn: 'M2' }),
  ];

  it('counts each order once, by its own state', () => {
    const page = ordersPage(views, {});
    expect(page.counts).toEqual({ resulted: 1, waiting: 1, rejected: 1, sent: 1, unresulted: 1 });
    expect(ordersPage(views, { state: 'waiting' }).orders.map((o) => o.key)).toEqual(['o2']);
    expect(ordersPage(views, { state: 'not-sent' }).orders).toEqual([]);
    expect(ordersPage(views, { state: 'unresulted' }).orders.map((o) => o.key)).toEqual(['o44']);
  });

  it("counts follow the search and the device filter; with a device, by that analyzer's state", () => {
    expect(ordersPage(views, { q: 'M2' }).counts).toEqual({ rejected: 1, sent: 1, unresulted: 1 });
    const a1c = ordersPage(views, { device: 'a1c' });
    expect(a1c.counts).toEqual({ 'not-sent': 3, rejected: 1 });
    expect(ordersPage(views, { device: 'astm-q2', state: 'waiting' }).orders.map((o) => o.key)).toEqual(['o1']);
    expect(ordersPage(views, { device: 'astm-q2' }).counts).toEqual({ waiting: 1 });
    expect(ordersPage(views, { device: 'astm-q2', q: 'M2' }).total).toBe(0);
    // "All orders (n)" beside them: the orders the device filter and search leave, in any state.
    expect(ordersPage(views, { device: 'astm-q2', state: 'rejected' }).all).toBe(1);
    expect(ordersPage(views, { q: 'M2', state: 'waiting' }).all).toBe(2);
  });
});

describe('testsNoAnalyzerDoes', () => {
  const uro = { orders: { mode: 'download' as const, specimenTypes: ['UR'] }, codeMap: { PRO: { loinc: '20454-5' } } };
  const a1c = { orders: { mode: 'both' as const, specimenTypes: ['WB'], tests: { '4548-4': 'HBA1C' } } };
  it('names an ordered test no analyzer does on the specimen type', () => {
    const tests = [
      { system: 'LN', code: '20454-5' },
      { system: 'LN', code: '4548-4', display: 'HbA1c' },
    ];
    expect(testsNoAnalyzerDoes({ tests, specimenType: 'ur' }, [uro, a1c])).toEqual([
      { code: '4548-4', display: 'HbA1c', reason: 'no analyzer does this test on ur' },
    ]);
    expect(testsNoAnalyzerDoes({ tests, specimenType: 'WB' }, [uro, a1c])).toEqual([{ code: '20454-5', reason: 'no analyzer does this test on WB' }]);
    expect(testsNoAnalyzerDoes({ tests }, [uro, a1c])).toEqual([]);
    // No analyzer takes orders at all: nothing to say about any one test.
    expect(testsNoAnalyzerDoes({ tests, specimenType: 'UR' }, [])).toEqual([]);
  });
});
