/** Thin worker: hosts the speech-to-text engine selected from the installed bundle. */
import * as Comlink from 'comlink';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import type { BundleRef } from '../src/bundles/client/status.ts';
import { openBundleSource } from '../src/bundles/store-source.ts';
import { configureOrtWasm } from '../src/speech/onnx.ts';
import { BANK_TERMS } from '../src/speech/stt/bank-terms.ts';
import { NoSttEngine, selectSttEngine, type SttEngine, type Transcript } from '../src/speech/stt/engine.ts';

let engine: SttEngine | undefined;

const api = {
  /** No bundle: no speech model is installed, and the engine says so (the app offers the text box). */
  async init(bundle: BundleRef | undefined): Promise<string> {
    configureOrtWasm({ wasm: ortWasmUrl });
    engine = bundle ? await selectSttEngine(await openBundleSource(bundle)) : new NoSttEngine();
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
