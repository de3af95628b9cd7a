/**
 * A spoken question through the real microphone path (Chromium's fake capture of a synthesized WAV):
 * partial transcripts while it is spoken, the final transcript, and the answer out loud citing the right passage.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeVadFixture } from '../tools/make-vad-fixture.ts';
import { launch, waitReady, type Harness } from './harness.ts';

const QUESTIONS = [
  { lang: 'hi', voice: 'hi', text: 'गोल्ड लोन के लिए कौन से दस्तावेज़ चाहिए', passage: 'gl-documents-hi', script: /[\u0900-\u097F]/ },
  { lang: 'en', voice: 'en-us', text: 'what is the interest rate on a gold loan', passage: 'gl-interest-fees-en', script: /^[\x20-\x7e]+$/ },
];

describe('spoken question → transcript → spoken answer (real Chromium, fake microphone)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  for (const q of QUESTIONS) {
    it(`${q.lang}: "${q.text}"`, async () => {
      const fixture = await writeVadFixture(await mkdtemp(join(tmpdir(), 'va-q-')), [
        { silenceBeforeMs: 1500, voice: q.voice, lang: q.lang, text: q.text },
      ]);
      h = await launch({ path: '/?mode=field&handsFree=1', fakeMicWav: fixture.wav48k });
      await waitReady(h.page);
      await h.page.evaluate(() => __va.resetTap());
      await h.page.waitForFunction(() => __va.traces().some((t) => t.attrs.input === 'voice' && (t.marks['first-audio-played'] || t.failure)), undefined, {
        timeout: 60_000,
      });
      const trace = (await h.page.evaluate(() => __va.traces())).find((t) => t.attrs.input === 'voice')!;
      expect(trace.failure).toBeUndefined();

      // Partial transcripts were shown while the customer was still speaking.
      const partials = await h.page.evaluate(() => __va.partials());
      const speechEndAt = trace.origin + trace.marks['speech-end']!;
      const during = partials.filter((p) => p.at <= speechEndAt + 50 && p.text.trim());
      console.log(`${q.lang}: ${partials.length} partials (${during.length} before the end of speech): ${partials.map((p) => JSON.stringify(p.text)).join(' → ')}`);
      expect(during.length).toBeGreaterThanOrEqual(1);

      const customer = (await h.page.locator('.msg.customer').first().textContent()) ?? '';
      console.log(`${q.lang}: final transcript ${JSON.stringify(customer)} (said: ${JSON.stringify(q.text)})`);
      expect(customer).toMatch(q.script);
      expect(trace.attrs.lang).toBe(q.lang);

      const agent = h.page.locator('.msg.agent').first();
      await expect.poll(() => agent.locator('.source').count()).toBeGreaterThan(0);
      const passages = await agent.locator('.source').evaluateAll((els) => els.map((e) => e.getAttribute('data-passage')));
      expect(passages).toContain(q.passage);
      const tap = await h.page.evaluate(() => __va.tap());
      expect(tap!.firstNonSilentAt).not.toBeNull();
      const d = (m: string) => trace.marks[m as keyof typeof trace.marks];
      console.log(`${q.lang}: end of speech → transcript ${(d('transcript')! - d('speech-end')!).toFixed(0)} ms, → first audio ${(d('first-audio-played')! - d('speech-end')!).toFixed(0)} ms`);
    });
  }
});
