/** Text-to-speech worker: eSpeak NG from the bundle, PCM handed to the main thread without copying. */
import * as Comlink from 'comlink';
import type { BundleRef } from '../src/bundles/client/status.ts';
import { openBundleSource } from '../src/bundles/store-source.ts';
import type { Lang } from '../src/config/lang.ts';
import type { PcmChunk } from '../src/speech/tts-types.ts';
import { EspeakTts, TtsError, type EspeakOptions } from '../src/speech/tts/espeak.ts';

let engine: Promise<EspeakTts> | undefined;

const api = {
  /** Opens the installed bundle and starts the warm engine. */
  async init(bundle: BundleRef, options: Partial<EspeakOptions> = {}): Promise<void> {
    engine = openBundleSource(bundle).then((source) => EspeakTts.fromBundle(source, options));
    await engine;
  },

  async synthesize(text: string, lang: Lang | string): Promise<PcmChunk> {
    if (!engine) throw new TtsError('The speech worker was used before init(); call init(bundle) first.');
    const pcm = await (await engine).synthesize(text, lang);
    return Comlink.transfer(pcm, [pcm.samples.buffer]);
  },
};

export type TtsWorkerApi = typeof api;
Comlink.expose(api);
