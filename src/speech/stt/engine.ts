import type { BundleSource } from '../../bundles/source.ts';
import type { InputLang } from '../../config/lang.ts';
import type { OrtOptions } from '../onnx.ts';
import { describeLayouts, detectSttLayout, sttPrefix } from './layout.ts';

export interface TranscribeOptions {
  /** Language hint: selects IndicConformer's language head; engines that detect the language may ignore it. */
  lang?: 'hi' | 'en';
  /** Words or phrases to favour in CTC beam search ("gold loan", "EMI", "लोन"); needs a CTC engine. */
  hotwords?: readonly string[];
  /** CTC beam width; unset or 1 decodes greedily (8 when hotwords are given). */
  beam?: number;
}

export interface TimedWord {
  word: string;
  startMs: number;
  endMs: number;
}

export interface Transcript {
  text: string;
  lang: InputLang;
  /** True for a partial result while the customer is still speaking. */
  partial: boolean;
  /** Length of the audio transcribed. */
  durationMs: number;
  /** Wall time the engine took (features, model, decoding). */
  processingMs: number;
  /** The language code the model decoded with, when it has per-language heads (IndicConformer: "hi", "ta", …). */
  modelLang?: string;
  /** Word start/end times from the CTC alignment (CTC engines only). */
  words?: TimedWord[];
}

/** Speech-to-text behind one interface; engines are chosen from the installed bundles. */
export interface SttEngine {
  readonly name: string;
  /** 16 kHz mono audio of one utterance. */
  transcribe(audio: Float32Array, opts?: TranscribeOptions): Promise<Transcript>;
}

export class SttUnavailableError extends Error {
  override name = 'SttUnavailableError';
}

/** The request cannot be served by this model (e.g. a language it has no head for); the model itself is fine. */
export class SttRequestError extends Error {
  override name = 'SttRequestError';
}

/** What runs when no installed bundle provides a recognition model: says so instead of guessing. */
export class NoSttEngine implements SttEngine {
  readonly name = 'none';
  async transcribe(): Promise<Transcript> {
    throw new SttUnavailableError(
      'No speech recognition model is installed on this device yet, so speech cannot be turned into text. ' +
        'Please type your question, or ask IT to install a speech model bundle.',
    );
  }
}

export interface SelectOptions {
  ort?: OrtOptions;
}

/**
 * Picks the engine for the bundle's speech model from the files under its `roles.stt` folder and loads it
 * (so a broken model fails here, at worker start, not at the first utterance):
 *   model.onnx + tokens.txt                                         → NeMo/sherpa CTC
 *   encoder.onnx + ctc_decoder.onnx + vocab.json + language_masks.json → IndicConformer (multilingual CTC)
 *   config.json + onnx/…                                             → Whisper (transformers.js)
 * No stt role → NoSttEngine. Engines are imported on demand so a worker loads only the one it runs.
 */
export async function selectSttEngine(source: BundleSource, opts: SelectOptions = {}): Promise<SttEngine> {
  const role = source.manifest.roles.stt;
  if (!role) return new NoSttEngine();
  const prefix = sttPrefix(role);
  const files = source.manifest.files.map((f) => f.path).filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
  const layout = detectSttLayout(files);
  switch (layout.kind) {
    case 'nemo-ctc': {
      const { NemoCtcEngine } = await import('./nemo-ctc.ts');
      return NemoCtcEngine.load(source, prefix, opts.ort);
    }
    case 'indic-conformer': {
      const { IndicConformerEngine } = await import('./indic-conformer.ts');
      return IndicConformerEngine.load(source, prefix, opts.ort);
    }
    case 'whisper': {
      const { WhisperEngine } = await import('./whisper.ts');
      return WhisperEngine.load(source, prefix);
    }
    case 'unknown':
      throw new SttUnavailableError(
        `Bundle "${source.manifest.id}" has a speech model under "${prefix}" that this app cannot run: ` +
          `${layout.reason} A speech model folder needs one of: ${describeLayouts()}. ` +
          'Install a complete speech model bundle, or update the app.',
      );
  }
}
