// A query or download analyzer's results find their patient by their order: a specimen nobody
// ordered is held ("no order"), even when the analyzer prints a patient ID the directory knows.

import { describe, expect, it } from 'vitest';
import { devicePatientSettings } from '../../../src/orders/device-patient.ts';
import type { Reading } from '../../../src/model/reading.ts';
import { defaultPolicy, resolvePatient } from '../../../src/pipeline/patient.ts';
import type { DirectoryEntry, OrderEntry, PatientDirectory } from '../../../src/patients/types.ts';

const known: DirectoryEntry = { patient: { mrn: 'MRN1', family: 'Doe', given: 'Jane' }, visit: {}, status: 'active', updatedAt: '2026-12-06T08:00:00Z' };
const order: OrderEntry = { placer: 'PL1', specimenId: 'SP1', mrn: 'MRN1', tests: [], status: 'open', updatedAt: '2026-12-06T08:00:00Z' };
const directory: PatientDirectory = {
  byMrn: (mrn) => (mrn === 'MRN1' ? known : undefined),
  byVisit: () => undefined,
  byNameAndBirthDate: () => [],
  orderBySpecimen: (id) => (id === 'SP1' ? order : undefined),
  ordersBySpecimen: (id) => (id === 'SP1' ? [order] : []),
  orderByNumber: () => undefined,
};

function reading(specimen: string): Reading {
  return {
    id: 'R1',
    deviceId: 'chem',
    kind: 'lab',
    receivedAt: '2026-12-06T09:00:00Z',
    observedAt: '2026-12-06T09:00:00Z',
    subject: { mrn: 'MRN1' },
    specimen: { id: specimen },
    observations: [],
  } as unknown as Reading;
}

describe('the patient of an orders device', () => {
  it('is found by the order by default, so an unordered specimen is held whatever patient ID the analyzer sends', () => {
    const settings = devicePatientSettings({ orders: { mode: 'query' } });
    const policy = defaultPolicy('lab', settings, true);
    expect(policy.mode).toBe('order');
    expect(resolvePatient({ reading: reading('SP9'), policy, directory, now: new Date() }).holdReason).toMatchObject({
      kind: 'patient',
      code: 'no-order',
      text: 'no order: no open order for this specimen',
    });
    expect(resolvePatient({ reading: reading('SP1'), policy, directory, now: new Date() })).toMatchObject({ source: 'order', order: { placer: 'PL1' } });
  });

  it('keeps a mode given (config validation allows only order with orders), and changes nothing for other devices', () => {
    expect(devicePatientSettings({ orders: { mode: 'download' }, patient: { mode: 'order' } })).toEqual({ mode: 'order' });
    expect(devicePatientSettings({})).toBeUndefined();
    expect(devicePatientSettings({ patient: { mode: 'bind' } })).toEqual({ mode: 'bind' });
  });
});
