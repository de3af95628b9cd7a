/**
 * Speed of the mel front-end in Node, printed (not asserted: timings vary with machine load).
 * One-shot features of a 10 s utterance, and the streaming path a partial-results loop uses: 512-sample pushes
 * (one capture frame) with a full read every 0.5 s.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseWav } from '../../src/audio/wav.ts';
import { LogMelStream, SAMPLE_RATE, computeFeatures } from '../../src/speech/features/mel.ts';

function tenSecondsOfSpeech(): Float32Array {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'mel');
  const en = parseWav(readFileSync(join(dir, 'en_speech.wav'))).samples;
  const hi = parseWav(readFileSync(join(dir, 'hi_speech.wav'))).samples;
  const out = new Float32Array(10 * SAMPLE_RATE);
  for (let at = 0, i = 0; at < out.length; i++) {
    const part = (i % 2 === 0 ? en : hi).subarray(0, out.length - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

it('benchmark: µs of compute per second of audio', () => {
  const audio = tenSecondsOfSpeech();
  const seconds = audio.length / SAMPLE_RATE;
  computeFeatures(audio); // warm-up (JIT, tables)

  const oneShot: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    computeFeatures(audio);
    oneShot.push(((performance.now() - t0) * 1000) / seconds);
  }

  const pushes: number[] = [];
  const reads: number[] = [];
  let last = computeFeatures(audio.subarray(0, 1));
  for (let r = 0; r < 3; r++) {
    const stream = new LogMelStream();
    let pushMs = 0;
    for (let at = 0; at < audio.length; at += 512) {
      const t0 = performance.now();
      stream.push(audio.subarray(at, at + 512));
      pushMs += performance.now() - t0;
      if ((at / 512) % 16 === 15) {
        const t1 = performance.now();
        last = stream.read();
        reads.push((performance.now() - t1) * 1000);
      }
    }
    pushes.push((pushMs * 1000) / seconds);
    last = stream.read();
  }
  expect(Array.from(last.data)).toEqual(Array.from(computeFeatures(audio).data));

  console.log(
    `[mel bench] one-shot computeFeatures: ${median(oneShot).toFixed(0)} µs per second of audio ` +
      `(${((median(oneShot) * seconds) / 1000).toFixed(1)} ms for ${seconds} s)\n` +
      `[mel bench] streaming: push ${median(pushes).toFixed(0)} µs per second of audio; ` +
      `read of all features so far (≤ ${seconds} s, normalised) median ${median(reads).toFixed(0)} µs, max ${Math.max(...reads).toFixed(0)} µs`,
  );
});
