/** Installability, the language selector, and browsers that lack a feature the app needs. */
import { afterEach, describe, expect, it } from 'vitest';
import { askTyped, launch, waitReady, type Harness } from './harness.ts';

describe('platform (real Chromium)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('is an installable PWA and the language selector overrides detection', async () => {
    h = await launch({ path: '/?handsFree=0' });
    await waitReady(h.page);
    expect(await h.page.evaluate(() => __va.offlineReady)).toBe(true);
    const cdp = await h.context.newCDPSession(h.page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: unknown[] };
    expect(installabilityErrors).toEqual([]);
    const manifest = (await cdp.send('Page.getAppManifest')) as { errors: unknown[] };
    expect(manifest.errors).toEqual([]);

    await h.page.selectOption('#lang', 'hi');
    const turn = await askTyped(h.page, 'Is my gold safe with the bank?', { wholeReply: false });
    expect(turn.passages).toContain('gl-safety-hi');
    expect(turn.text).toMatch(/[\u0900-\u097F]/);
  });

  it('without WebAssembly it says so plainly instead of crashing', async () => {
    h = await launch({ initScript: 'delete globalThis.WebAssembly;' });
    await expect.poll(() => h!.page.locator('#app').textContent()).toMatch(/WebAssembly is turned off or missing/);
  });

  it('without AudioWorklet typed questions still get an answer and the microphone explains itself', async () => {
    h = await launch({ path: '/?handsFree=0', initScript: 'delete globalThis.AudioWorkletNode;' });
    await waitReady(h.page);
    const turn = await askTyped(h.page, 'What documents do I need for a gold loan?');
    expect(turn.trace.failure).toBeUndefined();
    expect(turn.passages).toContain('gl-documents-en');
    expect(turn.trace.marks['first-audio-played']).toBeGreaterThan(0);
    await h.page.click('#talk');
    await expect.poll(() => h!.page.locator('.banner').textContent()).toMatch(/cannot process live audio/);
  });
});
