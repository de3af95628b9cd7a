import type { Lang } from '../config/lang.ts';

/** Mono PCM audio for the playback queue. */
export interface PcmChunk {
  samples: Float32Array;
  sampleRate: number;
}

export interface TtsEngine {
  readonly name: string;
  /** Voices the engine has for a language, best first. */
  voiceFor(lang: Lang | string): string;
  synthesize(text: string, lang: Lang | string): Promise<PcmChunk>;
}
