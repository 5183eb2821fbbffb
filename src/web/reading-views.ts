// Readings shaped for the page: waveforms and attachments stand in by their size (an EKG is
// 60,000 samples; an event per reading must stay small), and tracings decimated for drawing.

import type { Observation, Waveform } from '../model/reading.ts';
import { namedPatient, type NamedPatient } from '../model/search-text.ts';
import type { OutboxMessage, StateDoc, StoredReading } from '../store/types.ts';
import type { MessageView, SlimObservation, SlimReading, Tracing } from './api-types.ts';

function slimObservation(o: Observation): SlimObservation {
  const v = o.value;
  if (typeof v === 'object' && v.kind === 'waveform') {
    return {
      ...o,
      value: { kind: 'waveform', sampleRateHz: v.sampleRateHz, unit: v.unit, leads: v.leads.map((l) => ({ name: l.name, count: l.samples.length })) },
    };
  }
  if (typeof v === 'object' && v.kind === 'attachment') {
    return { ...o, value: { kind: 'attachment', mediaType: v.mediaType, bytes: Math.floor((v.base64.length * 3) / 4) } };
  }
  return { ...o, value: v };
}

export function slimReading(stored: StoredReading): SlimReading {
  const { raw, observations, ...reading } = stored.reading;
  return { ...stored, reading: { ...reading, observations: observations.map(slimObservation), rawLength: raw.length } };
}

export function messageView(m: OutboxMessage, deviceId?: string, patient?: NamedPatient): MessageView {
  const { body: _body, ...view } = m;
  return { ...view, ...(deviceId === undefined ? {} : { deviceId }), ...(patient ? { patient } : {}) };
}

/** The device and patient of a message's reading in the state document (one look-up). */
export function liveContext(doc: Readonly<StateDoc>, m: OutboxMessage): { deviceId?: string; patient?: NamedPatient } {
  // A QC message has a device and never a patient.
  if (m.qc) return { deviceId: m.qc.device };
  const stored = doc.readings[m.readingId];
  const patient = namedPatient(stored?.patient);
  return { ...(stored ? { deviceId: stored.reading.deviceId } : {}), ...(patient ? { patient } : {}) };
}

/** A message of the state document with its reading's device and patient. */
export function liveMessageView(doc: Readonly<StateDoc>, m: OutboxMessage): MessageView {
  const { deviceId, patient } = liveContext(doc, m);
  return messageView(m, deviceId, patient);
}

/** Every maxSamples-th point would alias the QRS away; min and max of each bucket keep the spikes. */
export function decimate(samples: readonly number[], maxSamples: number): number[] {
  if (samples.length <= maxSamples) return [...samples];
  const buckets = Math.max(1, Math.floor(maxSamples / 2));
  const size = samples.length / buckets;
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(samples.length, Math.floor((b + 1) * size));
    let lo = Infinity;
    let hi = -Infinity;
    let loAt = start;
    let hiAt = start;
    for (let i = start; i < end; i++) {
      const s = samples[i]!;
      if (s < lo) [lo, loAt] = [s, i];
      if (s > hi) [hi, hiAt] = [s, i];
    }
    if (end <= start) continue;
    // In time order, so the drawn line goes through both extremes the way the signal did.
    out.push(...(loAt <= hiAt ? [lo, hi] : [hi, lo]));
  }
  return out;
}

export function tracingOf(stored: StoredReading, maxSamples: number): Tracing | undefined {
  const wave = stored.reading.observations.map((o) => o.value).find((v): v is Waveform => typeof v === 'object' && v.kind === 'waveform');
  if (!wave) return undefined;
  const leads = wave.leads.map((l) => ({ name: l.name, samples: decimate(l.samples, maxSamples) }));
  // Decimation keeps the duration: the drawn rate is the original scaled by how much the longest lead shrank.
  const longest = Math.max(0, ...wave.leads.map((l) => l.samples.length));
  const kept = Math.max(0, ...leads.map((l) => l.samples.length));
  return { readingId: stored.reading.id, sampleRateHz: longest > 0 ? (wave.sampleRateHz * kept) / longest : wave.sampleRateHz, unit: wave.unit, leads };
}
