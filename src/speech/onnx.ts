/**
 * The one place that makes onnxruntime-web sessions (isomorphic: workers in the page, Node for tests and
 * the CLI). Every engine imports `ort` from here so there is a single runtime instance with one set of
 * wasm settings.
 *
 * `onnxruntime-web/wasm` resolves (in Vite and in Node) to ort.wasm.bundle.min.mjs, which embeds the
 * Emscripten glue (ort-wasm-simd-threaded.mjs): the only file it fetches is ort-wasm-simd-threaded.wasm.
 * The .mjs is imported only if its URL is given, so `configureOrtWasm` takes it as optional.
 */
import * as ort from 'onnxruntime-web/wasm';

export { ort };

export interface OrtWasmPaths {
  /** URL of ort-wasm-simd-threaded.wasm as served by our own origin (a Vite `?url` import). */
  wasm: string;
  /** URL of ort-wasm-simd-threaded.mjs; leave out to use the glue embedded in the bundle. */
  mjs?: string;
}

export interface OrtOptions {
  /**
   * wasm threads; 1 by default: on a 2-core device a second thread was no faster for small models and
   * threads need cross-origin isolation on every asset.
   */
  numThreads?: number;
}

let started = false;

function applyDefaults(opts: OrtOptions): void {
  ort.env.wasm.numThreads = opts.numThreads ?? 1;
  ort.env.logLevel = 'error';
}

/**
 * Makes the runtime load its wasm from our own server (nothing from a CDN). Call once in each worker
 * before the first session is created; the runtime reads these settings only when it starts.
 */
export function configureOrtWasm(paths: OrtWasmPaths, opts: OrtOptions = {}): void {
  if (started) {
    throw new Error(
      'configureOrtWasm was called after an ONNX session was created, so the runtime already loaded its wasm. ' +
        'Call it first thing in the worker.',
    );
  }
  ort.env.wasm.wasmPaths = paths.mjs ? { wasm: paths.wasm, mjs: paths.mjs } : { wasm: paths.wasm };
  applyDefaults(opts);
}

/** A session on the wasm backend from model bytes (read through a BundleSource, never fetched by ort). */
export async function createSession(
  modelBytes: Uint8Array,
  what: string,
  opts: OrtOptions = {},
): Promise<ort.InferenceSession> {
  if (!started) {
    if (ort.env.wasm.wasmPaths === undefined) applyDefaults(opts); // Node: the wasm sits next to the module
    started = true;
  }
  try {
    return await ort.InferenceSession.create(modelBytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new Error(
      `Could not load the ${what} model into ONNX Runtime: ${(e as Error).message}. ` +
        'The model file may be damaged or from an incompatible version; reinstall the bundle.',
    );
  }
}
