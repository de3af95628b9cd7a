import { describe, expect, it } from 'vitest';
import { resample, StreamingResampler } from '../../src/audio/resample.ts';

const tone = (hz: number, rate: number, seconds: number, amp = 0.5) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rate));

/** RMS away from the edges (the filter's ramp-in and ramp-out). */
const rms = (a: Float32Array, edge = 400) => {
  const mid = a.subarray(edge, a.length - edge);
  return Math.sqrt(mid.reduce((s, x) => s + x * x, 0) / mid.length);
};

/** Frequency from upward zero crossings, interpolated between samples. */
function measuredHz(a: Float32Array, rate: number, edge = 400): number {
  const crossings: number[] = [];
  for (let i = edge + 1; i < a.length - edge; i++) {
    const p = a[i - 1]!;
    const c = a[i]!;
    if (p < 0 && c >= 0) crossings.push(i - 1 + p / (p - c));
  }
  return ((crossings.length - 1) * rate) / (crossings.at(-1)! - crossings[0]!);
}

describe('StreamingResampler', () => {
  for (const rate of [48000, 44100, 22050]) {
    it(`keeps a 1 kHz tone at ${rate} Hz: right frequency, level and length`, () => {
      const out = resample(tone(1000, rate, 1), rate, 16000);
      expect(out.length).toBe(16000);
      expect(measuredHz(out, 16000)).toBeCloseTo(1000, 1);
      expect(rms(out) / (0.5 / Math.SQRT2)).toBeGreaterThan(0.995);
      expect(rms(out) / (0.5 / Math.SQRT2)).toBeLessThan(1.005);
    });
  }

  it('removes content above 8 kHz instead of folding it into the speech band', () => {
    for (const [hz, rate] of [[10000, 48000], [12000, 44100], [9000, 22050], [20000, 48000]] as const) {
      const out = resample(tone(hz, rate, 1), rate, 16000);
      // > 70 dB down (a box-averaging resampler leaves a 10 kHz tone only ~6 dB down).
      expect(rms(out) / (0.5 / Math.SQRT2), `${hz} Hz at ${rate}`).toBeLessThan(3e-4);
    }
  });

  it('gives the same output chunk by chunk as in one piece (state is kept between chunks)', () => {
    const x = Float32Array.from({ length: 44100 }, (_, i) => Math.sin(i / 5) * 0.3 + Math.sin(i / 37) * 0.2);
    const whole = new StreamingResampler(44100).process(x);
    const r = new StreamingResampler(44100);
    const parts: number[] = [];
    let at = 0;
    let size = 1;
    while (at < x.length) {
      parts.push(...r.process(x.subarray(at, at + size)));
      at += size;
      size = (size * 7 + 3) % 300; // 128-sample render quanta and odd sizes alike (0 included)
    }
    expect(parts.length).toBe(whole.length);
    let maxDiff = 0;
    for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs(parts[i]! - whole[i]!));
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('keeps time exactly: an impulse at input sample k comes out at k·16000/48000', () => {
    const x = new Float32Array(48000);
    x[30000] = 1;
    const out = resample(x, 48000);
    let peak = 0;
    for (let i = 1; i < out.length; i++) if (Math.abs(out[i]!) > Math.abs(out[peak]!)) peak = i;
    expect(peak).toBe(10000);
  });

  it('never drifts over a long stream at 44.1 kHz (output count = ceil(in·160/441))', () => {
    const r = new StreamingResampler(44100);
    let produced = 0;
    const chunk = new Float32Array(128);
    for (let i = 0; i < 44100 * 60 / 128; i++) produced += r.process(chunk).length;
    const received = Math.ceil((44100 * 60) / 128) * 128;
    // Everything except the filter look-ahead is out.
    const expected = Math.ceil((received * 160) / 441);
    expect(expected - produced).toBeGreaterThanOrEqual(0);
    expect(expected - produced).toBeLessThanOrEqual(Math.ceil((r.latencyInputSamples * 160) / 441) + 1);
  });

  it('up-samples too (8 kHz → 16 kHz keeps a 1 kHz tone)', () => {
    const out = resample(tone(1000, 8000, 1), 8000, 16000);
    expect(out.length).toBe(16000);
    expect(measuredHz(out, 16000)).toBeCloseTo(1000, 1);
    expect(rms(out) / (0.5 / Math.SQRT2)).toBeGreaterThan(0.99);
  });

  it('rejects nonsense rates with a clear error', () => {
    expect(() => new StreamingResampler(0)).toThrow(/positive integers/);
    expect(() => new StreamingResampler(44100.5)).toThrow(/positive integers/);
  });
});
