/**
 * NeMo 1.23-compatible 80-mel front-end (AudioToMelSpectrogramPreprocessor as used by Conformer CTC models),
 * isomorphic (no DOM or Node APIs). Reference: tools/stt/nemo_features.py; parity is checked against golden
 * files in test/fixtures/mel.
 *
 * 16 kHz mono → pre-emphasis 0.97 (y[0] = x[0]) → reflect-pad 256 each side (center=True) → frames every 160
 * samples, 400-sample symmetric Hann window centred in 512 → |FFT|² → 80 Slaney mel filters (area normalised,
 * 0–8 kHz) → log(x + 2⁻²⁴) → optional per-feature normalisation (x − mean) / (std + 1e-5), unbiased std over the
 * utterance. frames = floor(L / 160) + 1.
 *
 * Defined where NeMo is not (the Python reference does the same): inputs of ≤ 256 samples are reflected
 * back and forth (numpy's np.pad reflect); a single frame (L < 160) normalises to 0; an empty input throws.
 */
import { RealFft } from './fft.ts';
import { hannWindowSymmetric, slaneyMelFilterbank, type MelFilter } from './filterbank.ts';

export const SAMPLE_RATE = 16_000;
export const N_FFT = 512;
export const HOP_LENGTH = 160;
export const WIN_LENGTH = 400;
export const N_MELS = 80;
export const PREEMPHASIS = 0.97;
export const LOG_ZERO_GUARD = 2 ** -24;
export const STD_GUARD = 1e-5;

const PAD = N_FFT / 2;
/** Offset of the 400-sample window inside the 512-sample frame (torch.stft centres a shorter window). */
const WIN_OFFSET = (N_FFT - WIN_LENGTH) >> 1;
/** Relative to a frame's centre sample, the window covers [-WIN_REACH, WIN_REACH). */
const WIN_REACH = PAD - WIN_OFFSET;

export type MelNormalize = 'per_feature' | 'none';

export interface MelOptions {
  /** 'per_feature' (default; what NeMo Conformer models expect) or 'none' for the raw log-mel. */
  normalize?: MelNormalize;
}

/** Features in the [1, 80, T] tensor layout: data[mel * frames + frame]. */
export interface MelFeatures {
  data: Float32Array;
  frames: number;
}

/** floor(L / 160) + 1: the number of frames NeMo reports for L samples. */
export function frameCount(numSamples: number): number {
  return Math.floor(numSamples / HOP_LENGTH) + 1;
}

/** Shared, immutable tables: built on first use, once per thread. */
interface Tables {
  window: Float64Array;
  filters: MelFilter[];
}
let tables: Tables | undefined;
function getTables(): Tables {
  tables ??= {
    window: hannWindowSymmetric(WIN_LENGTH),
    filters: slaneyMelFilterbank({ sampleRate: SAMPLE_RATE, nFft: N_FFT, nMels: N_MELS, fMin: 0, fMax: SAMPLE_RATE / 2 }),
  };
  return tables;
}

/** The analysis window (400 samples, symmetric Hann) — a copy. */
export function analysisWindow(): Float64Array {
  return getTables().window.slice();
}

/** The 80 Slaney mel filters over the 257 FFT bins, dense [mel][bin] row-major (float64) — a copy. */
export function melFilterbank(): Float64Array {
  const nFreqs = N_FFT / 2 + 1;
  const out = new Float64Array(N_MELS * nFreqs);
  getTables().filters.forEach((f, m) => out.set(f.weights, m * nFreqs + f.start));
  return out;
}

/** Centre frequency (Hz) of each mel filter. */
export function melCenterFrequencies(): Float64Array {
  return Float64Array.from(getTables().filters, (f) => f.centerHz);
}

/** numpy-style 'reflect' index for i outside [0, n): bounces between the ends, edge samples not repeated. */
function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

/**
 * Incremental log-mel: push audio as it arrives, read features of everything so far at any time.
 * Frames whose window lies inside the audio already seen are computed once and cached; only the last couple
 * (which depend on the reflect padding at the current end) are recomputed per read. Reading the features
 * after pushing a whole utterance in any chunking gives exactly what computeFeatures gives for it.
 */
export class LogMelStream {
  private readonly fft = new RealFft(N_FFT);
  private readonly frame = new Float64Array(N_FFT);
  private readonly power = new Float64Array(N_FFT / 2 + 1);
  /** Pre-emphasised samples (float64, as the transform runs in float64). */
  private signal = new Float64Array(SAMPLE_RATE);
  private length = 0;
  private lastInput = 0;
  /** Cached final log-mel frames, frame-major: frameStore[t * 80 + m]. */
  private frameStore = new Float64Array(N_MELS * 128);
  private finalFrames = 0;

  /** Samples pushed so far. */
  get samples(): number {
    return this.length;
  }

  /** Frames the audio so far yields (0 before any sample). */
  get frames(): number {
    return this.length === 0 ? 0 : frameCount(this.length);
  }

  reset(): void {
    this.length = 0;
    this.lastInput = 0;
    this.finalFrames = 0;
  }

  push(samples: ArrayLike<number>): void {
    const n = samples.length;
    if (n === 0) return;
    this.ensureSignal(this.length + n);
    const y = this.signal;
    let prev = this.lastInput;
    let i = 0;
    if (this.length === 0) {
      prev = samples[0]!;
      y[0] = prev;
      i = 1;
    }
    for (; i < n; i++) {
      const x = samples[i]!;
      y[this.length + i] = x - PREEMPHASIS * prev;
      prev = x;
    }
    this.lastInput = prev;
    this.length += n;
    // Frame t is final once its window (centre t·160, reach ±200) lies inside the signal: no right reflection.
    const finalCount = Math.max(0, Math.floor((this.length - WIN_REACH - 1) / HOP_LENGTH) + 1);
    const upTo = Math.min(finalCount, frameCount(this.length));
    if (upTo > this.finalFrames) {
      this.ensureFrames(upTo);
      for (let t = this.finalFrames; t < upTo; t++) this.computeFrame(t, this.frameStore, t * N_MELS);
      this.finalFrames = upTo;
    }
  }

  /** Features of all audio pushed so far, as if the utterance ended now. */
  read(options: MelOptions = {}): MelFeatures {
    const normalize = options.normalize ?? 'per_feature';
    if (normalize !== 'per_feature' && normalize !== 'none') {
      throw new RangeError(`normalize must be 'per_feature' or 'none', got '${String(normalize)}'`);
    }
    if (this.length === 0) {
      throw new RangeError('no audio: push at least one sample before reading mel features');
    }
    const frames = frameCount(this.length);
    const tail = new Float64Array(Math.max(0, frames - this.finalFrames) * N_MELS);
    for (let t = this.finalFrames; t < frames; t++) this.computeFrame(t, tail, (t - this.finalFrames) * N_MELS);
    const logMel = new Float64Array(N_MELS * frames);
    const store = this.frameStore;
    for (let t = 0; t < frames; t++) {
      const src = t < this.finalFrames ? store : tail;
      const base = t < this.finalFrames ? t * N_MELS : (t - this.finalFrames) * N_MELS;
      for (let m = 0; m < N_MELS; m++) logMel[m * frames + t] = src[base + m]!;
    }
    if (normalize === 'per_feature') normalizePerFeatureInPlace(logMel, frames);
    return { data: new Float32Array(logMel), frames };
  }

  private computeFrame(t: number, out: Float64Array, offset: number): void {
    const { window, filters } = getTables();
    const frame = this.frame;
    const y = this.signal;
    const n = this.length;
    // Samples of the 512-frame outside the 400-window are multiplied by zero: only the window span is read.
    const first = t * HOP_LENGTH - WIN_REACH;
    if (first >= 0 && first + WIN_LENGTH <= n) {
      for (let j = 0; j < WIN_LENGTH; j++) frame[WIN_OFFSET + j] = y[first + j]! * window[j]!;
    } else {
      for (let j = 0; j < WIN_LENGTH; j++) {
        const i = first + j;
        frame[WIN_OFFSET + j] = y[i >= 0 && i < n ? i : reflectIndex(i, n)]! * window[j]!;
      }
    }
    this.fft.powerSpectrum(frame, this.power);
    const power = this.power;
    for (let m = 0; m < N_MELS; m++) {
      const f = filters[m]!;
      const w = f.weights;
      let acc = 0;
      for (let k = 0; k < w.length; k++) acc += w[k]! * power[f.start + k]!;
      out[offset + m] = Math.log(acc + LOG_ZERO_GUARD);
    }
  }

  private ensureSignal(size: number): void {
    if (size <= this.signal.length) return;
    const next = new Float64Array(Math.max(size, this.signal.length * 2));
    next.set(this.signal.subarray(0, this.length));
    this.signal = next;
  }

  private ensureFrames(count: number): void {
    if (count * N_MELS <= this.frameStore.length) return;
    const next = new Float64Array(Math.max(count * N_MELS, this.frameStore.length * 2));
    next.set(this.frameStore.subarray(0, this.finalFrames * N_MELS));
    this.frameStore = next;
  }
}

/**
 * In place over [mel][frame] data: (x − mean) / (std + 1e-5) per mel row, unbiased std (n − 1).
 * With one frame the std is undefined; it is taken as 0, so the frame becomes 0.
 */
export function normalizePerFeatureInPlace(data: Float64Array | Float32Array, frames: number): void {
  const rows = data.length / frames;
  for (let m = 0; m < rows; m++) {
    const base = m * frames;
    let sum = 0;
    for (let t = 0; t < frames; t++) sum += data[base + t]!;
    const mean = sum / frames;
    let sq = 0;
    for (let t = 0; t < frames; t++) {
      const d = data[base + t]! - mean;
      sq += d * d;
    }
    const std = Math.sqrt(sq / Math.max(frames - 1, 1)) + STD_GUARD;
    for (let t = 0; t < frames; t++) data[base + t] = (data[base + t]! - mean) / std;
  }
}

/**
 * NeMo features of one utterance (16 kHz mono float samples in [-1, 1]), per-feature normalised by default.
 * Throws a RangeError on empty input.
 */
export function computeFeatures(samples: Float32Array, options: MelOptions = {}): MelFeatures {
  if (samples.length === 0) {
    throw new RangeError('cannot compute mel features of empty audio: pass at least one 16 kHz sample');
  }
  const stream = new LogMelStream();
  stream.push(samples);
  return stream.read(options);
}

/** Log-mel of one utterance before normalisation, [mel][frame] layout. */
export function logMel(samples: Float32Array): MelFeatures {
  return computeFeatures(samples, { normalize: 'none' });
}
