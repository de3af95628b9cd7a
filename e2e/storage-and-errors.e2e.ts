/** What is stored is redacted; bad input and failures get clear messages and nothing breaks. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askTyped, launch, waitReady, type Harness } from './harness.ts';

describe('storage, bad input and worker failures (real Chromium)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await launch({ path: '/?mode=rm', denyMic: true });
    await waitReady(h.page);
  });
  afterAll(() => h?.close());

  it('stores the conversation redacted', async () => {
    await askTyped(h.page, 'My mobile is 98765 43210 and PAN ABCPE1234F, what documents do I need?', { wholeReply: false });
    const convs = await h.page.evaluate(() => __va.conversations());
    const texts = convs.flatMap((c) => c.turns.map((t) => t.text)).join('\n');
    expect(texts).toContain('[PHONE]');
    expect(texts).toContain('[PAN]');
    expect(texts).not.toMatch(/98765|ABCPE1234F/);
  });

  it('clear data deletes everything stored', async () => {
    h.page.once('dialog', (d) => void d.accept());
    await h.page.click('#clear-all');
    await h.page.waitForFunction(async () => (await __va.conversations()).length === 0);
    expect(await h.page.locator('.msg').count()).toBe(0);
  });

  it('says what to do when the question is empty or too long', async () => {
    await h.page.fill('#question', '   ');
    await h.page.press('#question', 'Enter');
    await expect.poll(() => h.page.locator('.banner').textContent()).toMatch(/type or say a question/i);
    await h.page.evaluate(() => {
      const input = document.querySelector<HTMLInputElement>('#question')!;
      input.removeAttribute('maxlength');
    });
    await h.page.fill('#question', 'gold '.repeat(300));
    await h.page.press('#question', 'Enter');
    await expect.poll(() => h.page.locator('.banner').textContent()).toMatch(/too long/i);
  });

  it('a denied microphone is explained and the text box offered', async () => {
    await h.page.click('#talk');
    await expect.poll(() => h.page.locator('.banner').textContent()).toMatch(/microphone/i);
    expect(await h.page.locator('.banner').textContent()).toMatch(/type/i);
    expect(await h.page.evaluate(() => __va.state())).toBe('idle');
  });

  it('a worker that dies mid-turn fails that turn with a message, and is restarted for the next', async () => {
    const before = await h.page.evaluate(() => __va.traces().length);
    await h.page.fill('#question', 'What is the interest rate?');
    await h.page.evaluate(() => {
      document.querySelector<HTMLFormElement>('#composer')!.requestSubmit();
      __va.killWorker('agent');
    });
    await h.page.waitForFunction((n) => __va.traces().length > n, before);
    const failed = await h.page.evaluate(() => __va.traces().at(-1)!);
    expect(failed.failure?.stage).toBe('agent');
    expect(await h.page.locator('.msg.agent.failed').last().textContent()).toMatch(/could not answer.*agent worker stopped/i);
    const turn = await askTyped(h.page, 'How safe is my gold with the bank?', { wholeReply: false });
    expect(turn.trace.failure).toBeUndefined();
    expect(turn.passages).toContain('gl-safety-en');
    expect((await h.page.evaluate(() => __va.restarts())).agent).toBe(1);
    const banner = await h.page.locator('.banner').textContent();
    expect(banner).toMatch(/restarted/);
  });
});
