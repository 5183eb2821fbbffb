import { describe, expect, it } from 'vitest';
import type { BookOrder, DeviceRecord } from '../../../src/orders/book-state.ts';
import { analyzerCodes, dispatchOrder, type DeviceDecision, type OrdersDevice, type SpecimenWork } from '../../../src/orders/dispatch.ts';
import type { OrderEntry } from '../../../src/patients/types.ts';

const NOW = '2026-12-06T09:00:00.000Z';
const GLU = { system: 'LN', code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' };
const CREA = { system: 'LN', code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma' };
const HBA1C = { system: 'LN', code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' };

const chem: OrdersDevice = {
  id: 'chem',
  orders: { mode: 'download', specimenTypes: ['SER', 'PLAS'] },
  capabilities: { query: true, download: true },
  codeMap: { GLU: { loinc: GLU.code }, CREA: { loinc: CREA.code } },
};
const query: OrdersDevice = { id: 'a1c', orders: { mode: 'query', tests: { [HBA1C.code]: 'A1C' } }, capabilities: { query: true, download: true } };

function order(over: Partial<OrderEntry> = {}): OrderEntry {
  return {
    placer: 'PL1',
    filler: 'FL1',
    specimenId: 'SP1',
    specimenType: 'SER',
    mrn: 'MRN1',
    tests: [GLU, CREA],
    status: 'open',
    updatedAt: NOW,
    ...over,
  };
}

function previous(devices: Record<string, Partial<DeviceRecord>>, status: 'open' | 'cancelled' = 'open'): BookOrder {
  return {
    dispatched: 'before',
    status,
    receivedAt: NOW,
    events: [],
    devices: new Map(Object.entries(devices).map(([id, r]) => [id, { state: 'sent', tests: [], given: [], since: NOW, ...r } as DeviceRecord])),
  };
}

function run(o: OrderEntry, prev?: BookOrder, devices: OrdersDevice[] = [chem], siblings?: Map<string, SpecimenWork>): DeviceDecision[] {
  return dispatchOrder({
    order: o,
    patient: { mrn: o.mrn, family: 'Doe', given: 'Jane', dob: '1980-01-02', sex: 'F' },
    previous: prev,
    devices,
    now: NOW,
    ...(siblings ? { siblings } : {}),
  });
}

/** state, queued actions with their codes, reason: one line a table row can name. */
function summary(d: DeviceDecision): string {
  if (d.unchanged) return 'unchanged';
  const q = d.queue.map((w) => `${w.order.action}(${w.order.specimenId} ${w.order.patient.mrn} ${w.order.tests.map((t) => t.code).join('+')})`).join(' ');
  return [d.record.state, q, d.record.reason ?? ''].filter((x) => x !== '').join(' | ');
}

describe('dispatchOrder: what an analyzer gets of an order', () => {
  const rows: Array<[string, OrderEntry, BookOrder | undefined, OrdersDevice[], string]> = [
    ['a new order with two tests it does: new with both', order(), undefined, [chem], 'waiting | new(SP1 MRN1 GLU+CREA)'],
    ['only one of the tests: new with that one', order({ tests: [GLU, HBA1C] }), undefined, [chem], 'waiting | new(SP1 MRN1 GLU)'],
    [
      'none of the tests: not sent, says which',
      order({ tests: [HBA1C] }),
      undefined,
      [chem],
      'not-sent | none of the ordered tests (4548-4) is done by this analyzer',
    ],
    [
      'a specimen type it does not take: not sent, says which it takes',
      order({ specimenType: 'UR' }),
      undefined,
      [chem],
      'not-sent | specimen type UR is not one this analyzer takes (SER, PLAS)',
    ],
    [
      'no specimen ID: not sent',
      order({ specimenId: undefined }),
      undefined,
      [chem],
      'not-sent | the order names no specimen ID (SPM-2 or OBR-20): the analyzer could not match it to a tube',
    ],
    [
      'a test added after it was sent: add with the new one',
      order(),
      previous({ chem: { tests: ['GLU'], given: ['GLU'] } }),
      [chem],
      'waiting | add(SP1 MRN1 CREA)',
    ],
    [
      'a test removed after it was sent: cancel that one',
      order({ tests: [GLU] }),
      previous({ chem: { tests: ['GLU', 'CREA'], given: ['GLU', 'CREA'] } }),
      [chem],
      'waiting | cancel(SP1 MRN1 CREA)',
    ],
    [
      'the order cancelled after it was sent: cancel all it has',
      order({ status: 'cancelled' }),
      previous({ chem: { tests: ['GLU', 'CREA'], given: ['GLU', 'CREA'] } }),
      [chem],
      'cancel-waiting | cancel(SP1 MRN1 GLU+CREA)',
    ],
    [
      'cancelled before it went out: nothing sent, cancelled',
      order({ status: 'cancelled' }),
      previous({ chem: { state: 'waiting', tests: ['GLU', 'CREA'] } }),
      [chem],
      'cancelled',
    ],
    [
      'changed before it went out: one new order with the tests now',
      order({ tests: [GLU] }),
      previous({ chem: { state: 'waiting', tests: ['GLU', 'CREA'] } }),
      [chem],
      'waiting | new(SP1 MRN1 GLU)',
    ],
    ['the same order again (an EHR resend): unchanged', order(), previous({ chem: { tests: ['GLU', 'CREA'], given: ['GLU', 'CREA'] } }), [chem], 'unchanged'],
    [
      'rejected and the same order again: unchanged (stays a dead letter)',
      order(),
      previous({ chem: { state: 'rejected', tests: ['GLU', 'CREA'] } }),
      [chem],
      'unchanged',
    ],
    [
      'a query device: waits for the analyzer to ask',
      order({ tests: [HBA1C] }),
      undefined,
      [query],
      'waiting | waiting for the analyzer to ask for this specimen (host query)',
    ],
    [
      'a query device, order cancelled after it asked: cancelled, nothing to send',
      order({ tests: [HBA1C], status: 'cancelled' }),
      previous({ a1c: { state: 'queried', tests: ['A1C'], given: ['A1C'] } }),
      [query],
      'cancelled',
    ],
  ];
  it.each(rows)('%s', (_name, o, prev, devices, expected) => {
    const [decision] = run(o, prev, devices);
    expect(summary(decision!)).toBe(expected);
  });

  const mapped: OrdersDevice = { id: 't', orders: { mode: 'download', tests: { [GLU.code]: 'GLU' } }, capabilities: { query: false, download: true } };
  const sent = (over: Partial<DeviceRecord> = {}) =>
    previous({ chem: { tests: ['GLU', 'CREA'], given: ['GLU', 'CREA'], givenSpecimen: 'SP1', givenMrn: 'MRN1', ...over } });
  const tube = (given: string[], tests: string[]) => new Map([['chem', { given, tests }]]);
  const more: Array<[string, OrderEntry, BookOrder | undefined, OrdersDevice[], Map<string, SpecimenWork> | undefined, string]> = [
    [
      'an EHR code named like an Object member (constructor): not sent',
      order({ tests: [{ system: 'LN', code: 'constructor' }] }),
      undefined,
      [mapped],
      undefined,
      'not-sent | none of the ordered tests (constructor) is done by this analyzer',
    ],
    [
      'an EHR code __proto__: not sent',
      order({ tests: [{ system: 'LN', code: '__proto__' }] }),
      undefined,
      [mapped],
      undefined,
      'not-sent | none of the ordered tests (__proto__) is done by this analyzer',
    ],
    [
      'a new specimen ID (recollected): cancel on the old tube, new on the new one',
      order({ specimenId: 'SP2' }),
      sent(),
      [chem],
      undefined,
      'waiting | cancel(SP1 MRN1 GLU+CREA) new(SP2 MRN1 GLU+CREA)',
    ],
    [
      'the order moved to another patient: cancel under the old, new under the new',
      order({ mrn: 'MRN2' }),
      sent(),
      [chem],
      undefined,
      'waiting | cancel(SP1 MRN1 GLU+CREA) new(SP1 MRN2 GLU+CREA)',
    ],
    [
      'moved and cancelled at once: only the cancel on the old tube',
      order({ specimenId: 'SP2', status: 'cancelled' }),
      sent(),
      [chem],
      undefined,
      'cancel-waiting | cancel(SP1 MRN1 GLU+CREA)',
    ],
    [
      "given under the order's second specimen ID (a query): not a move",
      order({ specimenIds: ['SP1', 'SP9'] }),
      sent({ givenSpecimen: 'SP9' }),
      [chem],
      undefined,
      'unchanged',
    ],
    ['a second order on a tube the analyzer has: add', order({ tests: [CREA] }), undefined, [chem], tube(['GLU'], ['GLU']), 'waiting | add(SP1 MRN1 CREA)'],
    ['a second order for a test the tube already has: nothing sent again', order({ tests: [GLU] }), undefined, [chem], tube(['GLU'], ['GLU']), 'sent'],
    [
      'one of two orders on a tube cancelled: cancel only its own tests',
      order({ status: 'cancelled' }),
      sent(),
      [chem],
      tube(['GLU'], ['GLU']),
      'cancel-waiting | cancel(SP1 MRN1 CREA)',
    ],
  ];
  it.each(more)('%s', (_name, o, prev, devices, siblings, expected) => {
    const [decision] = run(o, prev, devices, siblings);
    expect(summary(decision!)).toBe(expected);
  });

  it('puts the patient, numbers, specimen type and ordered codes on the work order', () => {
    const [d] = run(order({ priority: 'stat', specimenType: undefined }));
    if (!d || d.unchanged) throw new Error('expected a decision');
    expect(d.queue[0]!.order).toEqual({
      action: 'new',
      specimenId: 'SP1',
      // No type on the order: the device's first.
      specimenType: 'SER',
      placer: 'PL1',
      filler: 'FL1',
      priority: 'stat',
      patient: { mrn: 'MRN1', family: 'Doe', given: 'Jane', birthDate: '1980-01-02', sex: 'F' },
      tests: [
        { code: 'GLU', ordered: GLU },
        { code: 'CREA', ordered: CREA },
      ],
    });
  });

  it('decides per device: one order, two analyzers, each its own tests', () => {
    const decisions = run(order({ tests: [GLU, HBA1C] }), undefined, [chem, query]).map(summary);
    expect(decisions).toEqual(['waiting | new(SP1 MRN1 GLU)', 'waiting | waiting for the analyzer to ask for this specimen (host query)']);
  });
});

describe('analyzerCodes', () => {
  it('takes orders.tests first (one code or several), else the code map in reverse', () => {
    expect(analyzerCodes({ orders: { mode: 'download', tests: { '24320-4': ['GLU', 'NA', 'K'] } } }, { system: 'LN', code: '24320-4' })).toEqual([
      'GLU',
      'NA',
      'K',
    ]);
    expect(
      analyzerCodes(
        {
          orders: { mode: 'download' },
          codeMap: {
            G: [
              { loinc: GLU.code, specimen: ['SER'] },
              { loinc: '2350-7', specimen: ['UR'] },
            ],
          },
        },
        GLU,
      ),
    ).toEqual(['G']);
    expect(analyzerCodes({ orders: { mode: 'download', tests: {} }, codeMap: { G: { loinc: GLU.code } } }, GLU)).toEqual([]);
    for (const code of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(analyzerCodes({ orders: { mode: 'download', tests: { [GLU.code]: 'GLU' } } }, { system: 'LN', code })).toEqual([]);
    }
  });
});
