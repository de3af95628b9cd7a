/** Screenshots of each mode on the devices it is for, saved as test artifacts and checked for layout faults. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ARTIFACTS, askTyped, launch, waitReady, type Harness } from './harness.ts';

const SHOTS = join(ARTIFACTS, 'screenshots');

async function noHorizontalOverflow(h: Harness): Promise<void> {
  const overflow = await h.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

describe('modes look right on their devices', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('kiosk on a landscape tablet: attract screen, then large touch targets', async () => {
    await mkdir(SHOTS, { recursive: true });
    h = await launch({ path: '/?mode=kiosk&handsFree=0', viewport: { width: 1280, height: 800 } });
    await waitReady(h.page);
    await expect.poll(() => h!.page.locator('#attract').isVisible()).toBe(true);
    await h.page.screenshot({ path: join(SHOTS, 'kiosk-attract.png') });
    await h.page.click('#attract');
    const talk = await h.page.locator('#talk').boundingBox();
    expect(talk!.height).toBeGreaterThanOrEqual(80);
    await askTyped(h.page, 'सोने पर कितना लोन मिलेगा?', { wholeReply: false });
    await h.page.screenshot({ path: join(SHOTS, 'kiosk-conversation.png') });
    await noHorizontalOverflow(h);
  });

  it('kiosk resets to the attract screen after the idle timeout, clearing the conversation', async () => {
    h = await launch({ path: '/?mode=kiosk&handsFree=0&idleResetMs=2000', viewport: { width: 1280, height: 800 } });
    await waitReady(h.page);
    await h.page.click('#attract');
    await h.page.fill('#question', 'What is the interest rate?');
    await h.page.press('#question', 'Enter');
    await h.page.waitForFunction(() => __va.state() === 'speaking');
    expect(await h.page.locator('.msg').count()).toBe(2);
    await h.page.click('#talk'); // stop the reply; the idle clock starts from this last touch
    await expect.poll(() => h!.page.locator('#attract').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await h.page.locator('.msg').count()).toBe(0);
  });

  it('field mode on a laptop, with the diagnostics waterfall', async () => {
    h = await launch({ path: '/?mode=field&handsFree=0', viewport: { width: 1366, height: 768 } });
    await waitReady(h.page);
    await h.page.screenshot({ path: join(SHOTS, 'field-welcome.png') });
    await askTyped(h.page, 'How much loan can I get on 20 grams of 22 carat gold?', { wholeReply: false });
    await h.page.screenshot({ path: join(SHOTS, 'field-conversation.png') });
    await h.page.click('#diagnostics-toggle');
    await expect.poll(() => h!.page.locator('#diagnostics-panel').isVisible()).toBe(true);
    expect(await h.page.locator('#diagnostics').textContent()).toMatch(/Searching the knowledge/);
    await h.page.screenshot({ path: join(SHOTS, 'field-diagnostics.png') });
    await noHorizontalOverflow(h);
  });

  it('rm mode on a phone', async () => {
    h = await launch({ path: '/?mode=rm', viewport: { width: 390, height: 844 } });
    await waitReady(h.page);
    await h.page.screenshot({ path: join(SHOTS, 'rm-phone-welcome.png') });
    await askTyped(h.page, 'Gold loan ke liye kya documents chahiye?', { wholeReply: false });
    await h.page.screenshot({ path: join(SHOTS, 'rm-phone-conversation.png') });
    await noHorizontalOverflow(h);
  });
});
