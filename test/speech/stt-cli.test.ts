import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resample } from '../../src/audio/resample.ts';
import { parseWav } from '../../src/audio/wav.ts';
import { DEFAULT_BUNDLE_DIR } from '../../src/bundles/node-source.ts';
import { sha256Hex } from '../../src/bundles/source.ts';
import { runTranscribe } from '../../server/commands/transcribe.ts';
import { selectSttEngine } from '../../src/speech/stt/engine.ts';
import { fixtureBundle, STT_FIXTURES, sttReference, type SttReference } from '../fixtures/stt/bundle.ts';

const NEMO = join(STT_FIXTURES, 'nemo');
const SPEECH = join(STT_FIXTURES, 'speech.wav');

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runTranscribe(args, { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

/** 16-bit PCM WAV with interleaved channels (encodeWav writes mono only). */
function stereoWav(left: Float32Array, right: Float32Array, rate: number): Uint8Array {
  const n = left.length;
  const out = new Uint8Array(44 + n * 4);
  const v = new DataView(out.buffer);
  const put = (at: number, s: string) => [...s].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
  put(0, 'RIFF');
  v.setUint32(4, 36 + n * 4, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 2, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 4, true);
  v.setUint16(32, 4, true);
  v.setUint16(34, 16, true);
  put(36, 'data');
  v.setUint32(40, n * 4, true);
  const s16 = (x: number) => Math.round(Math.max(-1, Math.min(1, x)) * 32767);
  for (let i = 0; i < n; i++) {
    v.setInt16(44 + i * 4, s16(left[i]!), true);
    v.setInt16(46 + i * 4, s16(right[i]!), true);
  }
  return out;
}

let dir: string;
let ref: SttReference;
let speech: Float32Array;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'va-transcribe-'));
  ref = await sttReference();
  speech = parseWav(await readFile(SPEECH)).samples;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('voice-agent transcribe', () => {
  // First in this file on purpose: Whisper is then the first user of ONNX Runtime in the process.
  it('runs a Whisper folder (transformers.js) as the first model of the process', async () => {
    const r = await run(SPEECH, '--model', join(STT_FIXTURES, 'whisper'), '--lang', 'en', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { text: string; language: string; engine: string };
    expect(j.text).toBe(ref.whisper.results.en.text);
    expect(j.language).toBe('en');
    expect(j.engine).toMatch(/^whisper/);
  });

  it('prints the transcript of a 16 kHz WAV with a bare model folder', async () => {
    const r = await run(SPEECH, '--model', NEMO);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${ref.nemo.text}\n`);
    expect(r.err).toMatch(/nemo-ctc .*2\.29 s of audio in \d+ ms, real-time factor/);
  });

  it('prints JSON with text, language, duration and processing time', async () => {
    const r = await run(SPEECH, '--model', NEMO, '--json', '--lang', 'hi');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(j.text).toBe(ref.nemo.text);
    expect(j.language).toBe('hi');
    expect(j.duration).toBeCloseTo(2.285, 3);
    expect(typeof j.processingMs).toBe('number');
    expect(j.input).toEqual({ sampleRate: 16000, channels: 1 });
    expect(Array.isArray(j.words)).toBe(true);
  });

  it('reads stereo input: two equal channels give the mono transcript', async () => {
    const file = join(dir, 'stereo16k.wav');
    // Quantised the same way as the fixture (16-bit), so the downmix reproduces its samples exactly.
    await writeFile(file, stereoWav(speech, speech, 16000));
    const r = await run(file, '--model', NEMO, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { text: string; input: unknown };
    expect(j.input).toEqual({ sampleRate: 16000, channels: 2 });
    expect(j.text).toBe(ref.nemo.text);
  });

  it('resamples 44.1 kHz stereo to 16 kHz before recognition', async () => {
    const up = resample(speech, 16000, 44100);
    const file = join(dir, 'stereo44k.wav');
    await writeFile(file, stereoWav(up, up, 44100));
    const r = await run(file, '--model', join(STT_FIXTURES, 'indic'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { text: string; duration: number; input: unknown; modelLanguage: string };
    expect(j.input).toEqual({ sampleRate: 44100, channels: 2 });
    expect(j.duration).toBeCloseTo(2.285, 2); // not 44100/16000 times longer: it was resampled
    expect(j.modelLanguage).toBe('hi');
    // Same text as the engine gives for the same samples decoded and resampled by hand.
    const back = resample(parseWav(await readFile(file)).samples, 44100, 16000);
    const engine = await selectSttEngine(await fixtureBundle('indic'));
    expect(j.text).toBe((await engine.transcribe(back)).text);
    expect(j.text.length).toBeGreaterThan(0);
  });

  it('passes hotwords and the beam width to the decoder', async () => {
    const plain = await run(SPEECH, '--model', NEMO, '--beam', '8');
    const boosted = await run(SPEECH, '--model', NEMO, '--beam', '8', '--hotwords', 'EMI, लोन');
    expect(plain.code).toBe(0);
    expect(plain.out.trim().split(' ')).not.toContain('लोन');
    expect(boosted.out.trim().split(' ')).toContain('लोन');
  });

  it('uses a verified bundle folder (manifest.json) and refuses a corrupt file in it', async () => {
    const bundle = join(dir, 'bundle');
    await mkdir(join(bundle, 'stt'), { recursive: true });
    const files = [];
    for (const name of ['model.onnx', 'tokens.txt']) {
      const bytes = new Uint8Array(await readFile(join(NEMO, name)));
      await writeFile(join(bundle, 'stt', name), bytes);
      files.push({ path: `stt/${name}`, size: bytes.byteLength, sha256: await sha256Hex(bytes) });
    }
    const manifest = { id: 'cli-test', kind: 'stt', version: '1', languages: ['hi'], roles: { stt: 'stt/' }, files };
    await writeFile(join(bundle, 'manifest.json'), JSON.stringify(manifest));
    expect((await run(SPEECH, '--model', bundle)).out).toBe(`${ref.nemo.text}\n`);

    await writeFile(join(bundle, 'stt', 'tokens.txt'), 'tampered 0\n<blk> 1\n');
    const bad = await run(SPEECH, '--model', bundle);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/"stt\/tokens.txt" in bundle "cli-test" is corrupt/);
  });

  it('takes the stt/ folder of a bundle-like folder without a manifest', async () => {
    const outer = join(dir, 'outer');
    await cp(NEMO, join(outer, 'stt'), { recursive: true });
    const r = await run(SPEECH, '--model', outer);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${ref.nemo.text}\n`);
  });

  it('uses the default bundle when no model is given', async () => {
    const manifest = JSON.parse(await readFile(join(DEFAULT_BUNDLE_DIR, 'manifest.json'), 'utf8')) as { roles: Record<string, string> };
    const r = await run(SPEECH);
    if (manifest.roles.stt) {
      expect(r.code).toBe(0);
      expect(r.out.trim().length).toBeGreaterThan(0);
    } else {
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/Bundle "default" has no speech recognition model/);
    }
  });

  it('explains bad audio files and exits 1', async () => {
    const notWav = join(dir, 'notes.txt');
    await writeFile(notWav, 'these are meeting notes, not audio');
    const r1 = await run(notWav, '--model', NEMO);
    expect(r1.code).toBe(1);
    expect(r1.err).toMatch(/notes.txt: Not a WAV file/);

    const full = await readFile(SPEECH);
    const truncated = join(dir, 'cut.wav');
    await writeFile(truncated, full.subarray(0, 20000));
    const r2 = await run(truncated, '--model', NEMO);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/truncated/);

    const empty = join(dir, 'empty.wav');
    await writeFile(empty, new Uint8Array(0));
    const r3 = await run(empty, '--model', NEMO);
    expect(r3.code).toBe(1);
    expect(r3.err).toMatch(/empty \(0 bytes\)/);

    const r4 = await run(join(dir, 'missing.wav'), '--model', NEMO);
    expect(r4.code).toBe(1);
    expect(r4.err).toMatch(/No such file/);
  });

  it('explains bad arguments and model folders', async () => {
    expect((await run()).code).toBe(2);
    const lang = await run(SPEECH, '--lang', 'fr');
    expect(lang.code).toBe(2);
    expect(lang.err).toMatch(/--lang must be "hi" or "en", got "fr"/);
    expect((await run(SPEECH, '--beam', 'wide')).code).toBe(2);
    expect((await run(SPEECH, '--model', join(dir, 'nowhere'))).err).toMatch(/is not a folder/);

    const junk = join(dir, 'junk');
    await mkdir(junk, { recursive: true });
    await writeFile(join(junk, 'readme.txt'), 'hello');
    const r = await run(SPEECH, '--model', junk);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/match no known layout.*model.onnx \+ tokens.txt \(NeMo CTC\)/);

    const indicEn = await run(SPEECH, '--model', join(STT_FIXTURES, 'indic'), '--lang', 'en');
    expect(indicEn.code).toBe(1);
    expect(indicEn.err).toMatch(/cannot recognise language "en"; it supports hi, mr, bn, ta/);
  });
});
