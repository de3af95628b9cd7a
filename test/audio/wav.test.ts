import { describe, expect, it } from 'vitest';
import { encodeWav, parseWav, WavError } from '../../src/audio/wav.ts';

/** Builds a WAV by hand (independent of encodeWav) so the parser is tested against the format, not itself. */
function buildWav(opts: {
  tag?: number;
  extensibleSubformat?: number;
  channels: number;
  rate: number;
  bits: number;
  frames: number[][]; // frames[i][c] as raw integer / float values
  extraChunkBeforeFmt?: boolean;
  declaredDataBytes?: number;
}): Uint8Array {
  const bps = opts.bits / 8;
  const dataBytes = opts.frames.length * opts.channels * bps;
  const ext = opts.extensibleSubformat !== undefined;
  const fmtSize = ext ? 40 : 16;
  const extra = opts.extraChunkBeforeFmt ? 8 + 5 + 1 : 0; // odd-sized LIST chunk + pad byte
  const out = new Uint8Array(12 + extra + 8 + fmtSize + 8 + dataBytes);
  const v = new DataView(out.buffer);
  const put = (at: number, s: string) => [...s].forEach((ch, i) => v.setUint8(at + i, ch.charCodeAt(0)));
  put(0, 'RIFF');
  v.setUint32(4, out.length - 8, true);
  put(8, 'WAVE');
  let at = 12;
  if (opts.extraChunkBeforeFmt) {
    put(at, 'LIST');
    v.setUint32(at + 4, 5, true);
    at += 8 + 6;
  }
  put(at, 'fmt ');
  v.setUint32(at + 4, fmtSize, true);
  v.setUint16(at + 8, ext ? 0xfffe : (opts.tag ?? 1), true);
  v.setUint16(at + 10, opts.channels, true);
  v.setUint32(at + 12, opts.rate, true);
  v.setUint32(at + 16, opts.rate * opts.channels * bps, true);
  v.setUint16(at + 20, opts.channels * bps, true);
  v.setUint16(at + 22, opts.bits, true);
  if (ext) {
    v.setUint16(at + 24, 22, true);
    v.setUint16(at + 26, opts.bits, true);
    v.setUint32(at + 28, (1 << opts.channels) - 1, true);
    v.setUint16(at + 32, opts.extensibleSubformat!, true); // GUID starts with the format tag
  }
  at += 8 + fmtSize;
  put(at, 'data');
  v.setUint32(at + 4, opts.declaredDataBytes ?? dataBytes, true);
  at += 8;
  for (const frame of opts.frames) {
    for (const s of frame) {
      if (opts.tag === 3 || opts.extensibleSubformat === 3) v.setFloat32(at, s, true);
      else if (opts.bits === 8) v.setUint8(at, s);
      else if (opts.bits === 16) v.setInt16(at, s, true);
      else if (opts.bits === 24) {
        v.setUint8(at, s & 0xff);
        v.setUint8(at + 1, (s >> 8) & 0xff);
        v.setInt8(at + 2, s >> 16);
      } else v.setInt32(at, s, true);
      at += bps;
    }
  }
  return out;
}

describe('parseWav', () => {
  it('reads 8-bit unsigned PCM', () => {
    const w = parseWav(buildWav({ channels: 1, rate: 8000, bits: 8, frames: [[128], [255], [0], [192]] }));
    expect(w.sampleRate).toBe(8000);
    expect(Array.from(w.samples)).toEqual([0, 127 / 128, -1, 0.5]);
  });

  it('reads 16-bit PCM stereo and downmixes by averaging', () => {
    const w = parseWav(buildWav({ channels: 2, rate: 44100, bits: 16, frames: [[16384, 0], [-32768, -32768], [8192, -8192]] }));
    expect(w.channels).toBe(2);
    expect(Array.from(w.samples)).toEqual([0.25, -1, 0]);
  });

  it('reads 24-bit PCM including negative values', () => {
    const w = parseWav(buildWav({ channels: 1, rate: 48000, bits: 24, frames: [[4194304], [-8388608], [-1]] }));
    expect(w.samples[0]).toBeCloseTo(0.5, 7);
    expect(w.samples[1]).toBe(-1);
    expect(w.samples[2]).toBeCloseTo(-1 / 8388608, 10);
  });

  it('reads 32-bit PCM', () => {
    const w = parseWav(buildWav({ channels: 1, rate: 16000, bits: 32, frames: [[1073741824], [-2147483648]] }));
    expect(Array.from(w.samples)).toEqual([0.5, -1]);
  });

  it('reads 32-bit float with 3 channels, skipping an odd-sized chunk before fmt', () => {
    const w = parseWav(
      buildWav({ tag: 3, channels: 3, rate: 22050, bits: 32, frames: [[0.3, 0.6, 0.9], [-0.3, 0, 0]], extraChunkBeforeFmt: true }),
    );
    expect(w.encoding).toBe('float');
    expect(w.samples[0]).toBeCloseTo(0.6, 6);
    expect(w.samples[1]).toBeCloseTo(-0.1, 6);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE (PCM and float sub-formats)', () => {
    const pcm = parseWav(buildWav({ extensibleSubformat: 1, channels: 2, rate: 48000, bits: 16, frames: [[16384, 16384]] }));
    expect(Array.from(pcm.samples)).toEqual([0.5]);
    const flt = parseWav(buildWav({ extensibleSubformat: 3, channels: 1, rate: 48000, bits: 32, frames: [[0.125]] }));
    expect(Array.from(flt.samples)).toEqual([0.125]);
  });

  it('accepts a streaming header whose data size is 0xFFFFFFFF', () => {
    const w = parseWav(buildWav({ channels: 1, rate: 16000, bits: 16, frames: [[100], [200]], declaredDataBytes: 0xffffffff }));
    expect(w.samples.length).toBe(2);
  });

  it('gives clear errors for empty, non-WAV, truncated and sample-less files', () => {
    expect(() => parseWav(new Uint8Array(0))).toThrow(/empty/);
    expect(() => parseWav(new TextEncoder().encode('ID3\u0003 this is an mp3'))).toThrow(/Not a WAV/);
    const full = buildWav({ channels: 1, rate: 16000, bits: 16, frames: [[1], [2], [3], [4]] });
    expect(() => parseWav(full.subarray(0, full.length - 4))).toThrow(/truncated: its data chunk declares 8 bytes but only 4/);
    expect(() => parseWav(full.subarray(0, 30))).toThrow(/truncated inside its "fmt "/);
    expect(() => parseWav(full.subarray(0, 36))).toThrow(/no audio data chunk/);
    expect(() => parseWav(buildWav({ channels: 1, rate: 16000, bits: 16, frames: [] }))).toThrow(/no audio samples/);
    expect(() => parseWav(buildWav({ tag: 2, channels: 1, rate: 16000, bits: 4, frames: [] }))).toThrow(/Unsupported WAV encoding \(format tag 0x2/);
    expect(() => parseWav(new Uint8Array(0))).toThrow(WavError);
  });
});

describe('encodeWav', () => {
  it('round-trips through parseWav within 16-bit quantisation', () => {
    const x = Float32Array.from({ length: 1000 }, (_, i) => 0.8 * Math.sin(i / 7) + (i % 3) * 0.05);
    const bytes = encodeWav(x, 16000);
    expect(bytes.length).toBe(44 + 2000);
    const back = parseWav(bytes);
    expect(back).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, encoding: 'pcm' });
    expect(back.samples.length).toBe(1000);
    let maxErr = 0;
    for (let i = 0; i < x.length; i++) maxErr = Math.max(maxErr, Math.abs(back.samples[i]! - x[i]!));
    // Encoding scales by 32767 (positive) and decoding by 32768: at most 1.5 LSB apart.
    expect(maxErr).toBeLessThanOrEqual(1.5 / 32768);
  });

  it('clips out-of-range samples and keeps the extremes exact', () => {
    const back = parseWav(encodeWav(Float32Array.from([2, -2, 1, -1, 0]), 8000));
    expect(Array.from(back.samples)).toEqual([32767 / 32768, -1, 32767 / 32768, -1, 0]);
  });

  it('rejects a non-integer rate', () => {
    expect(() => encodeWav(new Float32Array(4), 44100.5)).toThrow(/positive integer/);
  });
});
