// A synthetic resting 12-lead ECG: 10 s at 500 Hz from a sum-of-Gaussians beat model. Each wave
// (P, Q, R, S, T) is one Gaussian in time with a direction in the frontal plane (its axis) and
// tabulated precordial amplitudes (R-wave progression V1 -> V6). Limb leads are projections of the
// frontal vector on I (0 deg) and II (60 deg); III, aVR, aVL, aVF follow by Einthoven and Goldberger,
// so the axes are what the vector says. Wave timing is laid out from the claimed intervals:
//   P onset = -PR, QRS onset = 0, QRS end = QRS, T end = QT (ms from QRS onset),
// where a wave's edge is centre +- 2.5 sigma (the Gaussian is at 4.4 % of its peak there).
// Noise (white, and baseline wander) comes from the seeded PRNG and is added to the clean signal.

import type { Rng } from '../prng.ts';

// The cart's own lead list (not the driver's), so a naming bug on one side cannot hide on the other.
export const LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'] as const;
export type LeadName = (typeof LEADS)[number];

export const SAMPLE_RATE_HZ = 500;
export const DURATION_S = 10;
/** A wave's edge: centre +- EDGE_SIGMAS * sigma. */
export const EDGE_SIGMAS = 2.5;

export interface EcgClaims {
  heartRate: number;
  prMs: number;
  qrsMs: number;
  qtMs: number;
  qtcMs: number;
  pAxis: number;
  qrsAxis: number;
  tAxis: number;
}

export interface Lead {
  name: LeadName;
  /** µV */
  samples: number[];
}

export interface SynthEcg {
  claims: EcgClaims;
  sampleRateHz: number;
  /** With noise and baseline wander, in µV (what the cart records). */
  leads: Lead[];
  /** Without noise, in µV (what analyze.ts measures). */
  clean: Lead[];
}

interface Wave {
  /** ms from QRS onset */
  centre: number;
  sigma: number;
  /** mV along the wave's frontal direction */
  frontal: number;
  axisDeg: number;
  /** mV in V1..V6 */
  precordial: readonly number[];
}

const R_PRECORDIAL = [0.25, 0.45, 0.75, 1.15, 1.35, 1.15];
const S_PRECORDIAL = [-0.95, -1.15, -0.8, -0.45, -0.2, -0.1];
const Q_PRECORDIAL = [0, 0, 0, -0.04, -0.08, -0.1];
const P_PRECORDIAL = [0.06, 0.08, 0.09, 0.1, 0.1, 0.08];
const T_PRECORDIAL = [0.05, 0.3, 0.45, 0.42, 0.33, 0.25];

/** Random but normal resting values: sinus rhythm 55-90 /min, normal intervals and axes. */
export function randomClaims(rng: Rng): Omit<EcgClaims, 'qtcMs'> {
  const heartRate = rng.int(55, 90);
  const rrS = 60 / heartRate;
  // QTc 380-440 (Bazett) gives the QT for this rate.
  const qtMs = Math.round(rng.int(380, 440) * Math.sqrt(rrS));
  return {
    heartRate,
    prMs: rng.int(130, 200),
    qrsMs: rng.int(80, 110),
    qtMs,
    pAxis: rng.int(30, 70),
    qrsAxis: rng.int(-20, 85),
    tAxis: rng.int(10, 70),
  };
}

export function bazett(qtMs: number, heartRate: number): number {
  return Math.round(qtMs / Math.sqrt(60 / heartRate));
}

function beatWaves(c: Omit<EcgClaims, 'qtcMs'>, scale: number): Wave[] {
  const e = EDGE_SIGMAS;
  const sP = 12;
  const sQ = 0.08 * c.qrsMs;
  const sR = 0.09 * c.qrsMs;
  const sS = 0.08 * c.qrsMs;
  const sT = 0.1 * c.qtMs;
  const v = (table: number[]): number[] => table.map((x) => x * scale);
  return [
    { centre: -c.prMs + e * sP, sigma: sP, frontal: 0.15, axisDeg: c.pAxis, precordial: P_PRECORDIAL },
    { centre: e * sQ, sigma: sQ, frontal: -0.12 * scale, axisDeg: c.qrsAxis, precordial: v(Q_PRECORDIAL) },
    { centre: 0.45 * c.qrsMs, sigma: sR, frontal: 1.3 * scale, axisDeg: c.qrsAxis, precordial: v(R_PRECORDIAL) },
    { centre: c.qrsMs - e * sS, sigma: sS, frontal: -0.3 * scale, axisDeg: c.qrsAxis, precordial: v(S_PRECORDIAL) },
    { centre: c.qtMs - e * sT, sigma: sT, frontal: 0.35, axisDeg: c.tAxis, precordial: T_PRECORDIAL },
  ];
}

const rad = (deg: number): number => (deg * Math.PI) / 180;

/** The clean 12 leads (µV) for beats with QRS onsets at `onsets` (ms). */
function render(waves: Wave[], onsets: number[], n: number, dtMs: number): Record<LeadName, Float64Array> {
  const I = new Float64Array(n);
  const II = new Float64Array(n);
  const V = Array.from({ length: 6 }, () => new Float64Array(n));
  for (const onset of onsets) {
    for (const w of waves) {
      const centre = onset + w.centre;
      const from = Math.max(0, Math.floor((centre - 6 * w.sigma) / dtMs));
      const to = Math.min(n - 1, Math.ceil((centre + 6 * w.sigma) / dtMs));
      const ax = rad(w.axisDeg);
      const projI = w.frontal * Math.cos(ax);
      const projII = w.frontal * Math.cos(ax - rad(60));
      for (let k = from; k <= to; k++) {
        const x = (k * dtMs - centre) / w.sigma;
        const g = Math.exp(-0.5 * x * x) * 1000; // mV -> µV
        I[k] = (I[k] ?? 0) + projI * g;
        II[k] = (II[k] ?? 0) + projII * g;
        for (let j = 0; j < 6; j++) {
          const lead = V[j];
          if (lead) lead[k] = (lead[k] ?? 0) + (w.precordial[j] ?? 0) * g;
        }
      }
    }
  }
  const III = new Float64Array(n);
  const aVR = new Float64Array(n);
  const aVL = new Float64Array(n);
  const aVF = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = I[k] ?? 0;
    const ii = II[k] ?? 0;
    III[k] = ii - i; // Einthoven
    aVR[k] = -(i + ii) / 2; // Goldberger
    aVL[k] = i - ii / 2;
    aVF[k] = ii - i / 2;
  }
  const [V1, V2, V3, V4, V5, V6] = V as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  return { I, II, III, aVR, aVL, aVF, V1, V2, V3, V4, V5, V6 };
}

export function synthesize(rng: Rng, claims: Omit<EcgClaims, 'qtcMs'> = randomClaims(rng)): SynthEcg {
  const n = SAMPLE_RATE_HZ * DURATION_S;
  const dtMs = 1000 / SAMPLE_RATE_HZ;
  const rrMs = 60_000 / claims.heartRate;
  const scale = rng.real(0.8, 1.2, 0.01);
  // The first P wave starts a little after the beginning of the strip.
  const onsets: number[] = [];
  for (let t = claims.prMs + rng.int(60, 200); t - claims.prMs < DURATION_S * 1000; t += rrMs) onsets.push(t);
  const clean = render(beatWaves(claims, scale), onsets, n, dtMs);

  const leads: Lead[] = [];
  const cleanLeads: Lead[] = [];
  const wanderHz = rng.real(0.15, 0.35, 0.01);
  for (const name of LEADS) {
    const signal = clean[name];
    const wander = rng.real(10, 40, 1);
    const phase = rng.real(0, 2 * Math.PI, 0.01);
    const noisy = new Array<number>(n);
    for (let k = 0; k < n; k++) {
      const t = k / SAMPLE_RATE_HZ;
      noisy[k] = (signal[k] ?? 0) + wander * Math.sin(2 * Math.PI * wanderHz * t + phase) + (rng.next() - 0.5) * 16;
    }
    leads.push({ name, samples: noisy });
    cleanLeads.push({ name, samples: Array.from(signal) });
  }
  return { claims: { ...claims, qtcMs: bazett(claims.qtMs, claims.heartRate) }, sampleRateHz: SAMPLE_RATE_HZ, leads, clean: cleanLeads };
}
