/**
 * WAV reading and writing (isomorphic: page, workers, Node). Reading accepts what phones, recorders and
 * tools actually produce (PCM 8/16/24/32-bit, float 32/64, WAVE_FORMAT_EXTENSIBLE, any channel count and
 * rate) and returns mono Float32 at the file's own rate; writing produces 16-bit PCM mono.
 */

export class WavError extends Error {
  override name = 'WavError';
}

export interface DecodedWav {
  /** Mono samples in [-1, 1]; multi-channel files are averaged. */
  samples: Float32Array;
  sampleRate: number;
  /** Channels in the file before the downmix. */
  channels: number;
  bitsPerSample: number;
  encoding: 'pcm' | 'float';
}

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;

const fourCC = (v: DataView, at: number) => String.fromCharCode(v.getUint8(at), v.getUint8(at + 1), v.getUint8(at + 2), v.getUint8(at + 3));

const hint = 'Use a WAV file (PCM or 32-bit float), e.g. export it again from the recorder.';

export function parseWav(input: Uint8Array | ArrayBuffer): DecodedWav {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.byteLength === 0) throw new WavError(`The audio file is empty (0 bytes). ${hint}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || fourCC(view, 0) !== 'RIFF' || fourCC(view, 8) !== 'WAVE') {
    throw new WavError(`Not a WAV file (no RIFF/WAVE header). ${hint}`);
  }

  let fmt: { tag: number; channels: number; sampleRate: number; bits: number; blockAlign: number } | undefined;
  let data: { offset: number; size: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.byteLength) {
    const id = fourCC(view, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.byteLength) throw new WavError(`The WAV file is truncated inside its "fmt " header. ${hint}`);
      let tag = view.getUint16(body, true);
      if (tag === FORMAT_EXTENSIBLE) {
        // The real format is the first two bytes of the SubFormat GUID (cbSize 22 at body+16, GUID at body+24).
        if (size < 40 || body + 26 > bytes.byteLength) throw new WavError(`The WAV file's extensible "fmt " header is truncated. ${hint}`);
        tag = view.getUint16(body + 24, true);
      }
      fmt = {
        tag,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      const available = bytes.byteLength - body;
      // Streaming writers leave the size at 0 or 0xFFFFFFFF: the data then runs to the end of the file.
      const open = size === 0xffffffff || (size === 0 && available > 0);
      if (!open && size > available) {
        throw new WavError(
          `The WAV file is truncated: its data chunk declares ${size} bytes but only ${available} are present. ` +
            'The recording was probably cut off; record or copy it again.',
        );
      }
      data = { offset: body, size: open ? available : size };
      if (fmt) break;
    }
    at = body + size + (size % 2); // chunks are word-aligned
  }

  if (!fmt) throw new WavError(`The WAV file has no "fmt " header. ${hint}`);
  if (!data) throw new WavError(`The WAV file has no audio data chunk (it may be truncated). ${hint}`);
  const { tag, channels, sampleRate, bits } = fmt;
  if (channels < 1 || sampleRate < 1) throw new WavError(`The WAV header says ${channels} channels at ${sampleRate} Hz, which is invalid. ${hint}`);
  const encoding = tag === FORMAT_FLOAT ? 'float' : tag === FORMAT_PCM ? 'pcm' : undefined;
  const supported = encoding === 'pcm' ? [8, 16, 24, 32].includes(bits) : encoding === 'float' ? [32, 64].includes(bits) : false;
  if (!encoding || !supported) {
    throw new WavError(`Unsupported WAV encoding (format tag 0x${tag.toString(16)}, ${bits}-bit). ${hint}`);
  }

  const bytesPerSample = bits / 8;
  const blockAlign = bytesPerSample * channels;
  const frames = Math.floor(data.size / blockAlign);
  if (frames === 0) throw new WavError('The WAV file contains no audio samples. Record something and try again.');

  const read = sampleReader(view, encoding, bits);
  const samples = new Float32Array(frames);
  const scale = 1 / channels;
  for (let i = 0, p = data.offset; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++, p += bytesPerSample) sum += read(p);
    samples[i] = sum * scale;
  }
  return { samples, sampleRate, channels, bitsPerSample: bits, encoding };
}

function sampleReader(v: DataView, encoding: 'pcm' | 'float', bits: number): (at: number) => number {
  if (encoding === 'float') return bits === 32 ? (p) => v.getFloat32(p, true) : (p) => v.getFloat64(p, true);
  switch (bits) {
    case 8:
      return (p) => (v.getUint8(p) - 128) / 128; // 8-bit WAV is unsigned
    case 16:
      return (p) => v.getInt16(p, true) / 32768;
    case 24:
      return (p) => ((v.getUint8(p) | (v.getUint8(p + 1) << 8) | (v.getInt8(p + 2) << 16)) / 8388608);
    default:
      return (p) => v.getInt32(p, true) / 2147483648;
  }
}

/** Mono Float32 → 16-bit PCM WAV bytes (values outside [-1, 1] are clipped). */
export function encodeWav(samples: Float32Array, sampleRate: number): Uint8Array {
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw new WavError(`Cannot write a WAV at ${sampleRate} Hz: the rate must be a positive integer.`);
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const v = new DataView(out.buffer);
  const put = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) v.setUint8(at + i, s.charCodeAt(i));
  };
  put(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, FORMAT_PCM, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  put(36, 'data');
  v.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i] ?? 0));
    v.setInt16(44 + i * 2, Math.round(s < 0 ? s * 32768 : s * 32767), true);
  }
  return out;
}
