/**
 * Silero v5 + endpointing on real audio: the eSpeak NG fixture (English and Hindi sentences between known
 * silences), generated on the fly, fed in 512-sample frames through the real onnxruntime-web wasm.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameResampler } from '../../src/audio/resample.ts';
import { parseWav } from '../../src/audio/wav.ts';
import { openDefaultBundle } from '../../src/bundles/node-source.ts';
import { VadEngine, type SpeechSegment, type VadConfig, type VadEvent } from '../../src/speech/vad/index.ts';
import { buildVadFixture, writeVadFixture, type VadFixtureTruth } from '../../tools/make-vad-fixture.ts';

const RATE = 16000;
const ms = (samples: number) => (samples * 1000) / RATE;

let dir: string;
let audio16k: Float32Array;
let audio48k: Float32Array;
let truth: VadFixtureTruth;
let engine: VadEngine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vad-fixture-'));
  const written = await writeVadFixture(dir);
  truth = JSON.parse(await readFile(written.truthPath, 'utf8')) as VadFixtureTruth;
  // Read back through the 16-bit WAV files the fake microphone gets, not the in-memory floats.
  const w16 = parseWav(await readFile(written.wav16k));
  const w48 = parseWav(await readFile(written.wav48k));
  expect(w16.sampleRate).toBe(16000);
  expect(w48.sampleRate).toBe(48000);
  audio16k = w16.samples;
  audio48k = w48.samples;
  engine = await VadEngine.create(await openDefaultBundle());
}, 60_000);

afterAll(async () => {
  await engine?.release();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  events: VadEvent[];
  probabilities: number[];
  inferenceMs: number[];
}

async function feed(frames: Iterable<{ samples: Float32Array; sampleIndex: number }>, config: Partial<VadConfig> = {}): Promise<Run> {
  engine.reset();
  engine.setConfig({ hangoverMs: 300, preRollMs: 300, postRollMs: 100, minSpeechMs: 250, ...config });
  const run: Run = { events: [], probabilities: [], inferenceMs: [] };
  for (const f of frames) {
    const r = await engine.pushFrame(f.samples, f.sampleIndex);
    run.events.push(...r.events);
    run.probabilities.push(r.probability);
    run.inferenceMs.push(r.inferenceMs);
  }
  run.events.push(...engine.flush());
  return run;
}

function* framesOf(samples: Float32Array) {
  for (let i = 0; i + 512 <= samples.length; i += 512) yield { samples: samples.slice(i, i + 512), sampleIndex: i };
}

const segmentsOf = (run: Run): Array<{ event: VadEvent & { type: 'speech-end' }; segment: SpeechSegment }> =>
  run.events.flatMap((e) => (e.type === 'speech-end' ? [{ event: e, segment: e.segment }] : []));

describe('VAD over the English + Hindi fixture', () => {
  it('the fixture truth describes two sentences between known silences', () => {
    expect(truth.segments.map((s) => s.lang)).toEqual(['en', 'hi']);
    expect(truth.segments[0]!.startMs).toBe(1500);
    for (const s of truth.segments) expect(s.endMs - s.startMs).toBeGreaterThan(1000);
  });

  it('finds exactly one segment per sentence, each start and end within 150 ms of the truth', async () => {
    const run = await feed(framesOf(audio16k));
    const segs = segmentsOf(run);
    expect(segs).toHaveLength(truth.segments.length);
    expect(run.events.filter((e) => e.type === 'misfire')).toEqual([]);
    segs.forEach(({ segment }, i) => {
      const t = truth.segments[i]!;
      expect(Math.abs(ms(segment.startSample) - t.startMs), `start of ${t.lang}`).toBeLessThanOrEqual(150);
      expect(Math.abs(ms(segment.endSample) - t.endMs), `end of ${t.lang}`).toBeLessThanOrEqual(150);
      expect(segment.reason).toBe('silence');
      // pre-roll 300 ms + speech + post-roll 100 ms, and it is the fixture's audio at those positions
      expect(segment.audioStartSample).toBe(segment.startSample - 4800);
      expect(segment.audio.length).toBe(segment.endSample + 1600 - segment.audioStartSample);
      expect(Array.from(segment.audio.subarray(5000, 5010))).toEqual(
        Array.from(audio16k.subarray(segment.audioStartSample + 5000, segment.audioStartSample + 5010)),
      );
    });
    // speech-start fires on the onset frame itself: one frame after the onset sample
    const starts = run.events.filter((e) => e.type === 'speech-start');
    expect(starts).toHaveLength(2);
    for (const s of starts) expect(s.atSample - s.startSample).toBe(512);

    // The first frames include wasm warm-up; report them apart from the steady state.
    const steady = run.inferenceMs.slice(10).sort((a, b) => a - b);
    const mean = steady.reduce((a, b) => a + b, 0) / steady.length;
    const p95 = steady[Math.floor(steady.length * 0.95)]!;
    console.log(
      `Silero v5 (onnxruntime-web wasm, Node, 1 thread): first frame ${run.inferenceMs[0]!.toFixed(1)} ms; ` +
        `steady state over ${steady.length} frames: mean ${mean.toFixed(2)} ms, median ${steady[steady.length >> 1]!.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms per 32 ms frame`,
    );
    expect(mean).toBeLessThan(32); // must keep up with real time
  });

  it('respects the hangover setting: speech-end comes hangoverMs after the last speech frame', async () => {
    for (const hangoverMs of [160, 480]) {
      const segs = segmentsOf(await feed(framesOf(audio16k), { hangoverMs }));
      expect(segs).toHaveLength(2);
      for (const { event, segment } of segs) {
        expect(Math.abs(ms(event.atSample - segment.endSample) - hangoverMs), `hangover ${hangoverMs}`).toBeLessThanOrEqual(16);
      }
    }
  });

  it('gives the same segments from the 48 kHz file resampled in 128-sample render quanta (the capture path)', async () => {
    const framer = new FrameResampler(48000, 512, 16000);
    const frames: Array<{ samples: Float32Array; sampleIndex: number }> = [];
    for (let i = 0; i < audio48k.length; i += 128) frames.push(...framer.push(audio48k.subarray(i, i + 128)));
    frames.forEach((f, k) => expect(f.sampleIndex).toBe(k * 512));
    const segs = segmentsOf(await feed(frames));
    expect(segs).toHaveLength(2);
    segs.forEach(({ segment }, i) => {
      const t = truth.segments[i]!;
      expect(Math.abs(ms(segment.startSample) - t.startMs)).toBeLessThanOrEqual(150);
      expect(Math.abs(ms(segment.endSample) - t.endMs)).toBeLessThanOrEqual(150);
    });
  });

  it('does not fire on the noise floor alone', async () => {
    const run = await feed(framesOf(audio16k.subarray(0, 1400 * 16)));
    expect(run.events).toEqual([]);
    expect(Math.max(...run.probabilities)).toBeLessThan(0.35);
  });
});

describe('VAD misfires', () => {
  it('a 100 ms burst of speech is a misfire, not a segment; a 600 ms word is a segment', async () => {
    const word = await buildVadFixture([{ silenceBeforeMs: 500, voice: 'en-us', lang: 'en', text: 'yes please' }], 500);
    const w = word.truth.segments[0]!;
    const at = (t: number) => Math.round((t * RATE) / 1000);
    const place = (fromMs: number, lengthMs: number) => {
      const x = new Float32Array(RATE * 2);
      x.set(word.samples.subarray(at(fromMs), at(fromMs + lengthMs)), RATE / 2);
      return x;
    };
    const burst = await feed(framesOf(place(w.startMs, 100)), { minSpeechMs: 250 });
    expect(burst.events.map((e) => e.type)).toEqual(['speech-start', 'misfire']);
    const whole = await feed(framesOf(place(w.startMs, Math.min(600, w.endMs - w.startMs))), { minSpeechMs: 250 });
    expect(whole.events.map((e) => e.type)).toEqual(['speech-start', 'speech-confirmed', 'speech-end']);
  });

  it('a click is not a segment', async () => {
    const x = new Float32Array(RATE * 2);
    for (let i = 0; i < 80; i++) x[RATE + i] = (i % 2 ? -1 : 1) * 0.9 * Math.exp(-i / 20);
    const run = await feed(framesOf(x));
    expect(run.events.filter((e) => e.type === 'speech-end')).toEqual([]);
  });
});
