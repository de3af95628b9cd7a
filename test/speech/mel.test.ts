/**
 * The TypeScript NeMo front-end against golden features from the torch reference (tools/stt/nemo_features.py,
 * written by tools/stt/make_mel_golden.py) on real eSpeak NG speech (English, Hindi) and edge cases, plus the
 * properties the front-end is defined by.
 *
 * Parity bound: the golden features are NeMo's float32 computation; the TS front-end runs in float64 and
 * rounds only its output to float32. So |TS − golden| is the reference's own float32 rounding noise, which the
 * generator measured per case (max |float32 − float64 reference|, in golden.json). The test asserts
 * |TS − golden| ≤ that noise + 1e-5 (float32 output rounding and libm ulps), and never above 1e-3. On the
 * speech cases the noise is ~2e-5 (normalised) and ~1e-4 (log-mel): float32 FFT error relative to a frame's
 * strongest bins dominates weak bins, then shrinks through the mel sums and, after normalisation, by the
 * per-mel std (~2–4 nats).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWav } from '../../src/audio/wav.ts';
import { RealFft } from '../../src/speech/features/fft.ts';
import {
  HOP_LENGTH,
  LOG_ZERO_GUARD,
  LogMelStream,
  N_FFT,
  N_MELS,
  PREEMPHASIS,
  SAMPLE_RATE,
  STD_GUARD,
  WIN_LENGTH,
  analysisWindow,
  computeFeatures,
  frameCount,
  logMel,
  melCenterFrequencies,
  melFilterbank,
} from '../../src/speech/features/mel.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'mel');

interface GoldenCase {
  name: string;
  wav: string;
  samples: number;
  frames: number;
  shape: [number, number];
  features: string;
  logmel: string;
  float32NoiseFeatures: number;
  float32NoiseLogmel: number;
}
interface Golden {
  frontEnd: { sampleRate: number; nFft: number; hop: number; win: number; nMels: number; preemph: number; logGuard: number; stdGuard: number };
  cases: GoldenCase[];
}

const golden = JSON.parse(readFileSync(join(FIXTURES, 'golden.json'), 'utf8')) as Golden;

function readF32(file: string): Float32Array {
  const b = readFileSync(join(FIXTURES, file));
  // Copy: a small Buffer may be a view into Node's shared pool at an unaligned offset.
  const out = new Float32Array(b.byteLength / 4);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function readWav(file: string): Float32Array {
  const wav = parseWav(readFileSync(join(FIXTURES, file)));
  expect(wav.sampleRate).toBe(SAMPLE_RATE);
  return wav.samples;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

const PARITY_CEILING = 1e-3;
const PARITY_SLACK = 1e-5;

describe('mel front-end parity with the torch reference (golden files)', () => {
  it('the golden files were made with the same front-end constants', () => {
    expect(golden.frontEnd).toMatchObject({
      sampleRate: SAMPLE_RATE,
      nFft: N_FFT,
      hop: HOP_LENGTH,
      win: WIN_LENGTH,
      nMels: N_MELS,
      preemph: PREEMPHASIS,
      logGuard: LOG_ZERO_GUARD,
      stdGuard: STD_GUARD,
    });
    expect(golden.cases.map((c) => c.name).sort()).toEqual(['en_speech', 'hi_speech', 'low_level', 'short_300', 'tiny_200']);
  });

  for (const c of golden.cases) {
    it(`${c.name}: shape and values match (normalised and log-mel)`, () => {
      const samples = readWav(c.wav);
      expect(samples.length).toBe(c.samples);
      const feats = computeFeatures(samples);
      const lm = logMel(samples);
      expect(feats.frames).toBe(c.frames);
      expect(c.shape).toEqual([N_MELS, frameCount(samples.length)]);
      expect(feats.data.length).toBe(N_MELS * c.frames);

      const dFeat = maxAbsDiff(feats.data, readF32(c.features));
      const dLog = maxAbsDiff(lm.data, readF32(c.logmel));
      console.log(
        `[mel parity] ${c.name.padEnd(9)} ${String(c.frames).padStart(3)} frames  ` +
          `max|Δ| normalised ${dFeat.toExponential(2)} (reference float32 noise ${c.float32NoiseFeatures.toExponential(2)})  ` +
          `log-mel ${dLog.toExponential(2)} (noise ${c.float32NoiseLogmel.toExponential(2)})`,
      );
      expect(dFeat).toBeLessThanOrEqual(Math.min(PARITY_CEILING, c.float32NoiseFeatures + PARITY_SLACK));
      expect(dLog).toBeLessThanOrEqual(Math.min(PARITY_CEILING, c.float32NoiseLogmel + PARITY_SLACK));
    });
  }

  it('streaming in arbitrary chunks gives exactly the one-shot features, and partial reads match prefixes', () => {
    const samples = readWav('hi_speech.wav');
    const whole = computeFeatures(samples);
    const stream = new LogMelStream();
    let at = 0;
    const chunks = [1, 7, 159, 160, 161, 512, 1000, 333];
    for (let i = 0; at < samples.length; i++) {
      const n = chunks[i % chunks.length]!;
      stream.push(samples.subarray(at, at + n));
      at += n;
      if (i % 5 === 0) {
        const partial = stream.read();
        const prefix = computeFeatures(samples.subarray(0, Math.min(at, samples.length)));
        expect(partial.frames).toBe(prefix.frames);
        expect(Array.from(partial.data)).toEqual(Array.from(prefix.data));
      }
    }
    const streamed = stream.read();
    expect(streamed.frames).toBe(whole.frames);
    expect(Array.from(streamed.data)).toEqual(Array.from(whole.data));
    expect(Array.from(stream.read({ normalize: 'none' }).data)).toEqual(Array.from(logMel(samples).data));
    stream.reset();
    expect(stream.frames).toBe(0);
    stream.push(samples.subarray(0, 300));
    expect(Array.from(stream.read().data)).toEqual(Array.from(computeFeatures(samples.subarray(0, 300)).data));
  });
});

describe('mel front-end properties', () => {
  it('frame count is floor(L / 160) + 1', () => {
    for (const n of [1, 159, 160, 161, 399, 400, 16000, 16159, 16160]) {
      expect(frameCount(n)).toBe(Math.floor(n / 160) + 1);
      const f = computeFeatures(new Float32Array(n).fill(0.01));
      expect(f.frames).toBe(Math.floor(n / 160) + 1);
      expect(f.data.length).toBe(80 * f.frames);
    }
  });

  it('the window is a symmetric Hann of 400 samples (torch periodic=False)', () => {
    const w = analysisWindow();
    expect(w.length).toBe(400);
    expect(w[0]).toBe(0);
    expect(w[399]).toBeCloseTo(0, 15);
    for (let n = 0; n < 200; n++) expect(w[n]).toBeCloseTo(w[399 - n]!, 14);
    const sum = w.reduce((s, v) => s + v, 0);
    expect(sum).toBeCloseTo(399 / 2, 10); // Σ symmetric Hann(N) = (N − 1) / 2
    // The peak (1) falls between samples 199 and 200: w[200] = 0.5 + 0.5·cos(π/399).
    expect(w[200]).toBeCloseTo(0.5 + 0.5 * Math.cos(Math.PI / 399), 15);
    expect(w[200]).toBeLessThan(1);
  });

  it('mel filters: 80 Slaney triangles over 0–8 kHz with area ≈ 1 (Slaney normalisation)', () => {
    const fb = melFilterbank();
    const nFreqs = N_FFT / 2 + 1;
    const binHz = SAMPLE_RATE / N_FFT;
    expect(fb.length).toBe(N_MELS * nFreqs);
    const centres = melCenterFrequencies();
    // Slaney scale: linear below 1 kHz (equal spacing), logarithmic above.
    const step = centres[1]! - centres[0]!;
    expect(centres[5]! - centres[4]!).toBeCloseTo(step, 9);
    expect(centres[79]! - centres[78]!).toBeGreaterThan(3 * step);
    expect(centres[79]!).toBeLessThan(8000);
    for (let m = 0; m < N_MELS; m++) {
      const row = fb.subarray(m * nFreqs, (m + 1) * nFreqs);
      expect(row.every((v) => v >= 0)).toBe(true);
      const area = row.reduce((s, v) => s + v, 0) * binHz;
      const left = m === 0 ? 0 : centres[m - 1]!;
      const right = m === N_MELS - 1 ? 8000 : centres[m + 1]!;
      // The sampled triangle's area converges to 1 once it spans several bins; the narrowest low filters
      // (≈ 2.4 bins wide) are sampled coarsely but stay within 35 %.
      if (right - left > 8 * binHz) expect(Math.abs(area - 1)).toBeLessThan(0.05);
      else expect(Math.abs(area - 1)).toBeLessThan(0.35);
      // Peak height ≤ 2 / width (reached only if a bin hits the centre).
      const peak = Math.max(...row);
      expect(peak).toBeLessThanOrEqual(2 / (right - left) + 1e-12);
    }
  });

  it("a pure tone's energy lands in the mel band centred nearest its frequency", () => {
    const centres = melCenterFrequencies();
    for (const hz of [250, 1000, 3000, 6000]) {
      const n = SAMPLE_RATE;
      const tone = new Float32Array(n);
      for (let i = 0; i < n; i++) tone[i] = 0.5 * Math.sin((2 * Math.PI * hz * i) / SAMPLE_RATE);
      const lm = logMel(tone);
      const t = Math.floor(lm.frames / 2);
      let best = 0;
      for (let m = 1; m < N_MELS; m++) if (lm.data[m * lm.frames + t]! > lm.data[best * lm.frames + t]!) best = m;
      let nearest = 0;
      for (let m = 1; m < N_MELS; m++) if (Math.abs(centres[m]! - hz) < Math.abs(centres[nearest]! - hz)) nearest = m;
      expect(Math.abs(best - nearest)).toBeLessThanOrEqual(1);
      // Far bands are tens of dB down (Hann sidelobes): > 10 nats below the peak band.
      for (let m = 0; m < N_MELS; m++) {
        if (Math.abs(m - best) > 6) expect(lm.data[best * lm.frames + t]! - lm.data[m * lm.frames + t]!).toBeGreaterThan(10);
      }
    }
  });

  it('silence gives log(2^-24) everywhere; per-feature normalisation gives zero mean and unit std per mel', () => {
    const silent = logMel(new Float32Array(4000));
    expect(silent.data.every((v) => v === Math.fround(Math.log(LOG_ZERO_GUARD)))).toBe(true);

    const noise = new Float32Array(SAMPLE_RATE);
    let seed = 7;
    for (let i = 0; i < noise.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      noise[i] = (seed / 2 ** 32 - 0.5) * 0.2 + 0.3 * Math.sin(i / 9);
    }
    const f = computeFeatures(noise);
    for (let m = 0; m < N_MELS; m++) {
      const row = f.data.subarray(m * f.frames, (m + 1) * f.frames);
      const mean = row.reduce((s, v) => s + v, 0) / f.frames;
      const varUnbiased = row.reduce((s, v) => s + (v - mean) ** 2, 0) / (f.frames - 1);
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(Math.sqrt(varUnbiased)).toBeGreaterThan(0.999);
      expect(Math.sqrt(varUnbiased)).toBeLessThan(1 + 1e-6);
    }
    // One frame (L < 160): std undefined, defined as 0 → the frame normalises to 0 (as the reference does).
    expect(computeFeatures(noise.subarray(0, 100)).data.every((v) => v === 0)).toBe(true);
  });

  it('the real FFT matches a direct DFT', () => {
    const fft = new RealFft(512);
    const x = new Float64Array(512);
    for (let i = 0; i < 512; i++) x[i] = Math.sin(i * 0.37) + 0.5 * Math.cos(i * 1.91) + (i % 7) * 0.01;
    const power = new Float64Array(257);
    fft.powerSpectrum(x, power);
    let maxRel = 0;
    for (let k = 0; k <= 256; k++) {
      let re = 0;
      let im = 0;
      for (let n = 0; n < 512; n++) {
        re += x[n]! * Math.cos((-2 * Math.PI * k * n) / 512);
        im += x[n]! * Math.sin((-2 * Math.PI * k * n) / 512);
      }
      const p = re * re + im * im;
      maxRel = Math.max(maxRel, Math.abs(power[k]! - p) / Math.max(p, 1));
    }
    expect(maxRel).toBeLessThan(1e-9);
    expect(() => new RealFft(500)).toThrow(/power of two/);
  });

  it('rejects empty audio and unknown normalisation with a message', () => {
    expect(() => computeFeatures(new Float32Array(0))).toThrow(/empty audio/);
    expect(() => new LogMelStream().read()).toThrow(/push at least one sample/);
    // @ts-expect-error: checking the runtime guard for callers outside TypeScript
    expect(() => computeFeatures(new Float32Array(10), { normalize: 'global' })).toThrow(/per_feature/);
  });
});
