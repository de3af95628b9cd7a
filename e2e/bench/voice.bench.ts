/**
 * Voice-to-voice latency (headless Chromium, fake microphone): ≥ 20 spoken questions in one recording,
 * each followed by silence; for each turn, the time from the end of the customer's speech to the first reply
 * audio sample played, split by stage. Prints median and p95; no pass/fail.
 *   npm run bench:voice
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize, type StageName, type TurnTraceJSON } from '../../src/telemetry/spans.ts';
import { writeVadFixture, type FixturePart } from '../../tools/make-vad-fixture.ts';
import { launch, waitReady } from '../harness.ts';

const SAID: Array<[voice: string, lang: string, text: string]> = [
  ['hi', 'hi', 'गोल्ड लोन के लिए कौन से दस्तावेज़ चाहिए'],
  ['en-us', 'en', 'what is the interest rate on a gold loan'],
  ['hi', 'hinglish', 'gold loan ke liye kya documents chahiye'],
  ['hi', 'hi', 'मेरा सोना कितना सुरक्षित है'],
  ['en-us', 'en', 'can I repay my loan early'],
  ['hi', 'hi', 'ब्याज दर क्या है'],
  ['en-us', 'en', 'what happens if I miss a payment'],
  ['hi', 'hinglish', 'byaj dar kitni hai'],
  ['en-us', 'en', 'how do you check the purity of my gold'],
  ['hi', 'hi', 'लोन कैसे बंद करें'],
  ['en-us', 'en', 'who can get a gold loan'],
  ['hi', 'hi', 'नीलामी कब होती है'],
  ['en-us', 'en', 'what are the processing charges'],
  ['hi', 'hinglish', 'loan band kaise karein'],
  ['en-us', 'en', 'is my gold insured'],
  ['hi', 'hi', 'गोल्ड लोन की अवधि कितनी है'],
  ['en-us', 'en', 'how long does the branch take'],
  ['hi', 'hi', 'क्या मैं लोन का कुछ हिस्सा पहले चुका सकता हूँ'],
  ['en-us', 'en', 'can I renew my gold loan'],
  ['hi', 'hinglish', 'mera sona kitna surakshit hai'],
  ['en-us', 'en', 'what documents do I need'],
  ['hi', 'hi', 'सोने की शुद्धता कैसे जांचते हैं'],
];
const GAP_MS = 4500;

const parts: FixturePart[] = SAID.map(([voice, lang, text], i) => ({ silenceBeforeMs: i === 0 ? 1500 : GAP_MS, voice, lang, text }));
console.log(`Synthesizing ${parts.length} spoken questions…`);
const fixture = await writeVadFixture(await mkdtemp(join(tmpdir(), 'va-bench-voice-')), parts);
const want = parts.length;

const h = await launch({ path: '/?mode=field&handsFree=1', fakeMicWav: fixture.wav48k });
try {
  await waitReady(h.page);
  const t0 = Date.now();
  await h.page.waitForFunction(
    (n) => __va.traces().filter((t) => t.attrs.input === 'voice' && (t.marks['first-audio-played'] !== undefined || t.failure)).length >= n,
    want,
    { timeout: (fixture.truth.durationMs + 30_000) },
  );
  const voiceTurns = (await h.page.evaluate(() => __va.traces())).filter((t) => t.attrs.input === 'voice').slice(0, want);
  const ok = voiceTurns.filter((t): t is TurnTraceJSON => !t.failure && t.marks['first-audio-played'] !== undefined);
  const summary = summarize(ok);
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${v.toFixed(0)} ms`.padStart(8));
  console.log(`\nSpoken turns in headless Chromium (fake microphone): ${ok.length} of ${voiceTurns.length} answered (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  console.log('stage                                   median       p95');
  const rows: Array<[string, StageName]> = [
    ['endpointing (end of speech → VAD end)', 'endpointing'],
    ['speech to text (final transcript)', 'stt'],
    ['retrieval (incl. worker hop)', 'retrieval'],
    ['reply (first sentence)', 'reply'],
    ['TTS (first sentence audio)', 'tts'],
    ['playback start', 'playback'],
    ['END OF SPEECH → FIRST AUDIO PLAYED', 'voice-to-voice'],
  ];
  for (const [label, stage] of rows) console.log(`${label.padEnd(38)} ${fmt(summary.stages[stage].median)}  ${fmt(summary.stages[stage].p95)}`);
  const failed = voiceTurns.filter((t) => t.failure);
  if (failed.length) console.log(`\n${failed.length} turn(s) failed, e.g. ${failed[0]!.failure!.stage}: ${failed[0]!.failure!.message}`);
  const partials = ok.map((t) => Number(t.attrs.partials ?? 0));
  console.log(`partial transcripts per turn: median ${partials.sort((a, b) => a - b)[Math.floor(partials.length / 2)]}`);
} finally {
  await h.close();
}
