/** Thin worker: hosts the speech-to-text engine selected from the installed bundle. */
import * as Comlink from 'comlink';
import { FetchSource } from '../src/bundles/source.ts';
import { selectSttEngine, type SttEngine } from '../src/speech/stt/engine.ts';

let engine: SttEngine | undefined;

const api = {
  async init(bundleBaseUrl: string): Promise<string> {
    engine = await selectSttEngine(await FetchSource.open(bundleBaseUrl));
    return engine.name;
  },
  async transcribe(audio: Float32Array, lang?: 'hi' | 'en') {
    if (!engine) throw new Error('The speech recognition worker was used before init.');
    return engine.transcribe(audio, { lang });
  },
};

export type SttWorkerApi = typeof api;
Comlink.expose(api);
