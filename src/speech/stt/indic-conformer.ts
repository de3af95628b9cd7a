/**
 * AI4Bharat IndicConformer 600M multilingual, CTC head, in the layout of its ONNX release:
 *   encoder.onnx      `audio_signal` float32 [B, 80, T], `length` int64 [B] → `outputs` [B, D, T'] (channel-first),
 *                     `encoded_lengths` [B]
 *   ctc_decoder.onnx  `encoder_output` [B, D, T'] → `logprobs` [B, T', 22×256+1]
 *   vocab.json        {lang: 256 or 257 tokens}, index 0 `<unk>`, local 256 the blank
 *   language_masks.json {lang: booleans over the logprobs width}: the language's 256 columns plus the shared blank
 * Decoding as in the reference: the language's 257 columns, log_softmax, CTC, "▁" → space. The RNNT head is not
 * used (CTC is faster on the device and needs no per-language joint networks).
 */
import type { BundleSource } from '../../bundles/source.ts';
import { decodeCtc, indicVocabulary, INDIC_TOKENS_PER_LANGUAGE, logProbs, logSoftmaxRows, selectColumns, type LogProbs, type Vocabulary } from '../ctc/index.ts';
import { createSession, type OrtOptions, type ort } from '../onnx.ts';
import { FEATURE_FRAME_MS, featureInputs, floatOutput, makeTranscript, requireNames, SerialQueue, wordsFromAlignment } from './common.ts';
import { SttRequestError, SttUnavailableError, type SttEngine, type TranscribeOptions, type Transcript } from './engine.ts';

/** IndicConformer takes any of its languages by code ("hi", "ta", …), not only the app's reply languages. */
export type IndicTranscribeOptions = Omit<TranscribeOptions, 'lang'> & { lang?: string };

/** Encoder frames are 80 ms (8× subsampling of the 10 ms feature hop). */
const SUBSAMPLING = 8;

interface LanguageHead {
  columns: number[];
  vocab: Vocabulary;
}

/** Reads language_masks.json + vocab.json into per-language column lists; languages must be in both. */
export function parseIndicLanguages(vocabJson: unknown, masksJson: unknown, where: string): { heads: Map<string, LanguageHead>; width: number } {
  if (!masksJson || typeof masksJson !== 'object' || Array.isArray(masksJson)) {
    throw new SttUnavailableError(`${where}language_masks.json is not an object of {language: [booleans]}. Reinstall the speech model.`);
  }
  const heads = new Map<string, LanguageHead>();
  let width: number | undefined;
  for (const [lang, mask] of Object.entries(masksJson as Record<string, unknown>)) {
    if (!Array.isArray(mask) || !mask.every((x) => typeof x === 'boolean' || x === 0 || x === 1)) {
      throw new SttUnavailableError(`${where}language_masks.json: the mask of "${lang}" is not a list of booleans. Reinstall the speech model.`);
    }
    if (width !== undefined && mask.length !== width) {
      throw new SttUnavailableError(`${where}language_masks.json: masks have different lengths (${width} and ${mask.length}). Reinstall the speech model.`);
    }
    width = mask.length;
    const columns = mask.flatMap((on, i) => (on ? [i] : []));
    if (columns.length !== INDIC_TOKENS_PER_LANGUAGE || columns[columns.length - 1] !== mask.length - 1) {
      throw new SttUnavailableError(
        `${where}language_masks.json: "${lang}" selects ${columns.length} columns; expected 256 of its own plus the shared blank (the last column). ` +
          'Reinstall the speech model.',
      );
    }
    const vocabs = vocabJson as Record<string, unknown> | null;
    if (!vocabs || typeof vocabs !== 'object' || !(lang in vocabs)) continue; // a mask without tokens: not usable
    heads.set(lang, { columns, vocab: indicVocabulary(vocabJson, lang) });
  }
  if (heads.size === 0 || width === undefined) {
    throw new SttUnavailableError(`${where}vocab.json and language_masks.json share no language. Reinstall the speech model.`);
  }
  return { heads, width };
}

export class IndicConformerEngine implements SttEngine {
  readonly name: string;
  private readonly queue = new SerialQueue();

  private constructor(
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
    private readonly heads: Map<string, LanguageHead>,
    private readonly width: number,
    private readonly prefix: string,
    private readonly bundleId: string,
  ) {
    this.name = `indic-conformer-ctc (${this.languages.join(', ')})`;
  }

  static async load(source: BundleSource, prefix: string, ortOpts?: OrtOptions): Promise<IndicConformerEngine> {
    const [enc, dec, vocabBytes, masksBytes] = await Promise.all(
      ['encoder.onnx', 'ctc_decoder.onnx', 'vocab.json', 'language_masks.json'].map((f) => source.read(prefix + f)),
    );
    const json = (bytes: Uint8Array, file: string): unknown => {
      try {
        return JSON.parse(new TextDecoder().decode(bytes));
      } catch (e) {
        throw new SttUnavailableError(`${prefix}${file} is not valid JSON (${(e as Error).message}). Reinstall the speech model.`);
      }
    };
    const { heads, width } = parseIndicLanguages(json(vocabBytes!, 'vocab.json'), json(masksBytes!, 'language_masks.json'), prefix);
    const encoder = await createSession(enc!, 'speech recognition encoder (IndicConformer)', ortOpts);
    requireNames(encoder, ['audio_signal', 'length'], ['outputs', 'encoded_lengths'], `${prefix}encoder.onnx`);
    const decoder = await createSession(dec!, 'speech recognition CTC decoder (IndicConformer)', ortOpts);
    requireNames(decoder, ['encoder_output'], ['logprobs'], `${prefix}ctc_decoder.onnx`);
    return new IndicConformerEngine(encoder, decoder, heads, width, prefix, source.manifest.id);
  }

  /** Language codes this bundle can decode, in file order. */
  get languages(): string[] {
    return [...this.heads.keys()];
  }

  transcribe(audio: Float32Array, opts: IndicTranscribeOptions = {}): Promise<Transcript> {
    const lang = opts.lang ?? 'hi';
    const head = this.heads.get(lang);
    if (!head) {
      return Promise.reject(
        new SttRequestError(
          `The speech model in bundle "${this.bundleId}" cannot recognise language "${lang}"; it supports ${this.languages.join(', ')}. ` +
            'Choose one of those languages, or install a model for this one.',
        ),
      );
    }
    return this.queue.run(async () => {
      const started = performance.now();
      const hint = lang === 'hi' || lang === 'en' ? { hint: lang as 'hi' | 'en' } : {};
      if (audio.length === 0) return makeTranscript('', audio, started, { ...hint, modelLang: lang, words: [] });
      const m = logSoftmaxRows(selectColumns(await this.forward(audio), head.columns));
      const decoded = decodeCtc(m, head.vocab, opts);
      return makeTranscript(decoded.text, audio, started, {
        ...hint,
        modelLang: lang,
        words: wordsFromAlignment(decoded.tokens, decoded.frames, head.vocab, FEATURE_FRAME_MS * SUBSAMPLING),
      });
    });
  }

  /** One language's log-probabilities [T'][257] of a clip (diagnostics and tests). */
  languageLogProbs(audio: Float32Array, lang: string): Promise<LogProbs> {
    const head = this.heads.get(lang);
    if (!head) return Promise.reject(new SttRequestError(`No "${lang}" head; this model has ${this.languages.join(', ')}.`));
    return this.queue.run(async () => logSoftmaxRows(selectColumns(await this.forward(audio), head.columns)));
  }

  /** Full-width decoder output [T'][width] for the valid encoder frames. */
  private async forward(audio: Float32Array): Promise<LogProbs> {
    const { audio_signal, length } = featureInputs(audio);
    const enc = await this.encoder.run({ audio_signal, length });
    const encoded = enc.outputs!;
    const validFrames = Number((enc.encoded_lengths?.data as BigInt64Array | Int32Array | undefined)?.[0] ?? encoded.dims[2]);
    const dec = await this.decoder.run({ encoder_output: encoded });
    const { data, dims } = floatOutput(dec.logprobs, 'logprobs', 3, `${this.prefix}ctc_decoder.onnx`);
    const [, frames, width] = dims as [number, number, number];
    if (width !== this.width) {
      throw new SttUnavailableError(
        `${this.prefix}ctc_decoder.onnx outputs ${width} classes per frame but language_masks.json has ${this.width}: the files belong to different models. ` +
          'Reinstall the speech model.',
      );
    }
    const keep = Math.max(0, Math.min(frames, validFrames));
    return logProbs(data.subarray(0, keep * width), keep, width);
  }
}
