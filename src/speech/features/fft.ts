/**
 * Power spectrum of a real frame: an iterative radix-2 complex FFT of n/2 points plus the standard
 * even/odd split that turns it into the n-point real transform.
 *
 * Hand-written because no FFT package is installed (the project's dependencies have none) and the task only
 * needs one fixed size (512): ~100 lines with tables precomputed once beat adding a dependency, and the loop
 * runs in float64 so the result is limited by the float32 output, not by the transform.
 */
export class RealFft {
  readonly size: number;
  private readonly half: number;
  private readonly bitReverse: Uint32Array;
  /** cos/sin of -2πk/half for the complex half-size FFT. */
  private readonly cosHalf: Float64Array;
  private readonly sinHalf: Float64Array;
  /** cos/sin of -2πk/size for the real-split step. */
  private readonly cosFull: Float64Array;
  private readonly sinFull: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new RangeError(`RealFft size must be a power of two ≥ 4, got ${size}`);
    }
    this.size = size;
    const half = size / 2;
    this.half = half;
    const bits = Math.log2(half);
    this.bitReverse = new Uint32Array(half);
    for (let i = 0; i < half; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.bitReverse[i] = r;
    }
    this.cosHalf = new Float64Array(half / 2);
    this.sinHalf = new Float64Array(half / 2);
    for (let k = 0; k < half / 2; k++) {
      this.cosHalf[k] = Math.cos((-2 * Math.PI * k) / half);
      this.sinHalf[k] = Math.sin((-2 * Math.PI * k) / half);
    }
    this.cosFull = new Float64Array(half + 1);
    this.sinFull = new Float64Array(half + 1);
    for (let k = 0; k <= half; k++) {
      this.cosFull[k] = Math.cos((-2 * Math.PI * k) / size);
      this.sinFull[k] = Math.sin((-2 * Math.PI * k) / size);
    }
    this.re = new Float64Array(half);
    this.im = new Float64Array(half);
  }

  /**
   * |X[k]|² for k = 0 … size/2 of the real input `frame` (length `size`), written to `power`
   * (length ≥ size/2 + 1). Not re-entrant: it uses scratch buffers owned by the instance.
   */
  powerSpectrum(frame: Float64Array, power: Float64Array): void {
    const { half, re, im, bitReverse } = this;
    // Pack even samples as real, odd as imaginary, in bit-reversed order.
    for (let i = 0; i < half; i++) {
      const j = bitReverse[i]!;
      re[j] = frame[2 * i]!;
      im[j] = frame[2 * i + 1]!;
    }
    const { cosHalf, sinHalf } = this;
    for (let len = 2; len <= half; len <<= 1) {
      const halfLen = len >> 1;
      const step = half / len;
      for (let start = 0; start < half; start += len) {
        for (let k = 0; k < halfLen; k++) {
          const wr = cosHalf[k * step]!;
          const wi = sinHalf[k * step]!;
          const a = start + k;
          const b = a + halfLen;
          const br = re[b]!;
          const bi = im[b]!;
          const tr = br * wr - bi * wi;
          const ti = br * wi + bi * wr;
          const ar = re[a]!;
          const ai = im[a]!;
          re[a] = ar + tr;
          im[a] = ai + ti;
          re[b] = ar - tr;
          im[b] = ai - ti;
        }
      }
    }
    // Split: X[k] = E[k] + W^k O[k], E = (Z[k] + conj Z[h-k]) / 2, O = (Z[k] - conj Z[h-k]) / 2i.
    const { cosFull, sinFull } = this;
    const r0 = re[0]!;
    const i0 = im[0]!;
    power[0] = (r0 + i0) * (r0 + i0);
    power[half] = (r0 - i0) * (r0 - i0);
    for (let k = 1; k < half; k++) {
      const zr = re[k]!;
      const zi = im[k]!;
      const cr = re[half - k]!;
      const ci = -im[half - k]!;
      const er = 0.5 * (zr + cr);
      const ei = 0.5 * (zi + ci);
      // (Z - conj) / 2i = (dr + i di) / 2i = (di - i dr) / 2
      const or = 0.5 * (zi - ci);
      const oi = -0.5 * (zr - cr);
      const wr = cosFull[k]!;
      const wi = sinFull[k]!;
      const xr = er + or * wr - oi * wi;
      const xi = ei + or * wi + oi * wr;
      power[k] = xr * xr + xi * xi;
    }
  }
}
