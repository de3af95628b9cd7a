/**
 * The real app (dist/) and the real sync service on one origin, in Chromium: a device is enrolled from the
 * Models & storage screen with a code made by the real admin CLI, installs the bank's knowledge bundle, answers
 * from it, and keeps answering from it with the server gone; the screen shows what is installed, download
 * progress, storage, enrolment and problems in plain words; a rollback from the screen switches the agent back.
 *
 * The browser reaches the server (createServer({ appDir: dist, dataDir }) via startSyncService) through
 * startThrottle (test/bundles/client-helpers.ts), a pass-through proxy that slows only blob downloads, so download
 * progress stays on screen long enough to be seen; app and API still share that one origin. Admin commands run
 * the real CLI (bin/voice-agent.mjs) in a separate process. Screenshots: test-results/screenshots/models-*.png.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM, askTyped, waitReady } from './harness.ts';
import { randomBytes, startSyncService, startThrottle, type SyncService } from '../test/bundles/client-helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/voice-agent.mjs');
const SHOTS = join(ARTIFACTS, 'screenshots');
const VIEWPORT = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const APP_PATH = '/?ui.showDiagnostics=1&handsFree=0';
const QUESTION = 'What is the interest rate?';
const KB_ID = 'sahyadri-kb';
const BRANCH = 'pune-camp';
/** The embedded knowledge says 9.5% for the EMI scheme; each published version says something else. */
const EMBEDDED_RATE = '9.5% a year on the EMI scheme';
const RATE = { '1.0.0': '7.25% a year on the EMI scheme', '1.1.0': '6.8% a year on the EMI scheme' } as const;
/** How fast the proxy lets blob bytes through, so a 6 MB download takes about 3 s. */
const BLOB_BYTES_PER_SECOND = 2_000_000;
const BIG_SIZE = 6_000_000;

const run = promisify(execFile);
let svc: SyncService;
let proxy: { url: string; close(): Promise<void> };
let userDataDir: string;
let context: BrowserContext;
let page: Page;

/** The real admin CLI (bin/voice-agent.mjs, a separate process) on the service's data dir. */
async function voiceAgent(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, ...args, '--data', svc.dataDir], { cwd: ROOT });
  return stdout;
}

/** The embedded knowledge base with the EMI rate in the interest passage changed to `rate`. */
async function bankKb(version: keyof typeof RATE): Promise<string> {
  const kb = JSON.parse(await readFile(join(ROOT, 'tools/default-bundle/kb/gold-loan.json'), 'utf8')) as {
    id: string; version: string; passages: Array<{ id: string; text: string }>;
  };
  const passage = kb.passages.find((p) => p.id === 'gl-interest-fees-en')!;
  expect(passage.text).toContain(EMBEDDED_RATE);
  passage.text = passage.text.replace(EMBEDDED_RATE, RATE[version]);
  return JSON.stringify({ ...kb, id: KB_ID, version });
}

/** bundle pack → bundle publish → rollout set 100 %, as IT would. */
async function publish(id: string, version: string, kind: string, files: Record<string, string | Uint8Array>, extra: string[] = []): Promise<void> {
  const dir = join(svc.work, 'src', `${id}-${version}`);
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  const vab = join(svc.work, `${id}-${version}.vab`);
  await voiceAgent('bundle', 'pack', dir, '--kind', kind, '--version', version, '--id', id, '--out', vab, ...extra);
  await voiceAgent('bundle', 'publish', vab);
  await voiceAgent('rollout', 'set', id, version, '--percent', '100');
}

const publishKb = async (version: keyof typeof RATE) => publish(KB_ID, version, 'kb', { 'gold-loan.json': await bankKb(version) }, ['--lang', 'en,hi']);

async function enrolCode(): Promise<string> {
  return (JSON.parse(await voiceAgent('device', 'enroll-code', '--branch', BRANCH, '--json')) as { code: string }).code;
}

async function openModels(): Promise<void> {
  if (await page.locator('#models-panel').isHidden()) await page.click('#models-toggle');
  await page.locator('#models-panel').waitFor({ state: 'visible' });
}

const activeKb = () => page.evaluate(() => __va.activeSources()?.kb);
const bundleRow = (id: string, state: 'active' | 'previous') => page.locator(`#models-installed tr[data-bundle="${id}"][data-state="${state}"]`);

async function waitActiveKb(version: string): Promise<void> {
  await page.waitForFunction(
    ([id, v]) => {
      const k = __va.activeSources()?.kb;
      return k !== undefined && 'store' in k && k.store.id === id && k.store.version === v;
    },
    [KB_ID, version],
    { timeout: 30_000 },
  );
}

/** The agent's answer to the interest question: the passage text (a fresh worker after a kb switch). */
async function interestAnswer(): Promise<{ text: string; passages: string[] }> {
  const turn = await askTyped(page, QUESTION, { wholeReply: false });
  expect(turn.trace.failure).toBeUndefined();
  return { text: turn.text, passages: turn.passages };
}

async function shot(name: string, viewport = VIEWPORT): Promise<void> {
  await page.setViewportSize(viewport);
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name}: page scrolls sideways`).toBeLessThanOrEqual(0);
  await page.setViewportSize(VIEWPORT);
}

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  svc = await startSyncService({ appDir: join(ROOT, 'dist'), freshnessLifetimeSeconds: 3600 });
  proxy = await startThrottle(svc.port, BLOB_BYTES_PER_SECOND);
  userDataDir = await mkdtemp(join(tmpdir(), 'va-app-sync-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, viewport: VIEWPORT,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(`${proxy.url}${APP_PATH}`);
  await waitReady(page);
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await proxy?.close();
  await svc?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

describe('the app and the sync service, in Chromium', () => {
  it('before enrolment: the built-in bundles, storage, and a wrong code explained in plain words', async () => {
    await openModels();
    await expect.poll(() => page.locator('#models-enrolment [data-state="not-enrolled"]').isVisible()).toBe(true);
    expect(await page.inputValue('#enrol-server')).toBe(proxy.url);
    for (const id of ['default-vad', 'default-stt', 'default-tts', 'default-kb']) {
      const row = bundleRow(id, 'active');
      await expect.poll(() => row.count()).toBe(1);
      const [version, size, from] = await row.locator('td').allTextContents();
      expect(version).toMatch(/^\d+(\.\d+){2,3} in use$/);
      expect(size).toMatch(/^\d+(\.\d)? (B|KB|MB)$/);
      expect(from).toBe('Built in');
      expect(await row.locator('.models-id').textContent()).toBe(id);
    }
    const storage = (await page.locator('#models-storage').textContent())!;
    expect(storage).toMatch(/\d+(\.\d)? MB used/);
    expect(storage).toMatch(/\d+(\.\d)? (MB|GB|TB) available/);
    await shot('models-not-enrolled');

    await page.fill('#enrol-code', 'ABCD-EFGH-JKMN');
    await page.click('#enrol-submit');
    const error = page.locator('#models-action-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('This enrolment code is not valid. Check it was typed correctly, or ask IT for a new one.');
    expect(await page.locator('#models-errors').textContent()).toContain('This enrolment code is not valid.');
    expect(await page.locator('#models-enrolment [data-state="not-enrolled"]').isVisible()).toBe(true);
    await shot('models-wrong-code');
  });

  it('enrols a device, installs a published bundle, and uses it after going offline', async () => {
    const before = await interestAnswer();
    expect(before.text).toContain(EMBEDDED_RATE);
    expect(before.passages).toContain('gl-interest-fees-en');

    await publishKb('1.0.0');
    const code = await enrolCode();
    await openModels();
    await page.fill('#enrol-code', code);
    await page.fill('#enrol-label', 'Kiosk 1, Pune Camp');
    await page.click('#enrol-submit');
    await page.locator('#models-enrolment [data-state="enrolled"]').waitFor();
    expect(await page.locator('#models-enrolment [data-state="enrolled"]').textContent()).toBe(`Yes, branch ${BRANCH}`);
    expect(await page.locator('#models-action-error').count()).toBe(0);
    // No button pressed: the client's own first check after enrolment (1–5 s, jittered) installs the bundle.
    await page.waitForFunction(
      (id) => __va.syncStatus()?.installed.some((b) => b.id === id && b.version === '1.0.0' && b.state === 'active' && b.source === 'sync') === true,
      KB_ID,
      { timeout: 30_000 },
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}\nsync status: ${JSON.stringify(await page.evaluate(() => __va.syncStatus()), null, 1)}`);
    });
    await waitActiveKb('1.0.0');
    const status = (await page.evaluate(() => __va.syncStatus()))!;
    expect(status.enrolment).toMatchObject({ state: 'enrolled', branch: BRANCH, server: proxy.url });
    expect(status.lastCheck).toMatchObject({ ok: true });
    const row = bundleRow(KB_ID, 'active');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('th').textContent()).toBe(`Bank knowledge${KB_ID} · en · hi`);
    expect(await row.locator('td').allTextContents()).toEqual(['1.0.0 in use', expect.stringMatching(/^\d+(\.\d)? KB$/), 'Bank']);
    // The embedded kb stays installed in reserve; the bank's kb is the one the agent loads, and the screen says so.
    expect(await bundleRow('default-kb', 'active').getAttribute('data-use')).toBe('standby');
    expect(await bundleRow('default-kb', 'active').locator('.models-tag').textContent()).toBe('standby');
    expect(await row.getAttribute('data-use')).toBe('in-use');

    const online = await interestAnswer();
    expect(online.text).toContain(RATE['1.0.0']);
    expect(online.text).not.toContain(EMBEDDED_RATE);
    await shot('models-enrolled');

    // The network goes away (the server is stopped and the browser is offline); the service worker serves the app.
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await svc.kill();
    await context.setOffline(true);
    await page.reload();
    await waitReady(page);
    expect(await activeKb()).toEqual({ store: { id: KB_ID, version: '1.0.0' } });
    const offline = await interestAnswer();
    expect(offline.text).toBe(online.text);
    expect(offline.passages).toContain('gl-interest-fees-en');
  });

  it('shows download progress with bytes, rate and time left, then the new bundle with its size', async () => {
    await context.setOffline(false);
    await svc.restart();
    await publish('bank-vectors', '1.0.0', 'embeddings', { 'vectors.bin': randomBytes(BIG_SIZE, 7) }, ['--chunk-size', '256K']);
    await openModels();
    // Watch the progress text on the screen from the first frame it appears, rather than sampling it.
    await page.evaluate(() => {
      const seen: string[] = [];
      (globalThis as unknown as { progressSeen: string[] }).progressSeen = seen;
      new MutationObserver(() => {
        const t = document.querySelector('#models-downloads [data-bundle="bank-vectors"] .models-note')?.textContent;
        if (t && seen.at(-1) !== t) seen.push(t);
      }).observe(document.querySelector('#models')!, { childList: true, subtree: true, characterData: true });
    });
    const started = Date.now();
    await page.click('#models-check');
    const progress = page.locator('#models-downloads [data-bundle="bank-vectors"]');
    await page.waitForFunction(
      () => /MB of 5\.7 MB · .* left$/.test(document.querySelector('#models-downloads [data-bundle="bank-vectors"] .models-note')?.textContent ?? '') &&
        Number(document.querySelector<HTMLProgressElement>('#models-downloads progress')?.value) >= 20,
      undefined,
      { timeout: 20_000, polling: 50 },
    );
    await shot('models-downloading');
    await shot('models-downloading-phone', PHONE);
    expect(await progress.locator('.models-pct').textContent()).toMatch(/^\d+%$/);
    expect(await page.locator('#offline-status').textContent()).toMatch(/^Installing models: \d+% of 5\.7 MB$/);
    await bundleRow('bank-vectors', 'active').waitFor({ timeout: 30_000 });
    const seconds = (Date.now() - started) / 1000;
    expect(await progress.count()).toBe(0);
    const seen = await page.evaluate(() => (globalThis as unknown as { progressSeen: string[] }).progressSeen);
    const downloading = seen.filter((t) => t.includes(' of '));
    // e.g. "1.9 MB of 5.7 MB · 1.9 MB/s · 2 s left": bytes, rate and time left, counting up.
    for (const t of downloading) expect(t).toMatch(/^\d+(\.\d)? (B|KB|MB) of 5\.7 MB( · \d+(\.\d)? (KB|MB)\/s( · \d+ s left)?)?$/);
    expect(downloading.filter((t) => /\/s · \d+ s left$/.test(t)).length).toBeGreaterThan(2);
    const rates = downloading.map((t) => /· (\d+(?:\.\d)?) MB\/s/.exec(t)?.[1]).filter(Boolean).map(Number);
    // The proxy lets 2 MB/s through: the rate shown is about that (in MiB/s).
    expect(Math.max(...rates)).toBeLessThan(3);
    expect(Math.max(...rates)).toBeGreaterThan(1);
    // Counting up, to near the whole size (the verify and switch phases may pass between two screen updates).
    const done = downloading.map((t) => { const [, n, u] = /^(\d+(?:\.\d)?) (B|KB|MB)/.exec(t)!; return Number(n) * { B: 1, KB: 1024, MB: 1024 ** 2 }[u as 'B']; });
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(done.at(-1)!).toBeGreaterThan(0.6 * BIG_SIZE);
    console.log(`download of ${(BIG_SIZE / 1e6).toFixed(1)} MB through a ${BLOB_BYTES_PER_SECOND / 1e6} MB/s proxy: ${seconds.toFixed(1)} s, ${downloading.length} progress texts: ${seen.join(' | ')}`);

    const row = bundleRow('bank-vectors', 'active');
    expect(await row.locator('th').textContent()).toBe('Search vectorsbank-vectors');
    expect(await row.locator('td').allTextContents()).toEqual(['1.0.0 in use', '5.7 MB', 'Bank']);
    const status = (await page.evaluate(() => __va.syncStatus()))!;
    expect(status.storage.usedBytes).toBeGreaterThan(BIG_SIZE);
    expect(await page.locator('#models-last-check').textContent()).toMatch(/ · up to date$/);
    // The download's progress gave the header back to the offline status.
    await expect.poll(() => page.locator('#offline-status').textContent()).toBe('Works offline');
    await shot('models-installed');
    await shot('models-installed-phone', PHONE);
  });

  it('rolls back from the screen: the previous knowledge is active again and the agent answers from it', async () => {
    await publishKb('1.1.0');
    await openModels();
    await page.click('#models-check');
    await waitActiveKb('1.1.0');
    await expect.poll(() => bundleRow(KB_ID, 'previous').getAttribute('data-version')).toBe('1.0.0');
    const updated = await interestAnswer();
    expect(updated.text).toContain(RATE['1.1.0']);

    const rollback = page.locator(`#models-installed [data-rollback="${KB_ID}"]`);
    expect(await rollback.count()).toBe(1);
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await rollback.click();
    await waitActiveKb('1.0.0');
    expect(asked).toBe(`Go back to the previous version of ${KB_ID}?`);
    expect(await bundleRow(KB_ID, 'active').getAttribute('data-version')).toBe('1.0.0');
    expect(await bundleRow(KB_ID, 'previous').getAttribute('data-version')).toBe('1.1.0');
    const back = await interestAnswer();
    expect(back.text).toContain(RATE['1.0.0']);
    expect(back.text).not.toContain(RATE['1.1.0']);

    // The next check does not put the rolled-back version on again while the server still offers it.
    const checkedAt = (await page.evaluate(() => __va.syncStatus()?.lastCheck?.at)) ?? 0;
    await page.click('#models-check');
    await page.waitForFunction((t) => (__va.syncStatus()?.lastCheck?.at ?? 0) > t, checkedAt);
    expect((await page.evaluate(() => __va.syncStatus()))!.lastCheck).toMatchObject({ ok: true });
    expect(await activeKb()).toEqual({ store: { id: KB_ID, version: '1.0.0' } });
    expect(await bundleRow(KB_ID, 'active').getAttribute('data-version')).toBe('1.0.0');
    await shot('models-rolled-back');
  });

  it('a revoked device is told so in plain words, and keeps answering from what it has', async () => {
    const status = (await page.evaluate(() => __va.syncStatus()))!;
    if (status.enrolment.state !== 'enrolled') throw new Error('expected an enrolled device');
    await voiceAgent('device', 'revoke', status.enrolment.deviceId, '--reason', 'kiosk reported stolen');
    await openModels();
    await page.click('#models-check');
    const revoked = page.locator('#models-enrolment [data-state="revoked"]');
    await revoked.waitFor();
    const message = (await revoked.textContent())!;
    expect(message).toMatch(new RegExp(`This device \\(${status.enrolment.deviceId}\\) was revoked by the bank's IT team`));
    expect(await page.locator('#models-check').count()).toBe(0);
    // Said once on the device card (not again as the failed check's error), and kept in the problems list.
    expect(await page.locator('#models-action-error').count()).toBe(0);
    expect(await page.locator('#models-errors').textContent()).toContain(message);
    await shot('models-revoked');
    await shot('models-revoked-phone', PHONE);
    // The rest of the panel: storage and the problems list.
    await page.locator('#models-errors').scrollIntoViewIfNeeded();
    await shot('models-problems');
    const answer = await interestAnswer();
    expect(answer.text).toContain(RATE['1.0.0']);

    // IT enrols it again with a new code: a new device id, and checks work again.
    await page.fill('#enrol-code', await enrolCode());
    await page.click('#enrol-submit');
    await page.locator('#models-enrolment [data-state="enrolled"]').waitFor();
    const again = (await page.evaluate(() => __va.syncStatus()))!;
    expect(again.enrolment).toMatchObject({ state: 'enrolled', branch: BRANCH });
    expect((again.enrolment as { deviceId: string }).deviceId).not.toBe(status.enrolment.deviceId);
    await page.click('#models-check');
    await expect.poll(() => page.locator('#models-last-check').textContent()).toMatch(/ · up to date$/);
    expect(await activeKb()).toEqual({ store: { id: KB_ID, version: '1.0.0' } });
  });
});
