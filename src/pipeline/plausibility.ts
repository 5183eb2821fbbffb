// Physical plausibility of a reading (docs/architecture.md#reading): a systolic of 900 is never forwarded as
// valid. Each reason names the measurement, value, unit and range, for the person who reviews it,
// and is of kind 'value': only a person who checked the values releases the reading.

import { holdReason, type HoldCode, type HoldReason } from '../model/hold.ts';
import type { Observation, ObservationCode, Reading } from '../model/reading.ts';
import { formatDecimal } from '../model/units.ts';
import { isVitalType, LOCAL_CODE_SYSTEM, vocabularyEntry, vocabularyTypeForCode, type VitalType } from '../model/vocabulary.ts';
import type { VocabularyEntry } from '../model/vocabulary.ts';

/** The vocabulary entry an observation code refers to: by MDC REFID, else LOINC, else our local code. */
export function vocabularyEntryForCode(code: ObservationCode): VocabularyEntry | undefined {
  const local = code.local?.system === LOCAL_CODE_SYSTEM && isVitalType(code.local.code) ? code.local.code : undefined;
  const type = vocabularyTypeForCode(code) ?? local;
  return type === undefined ? undefined : vocabularyEntry(type);
}

function valueText(obs: Observation, value: number): string {
  return formatDecimal(value, obs.precision);
}

function implausible(code: HoldCode, text: string, observations: number[]): HoldReason {
  return holdReason('value', code, `implausible: ${text}`, observations);
}

function checkObservation(obs: Observation, index: number, entry: VocabularyEntry): HoldReason | undefined {
  const name = entry.display;
  if (typeof obs.value !== 'number') {
    return typeof obs.value === 'string' ? implausible('not-a-number', `${name} '${obs.value}' is not a number`, [index]) : undefined;
  }
  if (!Number.isFinite(obs.value)) return implausible('not-a-number', `${name} ${String(obs.value)} is not a finite number`, [index]);
  if (obs.unit !== entry.unit) {
    return implausible('unit', `${name} ${valueText(obs, obs.value)} ${obs.unit ?? '(no unit)'} cannot be checked: expected ${entry.unit}`, [index]);
  }
  const [low, high] = entry.plausible;
  if (obs.value < low || obs.value > high) {
    return implausible('implausible', `${name} ${valueText(obs, obs.value)} ${entry.unit} outside ${low}–${high}`, [index]);
  }
  return undefined;
}

interface Pressure {
  index: number;
  value: number;
  text: string;
  unit: string;
}

function pressure(reading: Reading, type: VitalType, ref: string, loinc: string): Pressure | undefined {
  const index = reading.observations.findIndex((o) => o.type === type || o.code.mdc?.ref === ref || (!o.code.mdc && o.code.loinc === loinc));
  const obs = reading.observations[index];
  if (!obs || typeof obs.value !== 'number' || !Number.isFinite(obs.value) || obs.unit === undefined) return undefined;
  return { index, value: obs.value, text: valueText(obs, obs.value), unit: obs.unit };
}

function crossChecks(reading: Reading): HoldReason[] {
  const reasons: HoldReason[] = [];
  const sys = pressure(reading, 'bp.systolic', 'MDC_PRESS_BLD_NONINV_SYS', '8480-6');
  const dia = pressure(reading, 'bp.diastolic', 'MDC_PRESS_BLD_NONINV_DIA', '8462-4');
  const mean = pressure(reading, 'bp.mean', 'MDC_PRESS_BLD_NONINV_MEAN', '8478-0');
  if (sys && dia && sys.unit === dia.unit) {
    if (dia.value >= sys.value) {
      reasons.push(implausible('implausible', `diastolic ${dia.text} ${dia.unit} is not below systolic ${sys.text} ${sys.unit}`, [sys.index, dia.index]));
    } else if (mean && mean.unit === sys.unit && (mean.value < dia.value || mean.value > sys.value)) {
      reasons.push(
        implausible('implausible', `mean ${mean.text} ${mean.unit} outside diastolic–systolic ${dia.text}–${sys.text} ${sys.unit}`, [
          sys.index,
          dia.index,
          mean.index,
        ]),
      );
    }
  }
  return reasons;
}

/** The range to check against: the normalized type first, then what the code says. */
function entryOf(obs: Observation): VocabularyEntry | undefined {
  return obs.type !== undefined && isVitalType(obs.type) ? vocabularyEntry(obs.type) : vocabularyEntryForCode(obs.code);
}

/** Reasons the reading is physically implausible (kind 'value'); [] when it is fine. */
export function checkPlausibility(reading: Reading): HoldReason[] {
  const reasons: HoldReason[] = [];
  reading.observations.forEach((obs, index) => {
    if (typeof obs.value === 'number' && !Number.isFinite(obs.value)) {
      const entry = entryOf(obs);
      const name = entry?.display ?? obs.code.display ?? obs.code.mdc?.ref ?? obs.code.loinc ?? obs.code.local?.code;
      reasons.push(implausible('not-a-number', `${name ?? 'observation'} ${String(obs.value)} is not a finite number`, [index]));
      return;
    }
    const entry = entryOf(obs);
    if (!entry) return;
    const reason = checkObservation(obs, index, entry);
    if (reason) reasons.push(reason);
  });
  return reasons.concat(crossChecks(reading));
}
