/**
 * The analysis window and the mel filterbank of the NeMo front-end, computed in float64 from the same formulas
 * as torch.hann_window(periodic=False) and torchaudio/librosa's Slaney mel filters (norm='slaney').
 */

/** Symmetric Hann window of `length` (w[0] = w[length-1] = 0), i.e. torch.hann_window(length, periodic=False). */
export function hannWindowSymmetric(length: number): Float64Array {
  const w = new Float64Array(length);
  if (length === 1) {
    w[0] = 1;
    return w;
  }
  for (let n = 0; n < length; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (length - 1));
  return w;
}

const SLANEY_F_SP = 200 / 3;
const SLANEY_MIN_LOG_HZ = 1000;
const SLANEY_MIN_LOG_MEL = SLANEY_MIN_LOG_HZ / SLANEY_F_SP;
const SLANEY_LOGSTEP = Math.log(6.4) / 27;

/** Slaney mel scale: linear below 1 kHz, logarithmic above (librosa htk=False, torchaudio mel_scale='slaney'). */
export function hzToMelSlaney(hz: number): number {
  if (hz < SLANEY_MIN_LOG_HZ) return hz / SLANEY_F_SP;
  return SLANEY_MIN_LOG_MEL + Math.log(hz / SLANEY_MIN_LOG_HZ) / SLANEY_LOGSTEP;
}

export function melToHzSlaney(mel: number): number {
  if (mel < SLANEY_MIN_LOG_MEL) return mel * SLANEY_F_SP;
  return SLANEY_MIN_LOG_HZ * Math.exp(SLANEY_LOGSTEP * (mel - SLANEY_MIN_LOG_MEL));
}

/** One triangular filter, stored sparsely: weights[i] applies to FFT bin `start + i`. */
export interface MelFilter {
  readonly start: number;
  readonly weights: Float64Array;
  /** Centre frequency of the triangle in Hz. */
  readonly centerHz: number;
}

export interface MelFilterbankSpec {
  sampleRate: number;
  nFft: number;
  nMels: number;
  fMin: number;
  fMax: number;
}

/**
 * Triangular filters on the Slaney mel scale with Slaney area normalisation (each triangle scaled by
 * 2 / (f_right − f_left), so its area in Hz is ~1) — librosa.filters.mel(norm='slaney') and
 * torchaudio.functional.melscale_fbanks(norm='slaney', mel_scale='slaney').
 */
export function slaneyMelFilterbank(spec: MelFilterbankSpec): MelFilter[] {
  const { sampleRate, nFft, nMels, fMin, fMax } = spec;
  const nFreqs = nFft / 2 + 1;
  const binHz = (k: number): number => (k * (sampleRate / 2)) / (nFreqs - 1);
  const melMin = hzToMelSlaney(fMin);
  const melMax = hzToMelSlaney(fMax);
  const points = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) points[i] = melToHzSlaney(melMin + ((melMax - melMin) * i) / (nMels + 1));
  const filters: MelFilter[] = [];
  for (let m = 0; m < nMels; m++) {
    const left = points[m]!;
    const centre = points[m + 1]!;
    const right = points[m + 2]!;
    const enorm = 2 / (right - left);
    const dense = new Float64Array(nFreqs);
    let first = -1;
    let last = -1;
    for (let k = 0; k < nFreqs; k++) {
      const f = binHz(k);
      const down = (f - left) / (centre - left);
      const up = (right - f) / (right - centre);
      const w = Math.max(0, Math.min(down, up)) * enorm;
      dense[k] = w;
      if (w > 0) {
        if (first < 0) first = k;
        last = k;
      }
    }
    // A filter narrower than one bin spacing can be empty (not the case for 80 mels at 512/16 kHz).
    filters.push(
      first < 0
        ? { start: 0, weights: new Float64Array(0), centerHz: centre }
        : { start: first, weights: dense.slice(first, last + 1), centerHz: centre },
    );
  }
  return filters;
}
