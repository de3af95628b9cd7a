/** After the service worker has stored the app, it answers out loud with the server gone. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askTyped, launch, waitReady, type Harness } from './harness.ts';

describe('offline (real service worker, server stopped)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await launch({ path: '/?handsFree=0' });
    await waitReady(h.page);
  });
  afterAll(() => h?.close());

  it('precaches the shell and stores the models for offline use', async () => {
    expect(await h.page.evaluate(() => __va.offlineReady)).toBe(true);
    await expect.poll(() => h.page.locator('#offline-status').textContent()).toBe('Works offline');
  });

  it('reloads and answers aloud with the network gone', async () => {
    await h.page.reload();
    await waitReady(h.page);
    expect(await h.page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await h.stopServer();
    await h.context.setOffline(true);
    await h.page.reload();
    await waitReady(h.page);
    await h.page.evaluate(() => __va.resetTap());
    const turn = await askTyped(h.page, 'What is the auction policy if I do not repay?');
    expect(turn.trace.failure).toBeUndefined();
    expect(turn.passages).toContain('gl-auction-en');
    const tap = await h.page.evaluate(() => __va.tap());
    expect(tap!.nonSilentFrames).toBeGreaterThan(1000);
  });
});
