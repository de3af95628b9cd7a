import { parseWav as parseAnyWav } from '../../audio/wav.ts';
import type { PcmChunk } from '../tts-types.ts';
import { TtsError } from './errors.ts';

/** The WAV eSpeak NG wrote, as PCM for playback; a damaged file becomes a TtsError that says what to do. */
export function parseWav(bytes: Uint8Array): PcmChunk {
  try {
    const { samples, sampleRate } = parseAnyWav(bytes);
    return { samples, sampleRate };
  } catch (e) {
    throw new TtsError(`Speech output could not be read (${(e as Error).message}). The TTS engine may be damaged; reinstall the app.`);
  }
}
