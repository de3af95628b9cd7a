/**
 * Real-time factors of the STT engines on the tiny test models in Node (onnxruntime-web, wasm, 1 thread),
 * printed, not asserted: timings vary with machine load. RTF = processing time / audio duration; the tiny
 * models are far smaller than real ones, so this measures the engines' own overhead (features, tensors,
 * decoding, transformers.js generation) more than model compute.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseWav } from '../../src/audio/wav.ts';
import { prefixBeamSearch } from '../../src/speech/ctc/index.ts';
import { selectSttEngine, type SttEngine, type TranscribeOptions } from '../../src/speech/stt/engine.ts';
import { NemoCtcEngine } from '../../src/speech/stt/nemo-ctc.ts';
import { fixtureBundle, STT_FIXTURES } from '../fixtures/stt/bundle.ts';

const speech = parseWav(readFileSync(join(STT_FIXTURES, 'speech.wav'))).samples;

function repeatTo(seconds: number): Float32Array {
  const out = new Float32Array(seconds * 16000);
  for (let at = 0; at < out.length; at += speech.length) out.set(speech.subarray(0, out.length - at), at);
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function rtf(engine: SttEngine, audio: Float32Array, opts: TranscribeOptions & { lang?: string }, runs = 5): Promise<number> {
  await engine.transcribe(audio, opts as TranscribeOptions); // warm-up
  const r: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = await engine.transcribe(audio, opts as TranscribeOptions);
    r.push(t.processingMs / t.durationMs);
  }
  return median(r);
}

it('benchmark: real-time factor per engine (tiny models)', async () => {
  const lines: string[] = [];
  const ten = repeatTo(10);
  const cases: Array<[string, string, TranscribeOptions & { lang?: string }]> = [
    ['nemo', 'greedy', {}],
    ['nemo', 'beam 8', { beam: 8 }],
    ['nemo', 'beam 8 + 4 hotwords', { beam: 8, hotwords: ['gold loan', 'EMI', 'लोन', 'ब्याज'] }],
    ['indic', 'greedy (hi)', { lang: 'hi' }],
    ['indic', 'beam 8 (hi)', { lang: 'hi', beam: 8 }],
    ['whisper', 'greedy (hi)', { lang: 'hi' }],
  ];
  const engines = new Map<string, SttEngine>();
  for (const [folder, label, opts] of cases) {
    if (!engines.has(folder)) {
      const t0 = performance.now();
      engines.set(folder, await selectSttEngine(await fixtureBundle(folder)));
      lines.push(`[stt bench] ${folder}: load ${(performance.now() - t0).toFixed(0)} ms`);
    }
    const engine = engines.get(folder)!;
    const short = await rtf(engine, speech, opts);
    const long = await rtf(engine, ten, opts, 3);
    lines.push(`[stt bench] ${engine.name} ${label}: RTF ${short.toFixed(4)} on 2.3 s, ${long.toFixed(4)} on 10 s`);
  }

  // Decoding alone on the NeMo model's 10 s log-probs (250 frames × 119 tokens).
  const nemo = engines.get('nemo') as NemoCtcEngine;
  const lp = await nemo.logProbs(ten);
  for (const width of [4, 8, 16]) {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      prefixBeamSearch(lp, { blank: nemo.vocab.blank, beamWidth: width });
      times.push(performance.now() - t0);
    }
    lines.push(`[stt bench] prefix beam search, width ${width}: ${median(times).toFixed(1)} ms for ${lp.frames} frames × ${lp.vocab} tokens`);
  }
  expect(lines.length).toBe(cases.length + 3 + 3);
  console.log(lines.join('\n'));
}, 300_000);
