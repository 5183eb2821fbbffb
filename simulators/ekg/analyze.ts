// A small measurement of a clean synthetic 12-lead ECG, independent of how synth.ts laid the waves
// out, so a test can show the simulator's claims agree with its own waveform. It works on a
// detection signal that every wave shows in: the frontal vector magnitude (from I and aVF) plus the
// precordial RMS. R peaks on it give the heart rate; a middle beat gives the intervals by
// thresholds (P and T: 4.4 % of the wave's peak, where a Gaussian's 2.5-sigma edge lies; QRS: a
// small fraction of the R peak); net areas in I and aVF over each wave give the frontal axes.

export interface AnalyzedLead {
  name: string;
  samples: number[];
}

export interface Measured {
  heartRate: number;
  prMs: number;
  qrsMs: number;
  qtMs: number;
  pAxis: number;
  qrsAxis: number;
  tAxis: number;
}

const WAVE_EDGE = Math.exp(-0.5 * 2.5 * 2.5);
const QRS_EDGE = 0.01;

function lead(leads: AnalyzedLead[], name: string): number[] {
  const l = leads.find((x) => x.name === name);
  if (!l) throw new Error(`lead ${name} missing`);
  return l.samples;
}

function axisOf(I: number[], aVF: number[], from: number, to: number): number {
  let x = 0;
  let y = 0;
  for (let k = from; k <= to; k++) {
    x += I[k] ?? 0;
    y += ((aVF[k] ?? 0) * 2) / Math.sqrt(3);
  }
  return Math.round((Math.atan2(y, x) * 180) / Math.PI);
}

export function analyze(leads: AnalyzedLead[], sampleRateHz: number): Measured {
  const I = lead(leads, 'I');
  const aVF = lead(leads, 'aVF');
  const V = ['V1', 'V2', 'V3', 'V4', 'V5', 'V6'].map((n) => lead(leads, n));
  const n = I.length;
  const ms = 1000 / sampleRateHz;
  const m = new Array<number>(n);
  for (let k = 0; k < n; k++) {
    const x = I[k] ?? 0;
    const y = ((aVF[k] ?? 0) * 2) / Math.sqrt(3);
    let p = 0;
    for (const v of V) p += (v[k] ?? 0) ** 2;
    m[k] = Math.hypot(x, y) + Math.sqrt(p / V.length);
  }
  const at = (k: number): number => m[k] ?? 0;

  // R peaks: local maxima above half the largest value, at least 250 ms apart.
  const top = Math.max(...m);
  const peaks: number[] = [];
  for (let k = 1; k < n - 1; k++) {
    if (at(k) < top / 2 || at(k) < at(k - 1) || at(k) < at(k + 1)) continue;
    const last = peaks.at(-1);
    if (last !== undefined && (k - last) * ms < 250) {
      if (at(k) > at(last)) peaks[peaks.length - 1] = k;
      continue;
    }
    peaks.push(k);
  }
  if (peaks.length < 3) throw new Error(`only ${peaks.length} R peaks found`);
  const rr = peaks.slice(1).map((p, i) => (p - (peaks[i] ?? 0)) * ms);
  const meanRr = rr.reduce((a, b) => a + b, 0) / rr.length;

  // A middle beat has its P before it and its T after it inside the strip.
  const r = peaks[1] ?? 0;
  const walk = (from: number, step: 1 | -1, below: number): number => {
    let k = from;
    while (k + step >= 0 && k + step < n && at(k) > below) k += step;
    return k;
  };
  const qrsOn = walk(r, -1, QRS_EDGE * at(r));
  const qrsOff = walk(r, 1, QRS_EDGE * at(r));
  const argmax = (from: number, to: number): number => {
    let best = Math.max(0, from);
    for (let k = best; k <= Math.min(n - 1, to); k++) if (at(k) > at(best)) best = k;
    return best;
  };
  const pPeak = argmax(qrsOn - Math.round(300 / ms), qrsOn - Math.round(20 / ms));
  const pOn = walk(pPeak, -1, WAVE_EDGE * at(pPeak));
  const pOff = walk(pPeak, 1, WAVE_EDGE * at(pPeak));
  const tPeak = argmax(qrsOff + Math.round(40 / ms), Math.min(qrsOn + Math.round((meanRr * 0.75) / ms), n - 1));
  const tOn = walk(tPeak, -1, WAVE_EDGE * at(tPeak));
  const tEnd = walk(tPeak, 1, WAVE_EDGE * at(tPeak));

  return {
    heartRate: Math.round(60_000 / meanRr),
    prMs: Math.round((qrsOn - pOn) * ms),
    qrsMs: Math.round((qrsOff - qrsOn) * ms),
    qtMs: Math.round((tEnd - qrsOn) * ms),
    pAxis: axisOf(I, aVF, pOn, pOff),
    qrsAxis: axisOf(I, aVF, qrsOn, qrsOff),
    tAxis: axisOf(I, aVF, tOn, tEnd),
  };
}
