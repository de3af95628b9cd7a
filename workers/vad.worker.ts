/** Thin worker: hosts the VAD engine (Silero v5 + endpointing) on the capture frames. */
import * as Comlink from 'comlink';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import type { BundleRef } from '../src/bundles/client/status.ts';
import { openBundleSource } from '../src/bundles/store-source.ts';
import { configureOrtWasm } from '../src/speech/onnx.ts';
import { VadEngine, type VadConfig, type VadFrameResult } from '../src/speech/vad/index.ts';

let engine: VadEngine | undefined;

const ready = (): VadEngine => {
  if (!engine) throw new Error('The VAD worker was used before init().');
  return engine;
};

type VadEvents = VadFrameResult['events'];

/** Segment audio is transferred, not copied, back to the page. */
const withAudioTransferred = <T>(value: T, events: VadEvents): T =>
  Comlink.transfer(value, events.flatMap((e) => (e.type === 'speech-end' ? [e.segment.audio.buffer as ArrayBuffer] : [])));

const api = {
  async init(bundle: BundleRef, config: Partial<VadConfig> = {}): Promise<VadConfig> {
    if (!engine) {
      configureOrtWasm({ wasm: ortWasmUrl });
      engine = await VadEngine.create(await openBundleSource(bundle), config);
    } else engine.setConfig(config);
    return { ...engine.config };
  },
  setConfig(config: Partial<VadConfig>): VadConfig {
    ready().setConfig(config);
    return { ...ready().config };
  },
  /** One 512-sample 16 kHz frame (transfer it); returns the frame's probability and any turn events. */
  async pushFrame(frame: Float32Array, sampleIndex: number): Promise<VadFrameResult> {
    const result = await ready().pushFrame(frame, sampleIndex);
    return withAudioTransferred(result, result.events);
  },
  /** Ends a turn in progress (listening stopped). */
  flush(): VadEvents {
    const events = ready().flush();
    return withAudioTransferred(events, events);
  },
  reset(): void {
    ready().reset();
  },
};

export type VadWorkerApi = typeof api;
Comlink.expose(api);
