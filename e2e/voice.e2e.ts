/**
 * The real microphone path: Chromium's fake capture plays a WAV (speech and silence with known timing)
 * through getUserMedia → AudioWorklet → 16 kHz → VAD worker.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeVadFixture, type WrittenFixture } from '../tools/make-vad-fixture.ts';
import { launch, waitReady, type Harness } from './harness.ts';

const TOLERANCE_MS = 150;

describe('voice input through the fake microphone (real Chromium)', () => {
  let fixture: WrittenFixture;
  let h: Harness | undefined;
  beforeAll(async () => {
    fixture = await writeVadFixture(await mkdtemp(join(tmpdir(), 'va-vad-')));
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('finds each spoken segment within 150 ms of the truth', async () => {
    h = await launch({ path: '/?mode=field&handsFree=1', fakeMicWav: fixture.wav48k });
    await waitReady(h.page);
    const n = fixture.truth.segments.length;
    await h.page.waitForFunction((n) => __va.vadLog().filter((e) => e.type === 'speech-end').length >= n, n, { timeout: 30_000 });
    const segments = (await h.page.evaluate(() => __va.vadLog())).filter((e) => e.type === 'speech-end').slice(0, n);
    for (const [i, truth] of fixture.truth.segments.entries()) {
      const got = segments[i]!;
      console.log(`segment ${i} (${truth.lang}): detected ${got.startMs}–${got.endMs} ms, truth ${truth.startMs.toFixed(0)}–${truth.endMs.toFixed(0)} ms`);
      expect(Math.abs(got.startMs! - truth.startMs)).toBeLessThanOrEqual(TOLERANCE_MS);
      expect(Math.abs(got.endMs! - truth.endMs)).toBeLessThanOrEqual(TOLERANCE_MS);
    }
    // The utterance was taken as a turn, timed from the end of speech.
    await h.page.waitForFunction(() => __va.traces().some((t) => t.attrs.input === 'voice'));
    const voiceTurn = (await h.page.evaluate(() => __va.traces())).find((t) => t.attrs.input === 'voice')!;
    expect(voiceTurn.marks['endpoint']! - voiceTurn.marks['speech-end']!).toBeGreaterThan(0);
  });

  it('barge-in: speaking over the agent stops its playback', async () => {
    h = await launch({ path: '/?mode=field&handsFree=0', fakeMicWav: fixture.wav48k });
    await waitReady(h.page);
    await h.page.fill('#question', 'Tell me everything about the auction policy and what happens if I do not repay.');
    await h.page.press('#question', 'Enter');
    await h.page.waitForFunction(() => __va.state() === 'speaking', undefined, { timeout: 30_000 });
    // The microphone starts now; the recording's first words come 1.5 s in, while the agent is still talking.
    await h.page.click('label[for="hands-free"]');
    await h.page.waitForFunction(() => __va.traces().some((t) => t.attrs.interrupted === 'barge-in'), undefined, { timeout: 20_000 });
    const trace = (await h.page.evaluate(() => __va.traces())).find((t) => t.attrs.interrupted === 'barge-in')!;
    const bargeIn = trace.spans.find((s) => s.name === 'barge-in')!;
    console.log(`barge-in: playback stopped ${(bargeIn.end - bargeIn.start).toFixed(0)} ms after the first captured sample of speech`);
    expect(trace.marks['reply-done']).toBeUndefined();
    // Nothing more reaches the output after the stop (5 ms fade + output latency).
    await h.page.waitForTimeout(150);
    const before = (await h.page.evaluate(() => __va.tap()))!.nonSilentFrames;
    await h.page.waitForTimeout(500);
    const tap = (await h.page.evaluate(() => __va.tap()))!;
    expect(tap.nonSilentFrames).toBe(before);
    const onset = trace.origin + bargeIn.start;
    console.log(`barge-in: output went silent ${(tap.lastNonSilentAt! - onset).toFixed(0)} ms after the first captured sample of speech (output tap)`);
    expect(['listening', 'thinking']).toContain(await h.page.evaluate(() => __va.state()));
  });
});
