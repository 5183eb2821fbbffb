// One control specimen as the analyzer sends it in ASTM E1394 (LIS2-A2) records: H, an empty P
// record (no patient: E1394 still wants one before the O record), O with the control's sample ID
// in O-3 and, marked on the wire, action code `Q` in O-12 ("treat specimen as a Q/C test
// specimen", E1394 8.4.12); marked only by sample ID, O-12 `N` as for a patient's specimen. One R
// record per test, L. Field numbers count the record type as field 1. Pure.

import type { QcMark } from '../qc-material.ts';
import type { QcSpecimen } from '../qc-runs.ts';
import { analyzerOf, astmTime } from './content.ts';
import { esc } from './wire.ts';

export function qcRecords(specimen: QcSpecimen, mark: QcMark, now: Date): string[] {
  const a = analyzerOf('chemistry');
  const measured = astmTime(now);
  const started = astmTime(new Date(now.getTime() - 60_000));
  const o = Array<string>(26).fill('');
  o[0] = 'O';
  o[1] = '1';
  o[2] = esc(specimen.sampleId ?? specimen.lot);
  o[4] = specimen.results.map((r) => `^^^${esc(r.test)}`).join('\\');
  o[5] = 'R';
  o[7] = measured;
  o[11] = mark === 'wire' ? 'Q' : 'N';
  // Control material is serum-based (O-16, the analyzer's own words, as for patients).
  o[15] = 'serum';
  o[25] = 'F';
  const records = [`H|\\^&|||${a.model}^${a.version}^${a.serial}|||||MEDGATE||P|LIS2-A2|${measured}`, 'P|1', o.join('|')];
  specimen.results.forEach((r, i) => {
    // R-9 result status F (final), R-11 operator, R-12/13 started and completed, R-14 instrument.
    const rec = ['R', String(i + 1), `^^^${esc(r.test)}`, esc(r.value), esc(r.unit ?? ''), '', '', '', 'F', '', 'OPER1', started, measured, a.model];
    records.push(rec.join('|'));
  });
  records.push('L|1|N');
  return records;
}
