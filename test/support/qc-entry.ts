// A QC log entry as GET /api/qc lists it, for the tests of what forwards it (encoders, outbox).

import type { QcEntryView } from '../../src/qc/qc-view.ts';

export function qcEntry(over: Partial<QcEntryView> = {}): QcEntryView {
  return {
    id: 'QCE0000000000001',
    device: 'chem-1',
    deviceLabel: 'Chemistry analyzer',
    test: 'GLU',
    testName: 'Glucose',
    loinc: '2345-7',
    lot: '4711',
    level: '2',
    material: 'PreciControl ClinChem Multi 2',
    specimen: 'QC-LOT-4711',
    value: 5.62,
    unit: 'mmol/L',
    time: '2026-12-06T09:10:00.000+01:00',
    receivedAt: '2026-12-06T09:10:02.000+01:00',
    role: 'control',
    marker: 'ASTM O-12 Q',
    target: { mean: 5.5, sd: 0.15, unit: 'mmol/L', source: 'configured' },
    z: 0.8,
    status: 'accepted',
    rules: [],
    ...over,
  };
}
