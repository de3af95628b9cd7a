/** A typed Hindi and a typed English question are answered out loud, citing the right passage. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askTyped, launch, waitReady, type Harness } from './harness.ts';

describe('typed question → spoken, cited answer (real Chromium)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await launch({ path: '/?mode=field&handsFree=0' });
    await waitReady(h.page);
  });
  afterAll(() => h?.close());

  const cases = [
    { q: 'What documents do I need for a gold loan?', passage: 'gl-documents-en', script: /[A-Za-z]/ },
    { q: 'गोल्ड लोन के लिए कौन से दस्तावेज़ चाहिए?', passage: 'gl-documents-hi', script: /[\u0900-\u097F]/ },
    { q: 'Gold loan par byaj dar kitni hai?', passage: 'gl-interest-fees-hi', script: /[\u0900-\u097F]/ },
  ];

  for (const c of cases) {
    it(`answers "${c.q}" aloud with ${c.passage}`, async () => {
      await h.page.evaluate(() => __va.resetTap());
      const turn = await askTyped(h.page, c.q);
      expect(turn.trace.failure).toBeUndefined();
      expect(turn.passages).toContain(c.passage);
      expect(turn.text).toMatch(c.script);
      // Audio reached the real output path: rendered, non-silent frames counted by the output tap.
      const tap = await h.page.evaluate(() => __va.tap());
      expect(tap).not.toBeNull();
      expect(tap!.nonSilentFrames).toBeGreaterThan(1000);
      expect(tap!.peak).toBeGreaterThan(0.05);
      expect(turn.trace.marks['first-audio-played']).toBeGreaterThan(0);
      expect(turn.trace.marks['reply-done']).toBeGreaterThanOrEqual(turn.trace.marks['first-audio-played']!);
      console.log(`"${c.q}": first audio ${turn.trace.marks['first-audio-played']} ms after submit`);
    });
  }

  it('answers an EMI question with the calculator, in Indian number format', async () => {
    const turn = await askTyped(h.page, 'What is the EMI for 2 lakh at 10% for 12 months?', { wholeReply: false });
    expect(turn.trace.attrs.tool).toBe('emi');
    expect(turn.text).toContain('₹17,583.18');
  });

  it('offers a person when it has no answer', async () => {
    const turn = await askTyped(h.page, 'Who won the cricket match yesterday?');
    expect(turn.trace.attrs.handoff).toBe(true);
  });
});
