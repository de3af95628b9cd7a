/** Pieces the STT engines share: feature tensors, session checks, one-at-a-time runs, transcripts. */
import { detectLanguage } from '../../agent/language.ts';
import type { Vocabulary } from '../ctc/vocab.ts';
import { computeFeatures, HOP_LENGTH, N_MELS, SAMPLE_RATE } from '../features/mel.ts';
import { ort } from '../onnx.ts';
import { SttUnavailableError, type TimedWord, type Transcript } from './engine.ts';

export { SAMPLE_RATE };
/** Feature hop: 10 ms at 16 kHz. */
export const FEATURE_FRAME_MS = (HOP_LENGTH / SAMPLE_RATE) * 1000;

/** NeMo features as the encoder input pair: `audio_signal` float32 [1, 80, T] and `length` int64 [1]. */
export function featureInputs(audio: Float32Array): { audio_signal: ort.Tensor; length: ort.Tensor; frames: number } {
  const f = computeFeatures(audio);
  return {
    audio_signal: new ort.Tensor('float32', f.data, [1, N_MELS, f.frames]),
    length: new ort.Tensor('int64', BigInt64Array.of(BigInt(f.frames)), [1]),
    frames: f.frames,
  };
}

/** Fails with the names the model lacks, rather than a runtime error deep inside ONNX Runtime. */
export function requireNames(session: ort.InferenceSession, inputs: readonly string[], outputs: readonly string[], file: string): void {
  const missingIn = inputs.filter((n) => !session.inputNames.includes(n));
  const missingOut = outputs.filter((n) => !session.outputNames.includes(n));
  if (missingIn.length || missingOut.length) {
    throw new SttUnavailableError(
      `${file} does not have the expected ${[...missingIn.map((n) => `input "${n}"`), ...missingOut.map((n) => `output "${n}"`)].join(', ')} ` +
        `(it has inputs ${session.inputNames.join(', ') || 'none'}; outputs ${session.outputNames.join(', ') || 'none'}). ` +
        'It is not a model of this layout; install the right speech model bundle.',
    );
  }
}

/** A float32 output of known rank, with its dims as numbers. */
export function floatOutput(t: ort.Tensor | undefined, name: string, rank: number, file: string): { data: Float32Array; dims: number[] } {
  if (!t || t.type !== 'float32' || t.dims.length !== rank) {
    throw new SttUnavailableError(
      `${file} returned "${name}" as ${t ? `${t.type} ${JSON.stringify(t.dims)}` : 'nothing'}, expected a float32 tensor of rank ${rank}. ` +
        'The model does not follow this layout; install the right speech model bundle.',
    );
  }
  return { data: t.data as Float32Array, dims: t.dims.map(Number) };
}

/** Runs tasks one after another: an ONNX Runtime session must not run two inferences at once. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Words with times from a CTC alignment: a word starts at a token whose text begins with a space ("▁")
 * and ends one frame after its last token (CTC spikes are short, so this is an estimate to ±1 frame).
 */
export function wordsFromAlignment(tokens: readonly number[], frames: readonly number[], vocab: Vocabulary, frameMs: number): TimedWord[] {
  const words: TimedWord[] = [];
  let word = '';
  let start = 0;
  let last = 0;
  const close = () => {
    if (word.trim()) words.push({ word: word.trim(), startMs: start * frameMs, endMs: (last + 1) * frameMs });
    word = '';
  };
  tokens.forEach((id, i) => {
    const text = vocab.pieceText(id);
    if (!text) return;
    const frame = frames[i]!;
    if (!word.trim() || text.startsWith(' ')) {
      close();
      start = frame;
    }
    word += text;
    last = frame;
  });
  close();
  return words;
}

export function makeTranscript(
  text: string,
  audio: Float32Array,
  startedAt: number,
  extra: Partial<Pick<Transcript, 'modelLang' | 'words'>> & { hint?: 'hi' | 'en' } = {},
): Transcript {
  const { hint, ...rest } = extra;
  return {
    text,
    // The model does not say which language it heard: the text does (Devanagari, Hinglish cues, or English).
    lang: text ? detectLanguage(text) : (hint ?? 'en'),
    partial: false,
    durationMs: (audio.length / SAMPLE_RATE) * 1000,
    processingMs: performance.now() - startedAt,
    ...rest,
  };
}
