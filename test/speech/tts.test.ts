import { beforeAll, describe, expect, it } from 'vitest';
import { openDefaultBundle } from '../../src/bundles/node-source.ts';
import type { PcmChunk } from '../../src/speech/tts-types.ts';
import { EspeakTts, TtsError } from '../../src/speech/tts/espeak.ts';
import { EspeakRuntime } from '../../src/speech/tts/espeak-runtime.ts';
import { parseWav } from '../../src/speech/tts/wav.ts';

const EN = 'Your gold loan application has been approved and the amount will be credited to your account today.';
const HI = 'आपका गोल्ड लोन आवेदन स्वीकृत हो गया है और राशि आज आपके खाते में जमा कर दी जाएगी।';

const seconds = (p: PcmChunk) => p.samples.length / p.sampleRate;
const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length));
/** Share of 20 ms frames that carry sound: speech is mostly voiced, with short pauses. */
function voicedShare(p: PcmChunk): number {
  const n = Math.round(p.sampleRate * 0.02);
  let voiced = 0;
  let frames = 0;
  for (let i = 0; i + n <= p.samples.length; i += n, frames++) if (rms(p.samples.subarray(i, i + n)) > 0.01) voiced++;
  return voiced / frames;
}
const same = (a: PcmChunk, b: PcmChunk) => a.samples.length === b.samples.length && a.samples.every((v, i) => v === b.samples[i]);
const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

let tts: EspeakTts;
beforeAll(async () => {
  tts = await EspeakTts.fromBundle(await openDefaultBundle());
});

describe('EspeakTts', () => {
  it.each([
    ['en', EN],
    ['hi', HI],
  ])('speaks %s: audible 22,050 Hz speech of plausible length', async (lang, text) => {
    const pcm = await tts.synthesize(text, lang);
    expect(pcm.sampleRate).toBe(22050);
    expect(rms(pcm.samples)).toBeGreaterThan(0.02);
    expect(pcm.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeGreaterThan(0.1);
    expect(voicedShare(pcm)).toBeGreaterThan(0.5);
    // 165 words a minute is ~0.36 s a word; allow for pauses and short words.
    expect(seconds(pcm)).toBeGreaterThan(words(text) * 0.2);
    expect(seconds(pcm)).toBeLessThan(words(text) * 0.8);
  });

  it('uses a different voice per language for the same text', async () => {
    const en = await tts.synthesize('1 2 3 4 5 6', 'en');
    const hi = await tts.synthesize('1 2 3 4 5 6', 'hi');
    expect(tts.voiceFor('en')).toBe('en');
    expect(tts.voiceFor('hi-IN')).toBe('hi');
    expect(same(en, hi)).toBe(false);
    expect(Math.abs(seconds(en) - seconds(hi))).toBeGreaterThan(0.05);
  });

  it('keeps no state between sentences on the warm instance', async () => {
    const a1 = await tts.synthesize(EN, 'en');
    const b = await tts.synthesize('Please visit the branch with your identity proof.', 'en');
    const c = await tts.synthesize(HI, 'hi');
    const a2 = await tts.synthesize(EN, 'en');
    expect(same(a1, b)).toBe(false);
    expect(seconds(b)).toBeLessThan(seconds(a1));
    expect(same(a1, a2)).toBe(true);
    // The warm instance speaks exactly as a freshly started one.
    const fresh = await EspeakTts.fromBundle(await openDefaultBundle());
    expect(same(await fresh.synthesize(HI, 'hi'), c)).toBe(true);
  });

  it('follows the configured rate and pitch', async () => {
    const normal = await tts.synthesize(EN, 'en');
    try {
      tts.setOptions({ rate: 110 });
      const slow = await tts.synthesize(EN, 'en');
      tts.setOptions({ rate: 165, pitch: 80 });
      const high = await tts.synthesize(EN, 'en');
      expect(seconds(slow)).toBeGreaterThan(seconds(normal) * 1.3);
      expect(same(high, normal)).toBe(false);
    } finally {
      tts.setOptions({ rate: 165, pitch: 50 });
    }
    expect(() => tts.setOptions({ rate: 5 })).toThrow(/80–450/);
  });

  it('rejects empty or unspeakable text and unknown languages with a clear error', async () => {
    await expect(tts.synthesize('   ', 'en')).rejects.toThrow(/empty/);
    await expect(tts.synthesize('😀 **', 'en')).rejects.toThrow(/no speakable words/);
    await expect(tts.synthesize('Bonjour', 'fr')).rejects.toBeInstanceOf(TtsError);
    // Still works afterwards.
    expect(seconds(await tts.synthesize('Thank you.', 'en'))).toBeGreaterThan(0.3);
  });
});

describe('EspeakRuntime', () => {
  it('reports an eSpeak failure and runs correctly after it', async () => {
    const wasm = await (await openDefaultBundle()).readRole('tts');
    const runtime = await EspeakRuntime.create(await WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>));
    const say = () => {
      expect(runtime.run(['-v', 'hi', '-w', '/a.wav', '--', 'नमस्ते']).exitCode).toBe(0);
      const pcm = parseWav(runtime.readFile('/a.wav'));
      runtime.removeFile('/a.wav');
      return pcm;
    };
    const before = say();
    const failed = runtime.run(['-v', 'xx-nope', '-w', '/a.wav', '--', 'hello']);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stderr.join(' ')).toMatch(/voice does not exist/);
    expect(same(say(), before)).toBe(true);
  });

  it('parseWav rejects bytes that are not a WAV file', () => {
    expect(() => parseWav(new Uint8Array(64))).toThrow(TtsError);
  });
});
