/**
 * NeMo CTC models in the sherpa-onnx layout: model.onnx (`audio_signal` float32 [B, 80, T], `length` int64
 * [B] → `logprobs` [B, T', V+1]) and tokens.txt (blank last). The model's metadata_props say how it was
 * trained to be fed: `normalize_type` must be "per_feature" (what src/speech/features computes) and
 * `subsampling_factor` gives the encoder frame length for word times.
 */
import type { BundleSource } from '../../bundles/source.ts';
import { decodeCtc, logProbs, logSoftmaxRows, parseSherpaTokens, type LogProbs, type Vocabulary } from '../ctc/index.ts';
import { readOnnxMetadata } from '../onnx-metadata.ts';
import { createSession, type OrtOptions, type ort } from '../onnx.ts';
import { FEATURE_FRAME_MS, featureInputs, floatOutput, makeTranscript, requireNames, SerialQueue, wordsFromAlignment } from './common.ts';
import { SttUnavailableError, type SttEngine, type TranscribeOptions, type Transcript } from './engine.ts';

export interface NemoCtcInfo {
  vocabSize: number;
  subsamplingFactor: number;
  modelType: string;
  metadata: Record<string, string>;
}

/** Checks the metadata against what this engine can feed the model; returns the facts it needs. */
export function checkNemoMetadata(meta: Record<string, string>, vocab: Vocabulary, file: string): NemoCtcInfo {
  const normalize = meta.normalize_type;
  if (normalize !== 'per_feature') {
    throw new SttUnavailableError(
      `${file} expects ${normalize ? `"${normalize}"` : 'un-normalised (no normalize_type in its metadata)'} features, but this app computes ` +
        'NeMo features normalised per_feature only, so the model would hear garbage. Use a model exported with ' +
        'normalize_type "per_feature".',
    );
  }
  const factor = Number(meta.subsampling_factor ?? NaN);
  if (!Number.isInteger(factor) || factor < 1) {
    throw new SttUnavailableError(`${file} has no valid subsampling_factor in its metadata (got "${meta.subsampling_factor ?? ''}"). Re-export the model with it.`);
  }
  // sherpa exports write either the token count or the count without the blank.
  const declared = meta.vocab_size === undefined ? undefined : Number(meta.vocab_size);
  if (declared !== undefined && declared !== vocab.size && declared !== vocab.size - 1) {
    throw new SttUnavailableError(
      `${file} says vocab_size ${meta.vocab_size} but tokens.txt has ${vocab.size} tokens: they belong to different models. Reinstall the speech model.`,
    );
  }
  return { vocabSize: vocab.size, subsamplingFactor: factor, modelType: meta.model_type ?? 'unknown', metadata: meta };
}

export class NemoCtcEngine implements SttEngine {
  readonly name: string;
  private readonly queue = new SerialQueue();

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly vocab: Vocabulary,
    readonly info: NemoCtcInfo,
    private readonly file: string,
  ) {
    this.name = `nemo-ctc (${info.modelType}, ${vocab.size} tokens)`;
  }

  static async load(source: BundleSource, prefix: string, ortOpts?: OrtOptions): Promise<NemoCtcEngine> {
    const file = `${prefix}model.onnx`;
    const [model, tokens] = await Promise.all([source.read(file), source.read(`${prefix}tokens.txt`)]);
    const vocab = parseSherpaTokens(new TextDecoder().decode(tokens));
    const info = checkNemoMetadata(readOnnxMetadata(model), vocab, file);
    const session = await createSession(model, 'speech recognition (NeMo CTC)', ortOpts);
    requireNames(session, ['audio_signal', 'length'], ['logprobs'], file);
    return new NemoCtcEngine(session, vocab, info, file);
  }

  /** Encoder frame length in ms (10 ms feature hop × subsampling). */
  get frameMs(): number {
    return FEATURE_FRAME_MS * this.info.subsamplingFactor;
  }

  transcribe(audio: Float32Array, opts: TranscribeOptions = {}): Promise<Transcript> {
    return this.queue.run(async () => {
      const started = performance.now();
      const hint = opts.lang ? { hint: opts.lang } : {};
      if (audio.length === 0) return makeTranscript('', audio, started, { ...hint, words: [] });
      const decoded = decodeCtc(await this.forward(audio), this.vocab, opts);
      return makeTranscript(decoded.text, audio, started, {
        ...hint,
        words: wordsFromAlignment(decoded.tokens, decoded.frames, this.vocab, this.frameMs),
      });
    });
  }

  /** Per-frame log-probabilities [T'][V] of a clip (diagnostics and tests). */
  logProbs(audio: Float32Array): Promise<LogProbs> {
    return this.queue.run(() => this.forward(audio));
  }

  private async forward(audio: Float32Array): Promise<LogProbs> {
    const { audio_signal, length } = featureInputs(audio);
    const out = await this.session.run({ audio_signal, length });
    const { data, dims } = floatOutput(out.logprobs, 'logprobs', 3, this.file);
    const [, frames, width] = dims as [number, number, number];
    if (width !== this.vocab.size) {
      throw new SttUnavailableError(
        `${this.file} outputs ${width} classes per frame but tokens.txt has ${this.vocab.size}: the files belong to different models. Reinstall the speech model.`,
      );
    }
    // sherpa exports already apply log_softmax; doing it again is harmless and covers exports that do not.
    return logSoftmaxRows(logProbs(data, frames, width));
  }
}
