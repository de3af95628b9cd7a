import type { BundleSource } from '../../bundles/source.ts';
import type { Lang } from '../../config/lang.ts';
import type { PcmChunk, TtsEngine } from '../tts-types.ts';
import { TtsError } from './errors.ts';
import { EspeakRuntime } from './espeak-runtime.ts';
import { sanitizeForSpeech } from './sanitize.ts';
import { espeakVoiceFor } from './voices.ts';
import { parseWav } from './wav.ts';

export { TtsError } from './errors.ts';

export interface EspeakOptions {
  /** Speaking rate in words per minute, 80–450 (eSpeak's own default is 175). */
  rate: number;
  /** Base pitch 0–99; 50 is the voice's normal pitch. */
  pitch: number;
  /** Voice variant appended to every voice, e.g. "f3" for a female voice; empty for the default. */
  variant: string;
}

export const DEFAULT_ESPEAK_OPTIONS: Readonly<EspeakOptions> = { rate: 165, pitch: 50, variant: '' };

const OUT_WAV = '/tts-out.wav';

function checkOptions(o: EspeakOptions): EspeakOptions {
  if (!Number.isFinite(o.rate) || o.rate < 80 || o.rate > 450) {
    throw new TtsError(`Speech rate ${o.rate} is out of range: use 80–450 words per minute.`);
  }
  if (!Number.isFinite(o.pitch) || o.pitch < 0 || o.pitch > 99) {
    throw new TtsError(`Speech pitch ${o.pitch} is out of range: use 0–99 (50 is normal).`);
  }
  if (!/^[A-Za-z0-9_-]*$/.test(o.variant)) {
    throw new TtsError(`Voice variant "${o.variant}" is not a variant name (e.g. "f3", "m2").`);
  }
  return o;
}

/**
 * eSpeak NG text-to-speech from a bundle's "tts" wasm. The wasm is compiled once and one warm instance is
 * reused for every sentence (see EspeakRuntime); after a failure the instance is dropped and the next call
 * starts a fresh one from the compiled module.
 */
export class EspeakTts implements TtsEngine {
  readonly name = 'espeak-ng';
  private runtime: Promise<EspeakRuntime> | null = null;
  private options: EspeakOptions;
  private resetTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(private readonly compiled: WebAssembly.Module, options: Partial<EspeakOptions>) {
    this.options = checkOptions({ ...DEFAULT_ESPEAK_OPTIONS, ...options });
  }

  /** Reads the bundle's "tts" file, compiles it and starts the warm instance. */
  static async fromBundle(source: BundleSource, options: Partial<EspeakOptions> = {}): Promise<EspeakTts> {
    return EspeakTts.fromWasm(await source.readRole('tts'), options);
  }

  static async fromWasm(wasm: Uint8Array, options: Partial<EspeakOptions> = {}): Promise<EspeakTts> {
    let compiled: WebAssembly.Module;
    try {
      compiled = await WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>);
    } catch (e) {
      throw new TtsError(`The speech engine's wasm does not compile (${(e as Error).message}). Reinstall the speech bundle.`);
    }
    const tts = new EspeakTts(compiled, options);
    await tts.instance();
    return tts;
  }

  get settings(): Readonly<EspeakOptions> {
    return this.options;
  }

  setOptions(options: Partial<EspeakOptions>): void {
    this.options = checkOptions({ ...this.options, ...options });
  }

  voiceFor(lang: Lang | string): string {
    return espeakVoiceFor(lang, this.options.variant || undefined);
  }

  async synthesize(text: string, lang: Lang | string): Promise<PcmChunk> {
    if (!text.trim()) throw new TtsError('Nothing to say: the text to speak is empty.');
    const voice = this.voiceFor(lang);
    const spoken = sanitizeForSpeech(text, lang);
    if (!spoken) throw new TtsError(`Nothing to say: "${text.slice(0, 40)}" has no speakable words.`);

    const runtime = await this.instance();
    clearTimeout(this.resetTimer);
    try {
      const { exitCode, stderr } = runtime.run([
        '-v', voice,
        '-s', String(Math.round(this.options.rate)),
        '-p', String(Math.round(this.options.pitch)),
        '-w', OUT_WAV,
        '--', spoken,
      ]);
      const detail = stderr.join(' ').trim();
      if (exitCode !== 0) throw new TtsError(`eSpeak NG failed (exit ${exitCode})${detail ? `: ${detail}` : ''}.`);
      let wav: Uint8Array;
      try {
        wav = runtime.readFile(OUT_WAV);
      } catch {
        throw new TtsError(`eSpeak NG wrote no audio${detail ? `: ${detail}` : ''}.`);
      }
      runtime.removeFile(OUT_WAV);
      const pcm = parseWav(wav);
      if (pcm.samples.length === 0) throw new TtsError(`eSpeak NG produced no samples for voice "${voice}".`);
      // Restore the instance's memory while idle so the next sentence does not pay for it.
      this.resetTimer = setTimeout(() => runtime.reset(), 0);
      return pcm;
    } catch (e) {
      this.runtime = null; // start a fresh instance on the next call
      if (e instanceof TtsError) throw e;
      throw new TtsError(`eSpeak NG crashed while speaking (${(e as Error)?.message ?? String(e)}); it will restart on the next sentence.`);
    }
  }

  private instance(): Promise<EspeakRuntime> {
    if (!this.runtime) {
      const starting = EspeakRuntime.create(this.compiled);
      this.runtime = starting;
      starting.catch(() => {
        if (this.runtime === starting) this.runtime = null;
      });
    }
    return this.runtime;
  }
}
