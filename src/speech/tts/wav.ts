import type { PcmChunk } from '../tts-types.ts';
import { TtsError } from './errors.ts';

const tag = (v: DataView, at: number) => String.fromCharCode(v.getUint8(at), v.getUint8(at + 1), v.getUint8(at + 2), v.getUint8(at + 3));

/** Decodes a 16-bit PCM WAV (what eSpeak NG writes) into mono Float32 samples in [-1, 1). */
export function parseWav(bytes: Uint8Array): PcmChunk {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || tag(v, 0) !== 'RIFF' || tag(v, 8) !== 'WAVE') {
    throw new TtsError(`Speech output is not a WAV file (${bytes.byteLength} bytes). The TTS engine is damaged; reinstall the app.`);
  }
  let sampleRate = 0;
  let channels = 0;
  let at = 12;
  while (at + 8 <= bytes.byteLength) {
    const id = tag(v, at);
    const size = v.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      const format = v.getUint16(body, true);
      channels = v.getUint16(body + 2, true);
      sampleRate = v.getUint32(body + 4, true);
      const bits = v.getUint16(body + 14, true);
      if (format !== 1 || bits !== 16 || channels < 1) {
        throw new TtsError(`Speech output has an unsupported WAV format (format ${format}, ${bits} bit, ${channels} channels).`);
      }
    } else if (id === 'data') {
      if (!sampleRate) throw new TtsError('Speech output WAV has no "fmt " chunk before its data.');
      // A writer that could not seek back leaves a placeholder size: trust the bytes actually present.
      const frames = Math.floor(Math.min(size, bytes.byteLength - body) / (2 * channels));
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = v.getInt16(body + i * 2 * channels, true) / 32768;
      return { samples, sampleRate };
    }
    at = body + size + (size & 1);
  }
  throw new TtsError('Speech output WAV has no "data" chunk.');
}
