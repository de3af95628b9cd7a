/**
 * Builds the VAD test recording: English and Hindi sentences synthesized with eSpeak NG (wasm, in Node)
 * separated by known silences over a faint noise floor, written as 16-bit PCM WAV at 16 kHz and 48 kHz
 * (the 48 kHz one is for Chromium's fake microphone), with a JSON truth file giving each sentence's start
 * and end in ms. eSpeak's own leading/trailing silence is trimmed by an energy threshold, so the truth
 * marks where speech really is.
 *
 *   npx tsx tools/make-vad-fixture.ts [outDir]     (default e2e/fixtures)
 *
 * Tests call `buildVadFixture` / `writeVadFixture` to generate it on the fly.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resample } from '../src/audio/resample.ts';
import { encodeWav, parseWav } from '../src/audio/wav.ts';

export interface FixturePart {
  /** Silence before this part, in ms. */
  silenceBeforeMs: number;
  /** eSpeak NG voice, e.g. "en-us", "hi". */
  voice: string;
  lang: string;
  text: string;
}

export interface TruthSegment {
  lang: string;
  text: string;
  startMs: number;
  endMs: number;
}

export interface VadFixtureTruth {
  sampleRate: number;
  durationMs: number;
  segments: TruthSegment[];
}

export const DEFAULT_PARTS: FixturePart[] = [
  { silenceBeforeMs: 1500, voice: 'en-us', lang: 'en', text: 'I would like to know the interest rate on a gold loan today' },
  { silenceBeforeMs: 1200, voice: 'hi', lang: 'hi', text: 'मुझे गोल्ड लोन की ब्याज दर जाननी है' },
];
export const DEFAULT_TRAILING_SILENCE_MS = 2000;
/** Noise floor under everything (RMS, full scale = 1): a quiet room, not digital silence. */
const NOISE_RMS = 0.001;
const RATE = 16000;

/** Emscripten module factory of the espeak-ng package (it ships no type declarations). */
type ESpeakFactory = (opts: {
  arguments: string[];
  print: (s: string) => void;
  printErr: (s: string) => void;
}) => Promise<{ FS: { readFile(path: string): Uint8Array } }>;

/** One utterance from eSpeak NG; returns mono samples at eSpeak's 22,050 Hz. */
export async function synthesize(text: string, voice: string): Promise<{ samples: Float32Array; sampleRate: number }> {
  const specifier = 'espeak-ng'; // a variable: the package has no types, and this keeps tsc from demanding them
  const { default: ESpeakNg } = (await import(specifier)) as { default: ESpeakFactory };
  const errors: string[] = [];
  const m = await ESpeakNg({ arguments: ['-v', voice, '-w', '/out.wav', text], print() {}, printErr: (s) => errors.push(s) });
  let wav: Uint8Array;
  try {
    wav = m.FS.readFile('/out.wav');
  } catch {
    throw new Error(`eSpeak NG produced no audio for voice "${voice}": ${errors.join(' ') || 'no message'}. Check the voice name.`);
  }
  const { samples, sampleRate } = parseWav(wav);
  return { samples, sampleRate };
}

/** [first, last) sample of the part louder than `relDb` below the loudest 10 ms window. */
export function speechBounds(samples: Float32Array, sampleRate: number, relDb = -35): [number, number] {
  const win = Math.round(sampleRate / 100);
  const rms: number[] = [];
  for (let at = 0; at + win <= samples.length; at += win) {
    let s = 0;
    for (let i = at; i < at + win; i++) s += samples[i]! * samples[i]!;
    rms.push(Math.sqrt(s / win));
  }
  const threshold = Math.max(...rms) * 10 ** (relDb / 20);
  const first = rms.findIndex((r) => r > threshold);
  const last = rms.findLastIndex((r) => r > threshold);
  if (first < 0) throw new Error('The synthesized clip is silent.');
  return [first * win, (last + 1) * win];
}

/** Deterministic noise so the fixture is the same on every run. */
function noise(n: number, rms: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  const amp = rms * Math.sqrt(3); // uniform in [-a, a] has RMS a/√3
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * amp;
  }
  return out;
}

/** The fixture in memory at 16 kHz with its truth. */
export async function buildVadFixture(
  parts: FixturePart[] = DEFAULT_PARTS,
  trailingSilenceMs = DEFAULT_TRAILING_SILENCE_MS,
): Promise<{ samples: Float32Array; truth: VadFixtureTruth }> {
  const ms = (n: number) => Math.round((n * RATE) / 1000);
  const pieces: Array<{ at: number; audio: Float32Array }> = [];
  const segments: TruthSegment[] = [];
  let cursor = 0;
  for (const p of parts) {
    const clip = await synthesize(p.text, p.voice);
    const [from, to] = speechBounds(clip.samples, clip.sampleRate);
    const speech = resample(clip.samples.subarray(from, to), clip.sampleRate, RATE);
    cursor += ms(p.silenceBeforeMs);
    pieces.push({ at: cursor, audio: speech });
    segments.push({ lang: p.lang, text: p.text, startMs: (cursor * 1000) / RATE, endMs: ((cursor + speech.length) * 1000) / RATE });
    cursor += speech.length;
  }
  cursor += ms(trailingSilenceMs);
  const samples = noise(cursor, NOISE_RMS);
  for (const { at, audio } of pieces) for (let i = 0; i < audio.length; i++) samples[at + i]! += audio[i]!;
  return { samples, truth: { sampleRate: RATE, durationMs: (cursor * 1000) / RATE, segments } };
}

export interface WrittenFixture {
  wav16k: string;
  wav48k: string;
  truthPath: string;
  truth: VadFixtureTruth;
}

/** Writes vad-fixture.16k.wav, vad-fixture.48k.wav and vad-fixture.json into `outDir`. */
export async function writeVadFixture(outDir: string, parts?: FixturePart[]): Promise<WrittenFixture> {
  const { samples, truth } = await buildVadFixture(parts);
  await mkdir(outDir, { recursive: true });
  const wav16k = join(outDir, 'vad-fixture.16k.wav');
  const wav48k = join(outDir, 'vad-fixture.48k.wav');
  const truthPath = join(outDir, 'vad-fixture.json');
  await writeFile(wav16k, encodeWav(samples, RATE));
  await writeFile(wav48k, encodeWav(resample(samples, RATE, 48000), 48000));
  await writeFile(truthPath, `${JSON.stringify(truth, null, 2)}\n`);
  return { wav16k, wav48k, truthPath, truth };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? fileURLToPath(new URL('../e2e/fixtures', import.meta.url)));
  const w = await writeVadFixture(outDir);
  for (const s of w.truth.segments) console.log(`${s.lang}: ${s.startMs.toFixed(0)}–${s.endMs.toFixed(0)} ms  ${s.text}`);
  console.log(`${(w.truth.durationMs / 1000).toFixed(2)} s -> ${w.wav16k}, ${w.wav48k}, ${w.truthPath}`);
}
