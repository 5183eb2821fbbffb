// Whether a reading waiting in the gateway is control material after all: one an earlier version held
// for "no patient" (it had no QC log), or one held before the device's `qc` settings named its lot or
// pattern. Such a reading must never be assigned to a patient or released; it can only be discarded.
// Known by the device's settings on its sample ID, or, for an ASTM analyzer, by its O record's action
// code `Q` (ASTM E1394-97 §8.4.12 / CLSI LIS2-A2: "treat specimen as a Q/C test specimen"). Pure.

import type { DeviceQcT } from '../model/qc-settings.ts';
import type { Reading } from '../model/reading.ts';
import { qcIdentityOf } from './recognise.ts';

/** Field 3 (specimen ID) and field 12 (action code) of an ASTM O record, 0-based after splitting on the field delimiter. */
const SPECIMEN_FIELD = 2;
const ACTION_CODE_FIELD = 11;

/** The ASTM O records of a transmission whose action code is `Q`, by specimen ID (its first component). */
function astmControlSpecimens(raw: string): { controls: string[]; orders: number } {
  const lines = raw.split(/\r\n|\r|\n/);
  const header = lines.find((l) => /^\d?H/.test(l));
  if (header === undefined) return { controls: [], orders: 0 };
  // The header names the delimiters: the field delimiter is the character after "H" (E1394 §7.1).
  const at = header.indexOf('H');
  const field = header.charAt(at + 1);
  const component = header.charAt(at + 3);
  if (field === '') return { controls: [], orders: 0 };
  const controls: string[] = [];
  let orders = 0;
  for (const line of lines) {
    const fields = line.replace(/^\d(?=O)/, '').split(field);
    if (fields[0] !== 'O') continue;
    orders++;
    if ((fields[ACTION_CODE_FIELD] ?? '').trim().toUpperCase() === 'Q') controls.push((fields[SPECIMEN_FIELD] ?? '').split(component)[0]?.trim() ?? '');
  }
  return { controls, orders };
}

/** What shows a stored reading to be control material ("control lot list", "sample ID pattern", "ASTM O-12 Q"), or undefined. */
export function heldControlMarker(reading: Pick<Reading, 'specimen' | 'raw'>, qc: DeviceQcT | undefined): string | undefined {
  const identity = reading.specimen ? qcIdentityOf({ specimen: { id: reading.specimen.id } }, qc) : undefined;
  if (identity) return identity.marker;
  const { controls, orders } = astmControlSpecimens(reading.raw);
  const specimen = reading.specimen?.id.trim();
  // A transmission of several specimens: only the O record of this reading's specimen says what it is.
  if (controls.some((id) => id === specimen) || (orders === 1 && controls.length === 1)) return 'ASTM O-12 Q';
  return undefined;
}
