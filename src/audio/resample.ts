/**
 * Streaming sample-rate conversion (isomorphic: AudioWorklet, workers, Node) — exact rational polyphase
 * filter with a Kaiser-windowed sinc low-pass.
 *
 * Hand-written because @ricky0123/vad-web's `Resampler` only averages the input samples that fall in each
 * output period (a box filter): at 48 kHz → 16 kHz a 10 kHz tone comes out about 6 dB down instead of
 * being removed, so everything between 8 and 24 kHz folds back into the speech band; it also pushes sample
 * by sample into a JS array and re-slices it every frame. Here output n sits exactly at input time
 * n·inRate/outRate (integer arithmetic, no drift over hours of capture), the filter is zero-phase (a
 * timestamp in the output maps straight to the input) and stopband attenuation is about 80 dB.
 */

export interface ResamplerOptions {
  /** Zero crossings of the sinc on each side, in output samples: longer = sharper cut-off. Default 24. */
  zeroCrossings?: number;
  /** Cut-off as a fraction of the lower Nyquist frequency. Default 0.9 (7.2 kHz for 16 kHz output). */
  cutoff?: number;
  /** Kaiser window β; 8 gives about 80 dB stopband. */
  kaiserBeta?: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for β ≤ 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

export class StreamingResampler {
  readonly inRate: number;
  readonly outRate: number;
  /** Output advances by `down` input steps of 1/`up` each. */
  private readonly up: number;
  private readonly down: number;
  /** Taps per phase (even): input samples i-half+1 … i+half feed an output whose position lies in [i, i+1). */
  private readonly half: number;
  /** filters[p*taps + k]: weight of input sample (i - half + 1 + k) for phase p. */
  private readonly filters: Float32Array;
  private readonly taps: number;
  /** Input kept from earlier chunks; history[0] is input sample index `historyStart`. */
  private history = new Float32Array(0);
  private historyStart = 0;
  /** Input samples received so far. */
  private received = 0;
  /** Next output sample index. */
  private produced = 0;

  constructor(inRate: number, outRate = 16000, opts: ResamplerOptions = {}) {
    if (!Number.isInteger(inRate) || !Number.isInteger(outRate) || inRate <= 0 || outRate <= 0) {
      throw new RangeError(`Cannot resample ${inRate} Hz → ${outRate} Hz: both rates must be positive integers.`);
    }
    this.inRate = inRate;
    this.outRate = outRate;
    const g = gcd(inRate, outRate);
    this.up = outRate / g;
    this.down = inRate / g;
    const zeroCrossings = opts.zeroCrossings ?? 24;
    const beta = opts.kaiserBeta ?? 8;
    // Cut-off in cycles per input sample; below the lower of the two Nyquist frequencies.
    const fc = 0.5 * Math.min(1, outRate / inRate) * (opts.cutoff ?? 0.9);
    // Kernel half-width in input samples, covering `zeroCrossings` lobes of the cut-off sinc.
    const width = zeroCrossings / (2 * fc);
    this.half = Math.ceil(width);
    this.taps = 2 * this.half;
    this.filters = new Float32Array(this.up * this.taps);
    const i0b = besselI0(beta);
    for (let p = 0; p < this.up; p++) {
      const frac = p / this.up;
      let sum = 0;
      for (let k = 0; k < this.taps; k++) {
        const x = frac - (k - this.half + 1); // distance from the output position to this input sample
        const r = x / width;
        if (Math.abs(r) >= 1) continue;
        const sinc = x === 0 ? 1 : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x * 2 * fc);
        const w = besselI0(beta * Math.sqrt(1 - r * r)) / i0b;
        const h = sinc * w;
        this.filters[p * this.taps + k] = h;
        sum += h;
      }
      // Unit gain at DC for every phase, so no phase-dependent ripple when up-sampling or at odd ratios.
      for (let k = 0; k < this.taps; k++) this.filters[p * this.taps + k]! /= sum;
    }
    this.reset();
  }

  /** Output samples still to come for input already received (the filter's look-ahead). */
  get latencyInputSamples(): number {
    return this.half;
  }

  /** Forget all state; the next input sample is index 0 again. */
  reset(): void {
    // Samples before the stream start are silence: half-1 zeros of history.
    this.history = new Float32Array(this.half - 1);
    this.historyStart = -(this.half - 1);
    this.received = 0;
    this.produced = 0;
  }

  /** Feeds one chunk and returns every output sample that chunk completes (possibly none). */
  process(chunk: Float32Array): Float32Array {
    const buf = new Float32Array(this.history.length + chunk.length);
    buf.set(this.history);
    buf.set(chunk, this.history.length);
    this.received += chunk.length;
    const bufStart = this.historyStart;
    const bufEnd = this.received; // exclusive, absolute input index

    // Output n needs inputs up to floor(n·down/up) + half.
    const firstNeeded = (n: number) => Math.floor((n * this.down) / this.up) - this.half + 1;
    let count = 0;
    while (Math.floor(((this.produced + count) * this.down) / this.up) + this.half < bufEnd) count++;
    const out = new Float32Array(count);
    const { taps, up, down, filters } = this;
    for (let j = 0; j < count; j++) {
      const n = this.produced + j;
      const t = n * down;
      const phase = t % up;
      const base = firstNeeded(n) - bufStart;
      const f = phase * taps;
      let acc = 0;
      for (let k = 0; k < taps; k++) acc += buf[base + k]! * filters[f + k]!;
      out[j] = acc;
    }
    this.produced += count;
    const keepFrom = Math.max(bufStart, Math.min(bufEnd, firstNeeded(this.produced)));
    this.history = buf.slice(keepFrom - bufStart);
    this.historyStart = keepFrom;
    return out;
  }

  /** Ends the stream: pushes silence through so the last real input comes out, then resets (for files, not live capture). */
  flush(): Float32Array {
    const expected = Math.ceil((this.received * this.up) / this.down);
    const before = this.produced;
    const tail = this.process(new Float32Array(this.half + 1));
    this.reset();
    // The padding itself is not signal: drop outputs positioned after the last real input sample.
    return tail.slice(0, Math.max(0, expected - before));
  }
}

/** One-shot conversion of a whole buffer; output length is ceil(len · outRate / inRate). */
export function resample(samples: Float32Array, inRate: number, outRate = 16000, opts?: ResamplerOptions): Float32Array {
  if (inRate === outRate) return samples.slice();
  const r = new StreamingResampler(inRate, outRate, opts);
  const a = r.process(samples);
  const b = r.flush();
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export interface TimedFrame {
  samples: Float32Array;
  /** Index of the frame's first sample in the output stream (exact: counts output samples). */
  sampleIndex: number;
}

/**
 * Capture-side helper (used by the capture worklet, testable in Node): resamples an input stream and cuts
 * it into fixed-size frames stamped with their position in the output stream.
 */
export class FrameResampler {
  private readonly resampler: StreamingResampler | undefined;
  private pending: Float32Array;
  private filled = 0;
  private emitted = 0;

  constructor(inRate: number, readonly frameSamples = 512, outRate = 16000) {
    this.resampler = inRate === outRate ? undefined : new StreamingResampler(inRate, outRate);
    this.pending = new Float32Array(frameSamples);
  }

  /** Returns the frames this chunk completes; each frame is a fresh buffer, safe to transfer. */
  push(chunk: Float32Array): TimedFrame[] {
    const data = this.resampler ? this.resampler.process(chunk) : chunk;
    const frames: TimedFrame[] = [];
    let at = 0;
    while (at < data.length) {
      const n = Math.min(this.frameSamples - this.filled, data.length - at);
      this.pending.set(data.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.frameSamples) {
        frames.push({ samples: this.pending, sampleIndex: this.emitted });
        this.emitted += this.frameSamples;
        this.pending = new Float32Array(this.frameSamples);
        this.filled = 0;
      }
    }
    return frames;
  }
}
