/**
 * Whisper (and other encoder-decoder models in the onnx-community layout) through @huggingface/transformers,
 * with every file read from the bundle: nothing from the model hub, nothing over the network.
 *
 * How the files get in: transformers.js looks a file up in its cache before anything else, so a custom cache
 * (`env.customCache`, the Web Cache API's `match`) answers from a registry of BundleSources, keyed by a model id
 * made up here. Local files and remote models are otherwise switched off (`useFS`, browser/FS caches off,
 * `allowRemoteModels = false`) and `env.fetch` refuses everything, so a file missing from the bundle is an error,
 * never a download. This works the same in Node and in a worker (no file-system paths involved).
 *
 * One ONNX Runtime: transformers.js uses a runtime registered under `Symbol.for('onnxruntime')` instead of its
 * own copy (onnxruntime-node in Node, its own onnxruntime-web in the browser), so it runs on the app's
 * onnxruntime-web with the wasm paths set by configureOrtWasm. It then knows no devices, hence `device: 'auto'`
 * and explicit wasm execution providers.
 */
import type { BundleSource } from '../../bundles/source.ts';
import { ort } from '../onnx.ts';
import { makeTranscript, SAMPLE_RATE, SerialQueue } from './common.ts';
import { SttUnavailableError, type SttEngine, type TranscribeOptions, type Transcript } from './engine.ts';

/** Files of the onnx-community layout, besides the two models. */
const CONFIG_FILES = ['config.json', 'generation_config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;

/** Model file suffix per transformers.js dtype, in order of preference on a CPU/wasm device. */
const DTYPES: ReadonlyArray<{ dtype: 'fp32' | 'q8' | 'int8' | 'uint8' | 'fp16' | 'q4'; suffix: string }> = [
  { dtype: 'fp32', suffix: '' },
  { dtype: 'q8', suffix: '_quantized' },
  { dtype: 'int8', suffix: '_int8' },
  { dtype: 'uint8', suffix: '_uint8' },
  { dtype: 'q4', suffix: '_q4' },
  { dtype: 'fp16', suffix: '_fp16' },
];

/** Where the model files must be: the whole list, so an incomplete copy is easy to fix. */
export function whisperFiles(suffix = ''): string[] {
  return [...CONFIG_FILES, `onnx/encoder_model${suffix}.onnx`, `onnx/decoder_model_merged${suffix}.onnx`];
}

/** The dtype whose two model files are both present, or an error naming what is missing. */
export function chooseWhisperDtype(files: readonly string[], where: string): { dtype: (typeof DTYPES)[number]['dtype']; suffix: string } {
  const missingConfig = CONFIG_FILES.filter((f) => !files.includes(f));
  const found = DTYPES.find(({ suffix }) => whisperFiles(suffix).slice(CONFIG_FILES.length).every((f) => files.includes(f)));
  if (missingConfig.length || !found) {
    const missing = [...missingConfig, ...(found ? [] : ['onnx/encoder_model.onnx', 'onnx/decoder_model_merged.onnx'])];
    throw new SttUnavailableError(
      `The Whisper model in ${where} is incomplete: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing ` +
        `(a Whisper folder needs ${whisperFiles().join(', ')}; quantized variants such as onnx/encoder_model_quantized.onnx also work). ` +
        'Install the complete speech model bundle.',
    );
  }
  return found;
}

/** Made-up model ids → the bundle folder they read from. */
const registry = new Map<string, { source: BundleSource; prefix: string }>();
const LOCAL_ROOT = '/bundle-models/';
/** Only ever a cache key: remote models are off and env.fetch refuses everything (.invalid never resolves). */
const REMOTE_ROOT = 'https://bundle.invalid/';

function lookup(key: string): { source: BundleSource; path: string } | undefined {
  // transformers.js asks for `${localModelPath}${modelId}/${file}`, then keys the hit by the "remote" URL
  // `${remoteHost}${modelId}/${file}`: both name the same bundle file.
  const rest = key.startsWith(LOCAL_ROOT) ? key.slice(LOCAL_ROOT.length) : key.startsWith(REMOTE_ROOT) ? key.slice(REMOTE_ROOT.length) : undefined;
  const cut = rest?.indexOf('/') ?? -1;
  const entry = cut > 0 ? registry.get(rest!.slice(0, cut)) : undefined;
  if (!entry) return undefined;
  const path = entry.prefix + rest!.slice(cut + 1);
  return entry.source.manifest.files.some((f) => f.path === path) ? { source: entry.source, path } : undefined;
}

type Transformers = typeof import('@huggingface/transformers');
let transformers: Promise<Transformers> | undefined;

function loadTransformers(): Promise<Transformers> {
  transformers ??= (async () => {
    // transformers.js reads this symbol when its backend module is evaluated: register ours first.
    (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = ort;
    // It also points an unset wasmPaths at a CDN. In a worker configureOrtWasm has set it; in Node it is
    // unset on purpose (the wasm sits next to the module), so put it back afterwards.
    const wasmPaths = ort.env.wasm.wasmPaths;
    const tf = await import('@huggingface/transformers');
    ort.env.wasm.wasmPaths = wasmPaths;
    // createSession (onnx.ts) sets the runtime defaults before the first session; transformers.js makes its
    // sessions itself, so when it comes first the same default must be in place (unset, onnxruntime-web asks
    // node:os for the core count, which fails under tsx, and would start threads in the browser).
    ort.env.wasm.numThreads ??= 1;
    const env = tf.env;
    env.allowRemoteModels = false;
    env.allowLocalModels = true; // "local" = our cache below; with both off transformers.js refuses to load at all
    env.localModelPath = LOCAL_ROOT;
    env.remoteHost = REMOTE_ROOT;
    env.remotePathTemplate = '{model}/';
    env.useFS = false;
    env.useBrowserCache = false;
    env.useFSCache = false;
    env.useWasmCache = false;
    env.useCustomCache = true;
    env.customCache = {
      async match(key: string) {
        const hit = lookup(key);
        if (!hit) return undefined;
        const bytes = await hit.source.read(hit.path); // verified against the manifest's SHA-256
        return new Response(bytes as Uint8Array<ArrayBuffer>, { status: 200, headers: { 'content-length': String(bytes.byteLength) } });
      },
      async put() {
        // Nothing to store: the bundle already is the cache.
      },
    };
    env.fetch = async (input: string | URL) =>
      new Response(`Not in the bundle: ${String(input)}`, { status: 404, statusText: 'Not in the bundle' });
    return tf;
  })();
  return transformers;
}

/** The callable that pipeline('automatic-speech-recognition') resolves to, narrowed to what is used here. */
type AsrPipeline = ((audio: Float32Array, opts: Record<string, unknown>) => Promise<{ text: string } | Array<{ text: string }>>) & {
  dispose?: () => Promise<void>;
};

let nextId = 0;

export class WhisperEngine implements SttEngine {
  readonly name: string;
  private readonly queue = new SerialQueue();

  private constructor(
    private readonly asr: AsrPipeline,
    readonly dtype: string,
    private readonly modelId: string,
  ) {
    this.name = `whisper (transformers.js, ${dtype})`;
  }

  static async load(source: BundleSource, prefix: string): Promise<WhisperEngine> {
    const files = source.manifest.files.filter((f) => f.path.startsWith(prefix)).map((f) => f.path.slice(prefix.length));
    const { dtype } = chooseWhisperDtype(files, `bundle "${source.manifest.id}" (${prefix || 'top level'})`);
    const tf = await loadTransformers();
    const modelId = `stt-${++nextId}`;
    registry.set(modelId, { source, prefix });
    try {
      const asr = (await tf.pipeline('automatic-speech-recognition', modelId, {
        dtype,
        device: 'auto',
        local_files_only: true,
        session_options: { executionProviders: ['wasm'], graphOptimizationLevel: 'all' },
      })) as unknown as AsrPipeline; // the pipeline's declared type is a union over all tasks
      return new WhisperEngine(asr, dtype, modelId);
    } catch (e) {
      registry.delete(modelId);
      if (e instanceof SttUnavailableError) throw e;
      throw new SttUnavailableError(
        `Could not load the Whisper model from bundle "${source.manifest.id}": ${(e as Error).message}. ` +
          'The files may be damaged or of an unsupported export; reinstall the speech model bundle.',
      );
    }
  }

  /** Hotwords and beam width are CTC options: Whisper decodes greedily here and ignores them. */
  transcribe(audio: Float32Array, opts: TranscribeOptions = {}): Promise<Transcript> {
    return this.queue.run(async () => {
      const started = performance.now();
      const lang = opts.lang ?? 'hi';
      if (audio.length === 0) return makeTranscript('', audio, started, { hint: lang, modelLang: lang });
      const out = await this.asr(audio, {
        language: lang,
        task: 'transcribe',
        return_timestamps: false,
        // Whisper sees 30 s windows: longer audio is cut into overlapping chunks and merged.
        ...(audio.length > 30 * SAMPLE_RATE ? { chunk_length_s: 30 } : {}),
      });
      const text = (Array.isArray(out) ? out.map((o) => o.text).join(' ') : out.text).replace(/\s+/g, ' ').trim();
      return makeTranscript(text, audio, started, { hint: lang, modelLang: lang });
    });
  }

  async dispose(): Promise<void> {
    registry.delete(this.modelId);
    await this.asr.dispose?.();
  }
}
