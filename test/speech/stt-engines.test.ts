/**
 * Each engine layout decodes the committed fixture WAV exactly as the python reference did
 * (tools/stt/build_tiny_models.py: torch forward on tools/stt/nemo_features.py features + reference decoding).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseWav } from '../../src/audio/wav.ts';
import { BundleError } from '../../src/bundles/source.ts';
import { IndicConformerEngine } from '../../src/speech/stt/indic-conformer.ts';
import { NemoCtcEngine } from '../../src/speech/stt/nemo-ctc.ts';
import { NoSttEngine, selectSttEngine, SttRequestError, SttUnavailableError } from '../../src/speech/stt/engine.ts';
import { detectSttLayout, sttPrefix } from '../../src/speech/stt/layout.ts';
import { chooseWhisperDtype, WhisperEngine } from '../../src/speech/stt/whisper.ts';
import { fixtureBundle, fixtureFloat32, STT_FIXTURES, sttReference, type SttReference } from '../fixtures/stt/bundle.ts';

let speech: Float32Array;
let ref: SttReference;

beforeAll(async () => {
  const wav = parseWav(await readFile(join(STT_FIXTURES, 'speech.wav')));
  expect(wav.sampleRate).toBe(16000);
  speech = wav.samples;
  ref = await sttReference();
  expect(speech.length).toBe(ref.samples);
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('NeMo CTC engine (model.onnx + tokens.txt)', () => {
  let engine: NemoCtcEngine;
  beforeAll(async () => {
    const e = await selectSttEngine(await fixtureBundle('nemo'));
    expect(e).toBeInstanceOf(NemoCtcEngine);
    engine = e as NemoCtcEngine;
  });

  it('transcribes the fixture exactly as the python reference (greedy)', async () => {
    const t = await engine.transcribe(speech);
    expect(t.text).toBe(ref.nemo.text);
    expect(t.text).toBe(ref.nemo.referenceText.replace(/\s+/g, ' ').trim());
    expect(t.partial).toBe(false);
    expect(t.durationMs).toBeCloseTo((ref.samples / 16000) * 1000, 6);
    expect(t.processingMs).toBeGreaterThan(0);
    expect(t.lang).toBe('hi'); // mostly Devanagari: detected from the text
  });

  it('gives the same log-probabilities as torch (loosely: different float paths)', async () => {
    const lp = await engine.logProbs(speech);
    expect([lp.frames, lp.vocab]).toEqual(ref.nemo.logprobs.shape);
    expect(maxAbsDiff(lp.data, await fixtureFloat32(ref.nemo.logprobs.file))).toBeLessThan(2e-3);
  });

  it('beam search agrees with the independent python prefix beam search', async () => {
    const t = await engine.transcribe(speech, { beam: ref.nemo.beam.width });
    expect(t.text).toBe(ref.nemo.beam.text);
  });

  it('reads the subsampling factor from the metadata for word times', async () => {
    expect(engine.info.subsamplingFactor).toBe(ref.nemo.subsamplingFactor);
    expect(engine.frameMs).toBe(40);
    const t = await engine.transcribe(speech);
    expect(t.words!.map((w) => w.word).join(' ')).toBe(t.text);
    for (const w of t.words!) {
      expect(w.startMs % 40).toBe(0);
      expect(w.endMs).toBeGreaterThan(w.startMs);
      expect(w.endMs).toBeLessThanOrEqual(ref.nemo.encoderFrames * 40);
    }
  });

  it('hotwords pull bank terms into the transcript where the model is unsure', async () => {
    // The random model is unsure almost everywhere, so a boosted term wins somewhere it was close.
    const plain = await engine.transcribe(speech, { beam: 8 });
    const words = (t: { text: string }) => t.text.split(' ');
    for (const term of ['लोन', 'गोल्ड', 'kya']) {
      expect(words(plain)).not.toContain(term);
      expect(words(await engine.transcribe(speech, { beam: 8, hotwords: [term] })), term).toContain(term);
    }
    // Hotwords alone switch on beam search (greedy cannot use them).
    expect(words(await engine.transcribe(speech, { hotwords: ['लोन'] }))).toContain('लोन');
  });

  it('serves overlapping calls one after another (a session runs one inference at a time)', async () => {
    const [a, b, c] = await Promise.all([engine.transcribe(speech), engine.transcribe(speech.subarray(0, 8000)), engine.transcribe(speech)]);
    expect(a.text).toBe(ref.nemo.text);
    expect(c.text).toBe(ref.nemo.text);
    expect(b.durationMs).toBe(500);
  });

  it('returns an empty transcript for empty audio', async () => {
    const t = await engine.transcribe(new Float32Array(0), { lang: 'en' });
    expect(t.text).toBe('');
    expect(t.lang).toBe('en');
  });

  it('refuses a model whose features are not normalised per_feature, before loading it', async () => {
    const model = new Uint8Array(await readFile(join(STT_FIXTURES, 'nemo/model.onnx')));
    // Appending a metadata_props entry overrides the key (a later entry wins, as in onnxruntime).
    const entry = [...new TextEncoder().encode('normalize_type')];
    const value = [...new TextEncoder().encode('all_features')];
    const body = [0x0a, entry.length, ...entry, 0x12, value.length, ...value];
    const patched = Uint8Array.from([...model, 0x72, body.length, ...body]);
    const source = await fixtureBundle('nemo', { replace: { 'model.onnx': patched } });
    await expect(selectSttEngine(source)).rejects.toThrow(/expects "all_features" features.*per_feature/);
  });

  it('refuses tokens.txt of another model', async () => {
    const tokens = (await readFile(join(STT_FIXTURES, 'nemo/tokens.txt'), 'utf8')).split('\n').filter(Boolean);
    const fewer = [...tokens.slice(0, 50), `<blk> 50`].join('\n');
    const source = await fixtureBundle('nemo', { replace: { 'tokens.txt': new TextEncoder().encode(fewer) } });
    await expect(selectSttEngine(source)).rejects.toThrow(/vocab_size 119 but tokens.txt has 51 tokens/);
  });
});

describe('IndicConformer engine (encoder + ctc_decoder + vocab + language masks)', () => {
  let engine: IndicConformerEngine;
  beforeAll(async () => {
    const e = await selectSttEngine(await fixtureBundle('indic'));
    expect(e).toBeInstanceOf(IndicConformerEngine);
    engine = e as IndicConformerEngine;
  });

  it('lists the languages of the bundle', () => {
    expect(engine.languages).toEqual(ref.indic.languages);
  });

  it('decodes every language head exactly as the python reference', async () => {
    for (const lang of ref.indic.languages) {
      const t = await engine.transcribe(speech, { lang });
      expect(t.text, lang).toBe(ref.indic.results[lang]!.text);
      expect(t.modelLang).toBe(lang);
    }
    // Different masks really select different columns: the four transcripts differ.
    const texts = new Set(ref.indic.languages.map((l) => ref.indic.results[l]!.text));
    expect(texts.size).toBe(ref.indic.languages.length);
  });

  it('defaults to Hindi and says so in the transcript', async () => {
    const t = await engine.transcribe(speech);
    expect(t.text).toBe(ref.indic.results.hi!.text);
    expect(t.modelLang).toBe('hi');
    expect(t.lang).toBe('hi');
  });

  it('renormalises the selected columns (log_softmax) like the reference', async () => {
    const lp = await engine.languageLogProbs(speech, 'hi');
    expect([lp.frames, lp.vocab]).toEqual(ref.indic.logprobs.shape);
    expect(lp.frames).toBe(ref.indic.encoderFrames);
    expect(maxAbsDiff(lp.data, await fixtureFloat32(ref.indic.logprobs.file))).toBeLessThan(2e-3);
    let sum = 0;
    for (let v = 0; v < lp.vocab; v++) sum += Math.exp(lp.data[v]!);
    expect(sum).toBeCloseTo(1, 5);
  });

  it('beam search agrees with the python prefix beam search', async () => {
    for (const lang of ['hi', 'ta']) {
      const t = await engine.transcribe(speech, { lang, beam: 4 });
      expect(t.text, lang).toBe(ref.indic.results[lang]!.beam.text);
    }
  });

  it('says which languages it supports when asked for another', async () => {
    await expect(engine.transcribe(speech, { lang: 'en' })).rejects.toThrow(SttRequestError);
    await expect(engine.transcribe(speech, { lang: 'en' })).rejects.toThrow(/cannot recognise language "en"; it supports hi, mr, bn, ta/);
  });

  it('names the tensors a model of another layout lacks', async () => {
    const nemoModel = new Uint8Array(await readFile(join(STT_FIXTURES, 'nemo/model.onnx')));
    const source = await fixtureBundle('indic', { replace: { 'encoder.onnx': nemoModel } });
    await expect(selectSttEngine(source)).rejects.toThrow(
      /stt\/encoder.onnx does not have the expected output "outputs", output "encoded_lengths" \(it has inputs audio_signal, length; outputs logprobs\)/,
    );
  });

  it('rejects masks that do not select 256 tokens plus the shared blank', async () => {
    const masks = JSON.parse(await readFile(join(STT_FIXTURES, 'indic/language_masks.json'), 'utf8')) as Record<string, boolean[]>;
    masks.hi![5632] = false;
    const source = await fixtureBundle('indic', { replace: { 'language_masks.json': new TextEncoder().encode(JSON.stringify(masks)) } });
    await expect(selectSttEngine(source)).rejects.toThrow(/"hi" selects 256 columns; expected 256 of its own plus the shared blank/);
  });
});

describe('Whisper engine (transformers.js, local files only)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('transcribes through transformers.js with the language token, reading only bundle files', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const e = await selectSttEngine(await fixtureBundle('whisper'));
    expect(e).toBeInstanceOf(WhisperEngine);
    expect((e as WhisperEngine).dtype).toBe('fp32');
    // The tiny model spells a fixed phrase per language token (it is a plumbing test, see the build script).
    const hi = await e.transcribe(speech, { lang: 'hi' });
    expect(hi.text).toBe(ref.whisper.results.hi.text);
    expect(hi.lang).toBe('hi');
    const en = await e.transcribe(speech, { lang: 'en' });
    expect(en.text).toBe(ref.whisper.results.en.text);
    expect(en.lang).toBe('en');
    expect(fetchSpy).not.toHaveBeenCalled();
    await (e as WhisperEngine).dispose();
  });

  it('runs on the app\'s onnxruntime-web (one runtime, one set of wasm settings)', async () => {
    const { ort } = await import('../../src/speech/onnx.ts');
    await selectSttEngine(await fixtureBundle('whisper'));
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')]).toBe(ort);
    expect(ort.env.wasm.wasmPaths).toBeUndefined(); // transformers.js' CDN default was undone
  });

  it('loads quantized file names when only those are present', async () => {
    const enc = new Uint8Array(await readFile(join(STT_FIXTURES, 'whisper/onnx/encoder_model.onnx')));
    const dec = new Uint8Array(await readFile(join(STT_FIXTURES, 'whisper/onnx/decoder_model_merged.onnx')));
    const source = await fixtureBundle('whisper', {
      omit: ['onnx/encoder_model.onnx', 'onnx/decoder_model_merged.onnx'],
      replace: { 'onnx/encoder_model_quantized.onnx': enc, 'onnx/decoder_model_merged_quantized.onnx': dec },
    });
    const e = (await selectSttEngine(source)) as WhisperEngine;
    expect(e.dtype).toBe('q8');
    expect((await e.transcribe(speech, { lang: 'en' })).text).toBe('gold loan');
  });

  it('names the missing files of an incomplete Whisper folder', async () => {
    await expect(selectSttEngine(await fixtureBundle('whisper', { omit: ['tokenizer.json'] }))).rejects.toThrow(
      /Whisper model in bundle "test-whisper" \(stt\/\) is incomplete: tokenizer.json is missing/,
    );
    await expect(selectSttEngine(await fixtureBundle('whisper', { omit: ['onnx/decoder_model_merged.onnx'] }))).rejects.toThrow(
      /onnx\/encoder_model.onnx, onnx\/decoder_model_merged.onnx are missing/,
    );
    expect(() => chooseWhisperDtype(['config.json'], 'x')).toThrow(/generation_config.json, preprocessor_config.json, tokenizer.json/);
  });

  it('reports a damaged model file as a load error, not a crash', async () => {
    const source = await fixtureBundle('whisper', { replace: { 'onnx/encoder_model.onnx': new TextEncoder().encode('not a model') } });
    await expect(selectSttEngine(source)).rejects.toThrow(SttUnavailableError);
  });
});

describe('selectSttEngine', () => {
  it('returns NoSttEngine when the bundle has no stt role', async () => {
    const e = await selectSttEngine(await fixtureBundle('nemo', { noRole: true }));
    expect(e).toBeInstanceOf(NoSttEngine);
    await expect(e.transcribe(speech)).rejects.toThrow(/No speech recognition model is installed/);
  });

  it('finds the model under any prefix, and a role naming a file means its folder', async () => {
    expect(await selectSttEngine(await fixtureBundle('nemo', { prefix: 'models/asr/' }))).toBeInstanceOf(NemoCtcEngine);
    expect(sttPrefix('stt/')).toBe('stt/');
    expect(sttPrefix('stt/model.onnx')).toBe('stt/');
    expect(sttPrefix('model.onnx')).toBe('');
  });

  it('names the files expected when the layout is unknown or incomplete', async () => {
    await expect(selectSttEngine(await fixtureBundle('indic', { omit: ['vocab.json'] }))).rejects.toThrow(
      /looks like a IndicConformer model but vocab.json is missing/,
    );
    await expect(selectSttEngine(await fixtureBundle('indic', { omit: ['encoder.onnx', 'ctc_decoder.onnx', 'vocab.json', 'language_masks.json'], replace: { 'weights.bin': new Uint8Array(4) } }))).rejects.toThrow(
      /its files \(weights.bin\) match no known layout. A speech model folder needs one of: model.onnx \+ tokens.txt \(NeMo CTC\); encoder.onnx \+ ctc_decoder.onnx \+ vocab.json \+ language_masks.json \(IndicConformer\); config.json \+ onnx\/ \(Whisper\)/,
    );
  });

  it('refuses a corrupt file through the bundle\'s SHA-256 check', async () => {
    const source = await fixtureBundle('nemo');
    const entry = source.manifest.files.find((f) => f.path === 'stt/tokens.txt')!;
    entry.sha256 = '0'.repeat(64);
    await expect(selectSttEngine(source)).rejects.toThrow(BundleError);
  });

  it('detects layouts from file names alone', () => {
    expect(detectSttLayout(['model.onnx', 'tokens.txt', 'MODEL_CARD.md'])).toEqual({ kind: 'nemo-ctc' });
    expect(detectSttLayout(['encoder.onnx', 'ctc_decoder.onnx', 'vocab.json', 'language_masks.json', 'rnnt_decoder.onnx'])).toEqual({ kind: 'indic-conformer' });
    expect(detectSttLayout(['config.json', 'onnx/encoder_model.onnx'])).toEqual({ kind: 'whisper' });
    expect(detectSttLayout(['config.json', 'onnx/'])).toMatchObject({ kind: 'unknown' });
    expect(detectSttLayout([])).toEqual({ kind: 'unknown', reason: 'the folder is empty.' });
    expect(detectSttLayout(['model.onnx'])).toEqual({ kind: 'unknown', reason: 'it looks like a NeMo CTC model but tokens.txt is missing.' });
  });
});
