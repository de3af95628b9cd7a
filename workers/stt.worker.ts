/** Thin worker: hosts the speech-to-text engine selected from the installed bundle. */
import * as Comlink from 'comlink';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { FetchSource } from '../src/bundles/source.ts';
import { configureOrtWasm } from '../src/speech/onnx.ts';
import { BANK_TERMS } from '../src/speech/stt/bank-terms.ts';
import { selectSttEngine, type SttEngine, type Transcript } from '../src/speech/stt/engine.ts';

let engine: SttEngine | undefined;

const api = {
  async init(bundleBaseUrl: string): Promise<string> {
    configureOrtWasm({ wasm: ortWasmUrl });
    engine = await selectSttEngine(await FetchSource.open(bundleBaseUrl));
    return engine.name;
  },
  /**
   * 16 kHz mono audio of the utterance so far (partial: greedy, fast) or of the whole utterance (final: beam
   * search favouring bank terms).
   */
  async transcribe(audio: Float32Array, lang?: 'hi' | 'en', partial = false): Promise<Transcript> {
    if (!engine) throw new Error('The speech recognition worker was used before init.');
    const opts = partial ? { lang } : { lang, beam: 8, hotwords: BANK_TERMS };
    return { ...(await engine.transcribe(audio, opts)), partial };
  },
};

export type SttWorkerApi = typeof api;
Comlink.expose(api);
