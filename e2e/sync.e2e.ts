/**
 * The sync client in real Chromium against the real sync service: the sync worker (workers/sync.worker.ts)
 * enrols, installs into OPFS (or the IndexedDB fallback), keeps data encrypted at rest, and another worker
 * and the service worker read it back through the verified store. Faults: a tampered chunk on the server or
 * at rest, a wrong clock, a killed server mid-download (resumed after a reload), storage too small or
 * running out mid-write, revocation, and the server gone.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleMetadata } from '../src/bundles/metadata.ts';
import type { SyncTestPage } from './sync-page/page.ts';
import { CHROMIUM, ARTIFACTS } from './harness.ts';
import { randomBytes, startSyncService, startThrottle, type SyncService } from '../test/bundles/client-helpers.ts';

declare const t: SyncTestPage;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const APP = join(ARTIFACTS, 'sync-e2e-app');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
const START = { appVersion: '0.1.0', autoCheck: false, retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 200 } };
const EXPIRED = "The update information has expired — check this device's date and time. The installed bundles keep working.";

/** The test page and the real service worker (src/sw/sw.ts), built as the app build does. */
async function buildTestApp(): Promise<void> {
  await build({
    configFile: false, logLevel: 'warn', root: join(ROOT, 'e2e/sync-page'), base: '/',
    build: { outDir: APP, emptyOutDir: true, target: 'es2022', minify: false },
    worker: { format: 'es' },
  });
  await build({
    configFile: false, logLevel: 'warn',
    build: {
      outDir: APP, emptyOutDir: false, copyPublicDir: false, minify: false,
      lib: { entry: join(ROOT, 'src/sw/sw.ts'), formats: ['iife'], name: 'sw', fileName: () => 'sw.js' },
    },
    // What tools/build-sw.ts injects with Workbox: here just the page.
    define: { 'process.env.NODE_ENV': '"production"', 'self.__WB_MANIFEST': JSON.stringify([{ url: 'index.html', revision: 'e2e' }]) },
  });
  await writeFile(join(APP, 'large-assets.json'), JSON.stringify({ version: 'e2e', assets: [] }));
  // The app's embedded default bundles, as the app build ships them (npm run build:bundle packs them).
  const embedded = join(ROOT, 'public/models/default');
  if (!existsSync(join(embedded, 'index.json'))) throw new Error('No packed default bundles in public/models/default: run "npm run build:bundle".');
  await cp(embedded, join(APP, 'models/default'), { recursive: true });
}

let svc: SyncService;
/** The origin the browser uses: a proxy that slows blob downloads to 16 MB/s (see startThrottle). */
let origin: { url: string; close(): Promise<void> };
const requests: Array<{ method: string; url: string; range?: string }> = [];
const contexts: BrowserContext[] = [];
const dirs: string[] = [];
let page: Page;
const kb = (v: string) => randomBytes(300_000, Number(v.replace(/\D/g, '')));

async function openPage(): Promise<Page> {
  const dir = await mkdtemp(join(tmpdir(), 'va-sync-chromium-'));
  dirs.push(dir);
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  contexts.push(context);
  const p = context.pages()[0] ?? (await context.newPage());
  p.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await p.goto(`${origin.url}/`);
  await p.waitForFunction(() => document.title === 'sync e2e ready');
  return p;
}

async function activeVersion(p: Page, id: string): Promise<string | undefined> {
  const st = await p.evaluate(() => t.status());
  return st.installed.find((i) => i.id === id && i.state === 'active')?.version;
}

beforeAll(async () => {
  await buildTestApp();
  svc = await startSyncService({ appDir: APP, freshnessLifetimeSeconds: 3600, onRequest: (r) => void requests.push(r) });
  origin = await startThrottle(svc.port, 16e6);
  await svc.publish('gold-kb', '1.0.0', { 'data.bin': kb('1.0.0'), 'notes.txt': 'gold loan notes 1.0.0' });
  page = await openPage();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await origin?.close();
  await svc?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('sync client in Chromium', () => {
  it('enrols from the page, installs into OPFS encrypted at rest, and another worker and the service worker read it back', async () => {
    const first = await page.evaluate((o) => t.start(o), START);
    expect(first.enrolment).toEqual({ state: 'not-enrolled' });
    expect(first.storage.backend).toBe('opfs');
    const code = await svc.enrolCode('branch-e2e');
    const enrolled = await page.evaluate(([url, c]) => t.enrol(url!, c!, 'e2e kiosk'), [origin.url, code]);
    expect(enrolled.enrolment).toMatchObject({ state: 'enrolled', branch: 'branch-e2e', server: origin.url });

    const r = await page.evaluate(() => t.checkNow());
    expect(r).toMatchObject({ ok: true, installed: [{ id: 'gold-kb', version: '1.0.0' }], failed: [] });
    const st = await page.evaluate(() => t.status());
    expect(st.installed).toMatchObject([{ id: 'gold-kb', kind: 'kb', version: '1.0.0', state: 'active', source: 'sync' }]);
    expect(st.storage.usedBytes).toBeGreaterThan(300_000);
    expect(st.storage.quotaBytes).toBeGreaterThan(st.storage.usedBytes);

    const m = await svc.manifest('gold-kb', '1.0.0');
    const data = m.files.find((f) => f.path === 'kb/data.bin')!;
    expect(await page.evaluate((b) => t.opfsSize(b), data.blob)).toBe(data.encSize);
    // At rest only ciphertext: no 64-byte run of the plain file is in the stored blob.
    for (const at of [0, 100_000, 299_000]) {
      expect(await page.evaluate(([b, n]) => t.opfsContains(b!, n!), [data.blob, hexOf(kb('1.0.0').subarray(at, at + 64))])).toBe(false);
    }
    const ref = { store: { id: 'gold-kb', version: '1.0.0' } };
    expect(await page.evaluate(([r, p]) => t.read(r as typeof ref, p as string), [ref, 'kb/data.bin'] as const)).toMatchObject({ size: 300_000, sha256: sha(kb('1.0.0')) });
    expect(await page.evaluate(() => t.activeSources())).toEqual({ kb: ref });

    // The service worker answers store URLs from the verified store, whole or by range; unknown → 404 with a reason.
    expect(await page.evaluate(() => t.registerSw())).toBe(true);
    const whole = await page.evaluate(() => t.fetchHash('/store/gold-kb/1.0.0/kb/data.bin'));
    expect(whole).toMatchObject({ status: 200, size: 300_000, sha256: sha(kb('1.0.0')) });
    const part = await page.evaluate(() => t.fetchHash('/store/gold-kb/1.0.0/kb/data.bin', 'bytes=5000-140000'));
    expect(part).toMatchObject({ status: 206, size: 135_001, sha256: sha(kb('1.0.0').subarray(5000, 140_001)), contentRange: 'bytes 5000-140000/300000' });
    // WebLLM asks for "<folder>/resolve/main/<file>" (src/bundles/webllm.ts): the same verified bytes.
    const webllmStyle = await page.evaluate(() => t.fetchHash('/store/gold-kb/1.0.0/kb/resolve/main/data.bin'));
    expect(webllmStyle).toMatchObject({ status: 200, size: 300_000, sha256: sha(kb('1.0.0')) });
    const missing = await page.evaluate(() => t.fetchHash('/store/gold-kb/9.9.9/kb/data.bin'));
    expect(missing.status).toBe(404);
    expect(missing.text).toMatch(/Bundle "gold-kb" 9.9.9 is not installed on this device/);
    const malformed = await page.evaluate(() => t.fetchHash('/store/gold-kb/1.0.0/kb/%E0%A4%A.bin'));
    expect(malformed.status).toBe(400);
    expect(malformed.text).toMatch(/malformed percent-escape/);
    expect(requests.some((q) => q.url.startsWith('/store/'))).toBe(false);
  });

  it('verifies every chunk again when reading: a byte changed at rest is refused, not used', async () => {
    const m = await svc.manifest('gold-kb', '1.0.0');
    const data = m.files.find((f) => f.path === 'kb/data.bin')!;
    const flip = (blob: string) =>
      page.evaluate(async (b) => {
        const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('bundles');
        const fh = await dir.getFileHandle(`${b}.enc`);
        const bytes = new Uint8Array(await (await fh.getFile()).arrayBuffer());
        bytes[200_000]! ^= 0x01;
        const w = await fh.createWritable();
        await w.write(bytes);
        await w.close();
      }, blob);
    await flip(data.blob);
    const ref = { store: { id: 'gold-kb', version: '1.0.0' } };
    const err = await page.evaluate(([r, p]) => t.read(r as typeof ref, p as string).then(() => 'read', (e: Error) => e.message), [ref, 'kb/data.bin'] as const);
    expect(err).toMatch(/Chunk 48 of "kb\/data.bin" in bundle "gold-kb" does not match its signed hash/);
    await flip(data.blob);
    expect(await page.evaluate(([r, p]) => t.read(r as typeof ref, p as string), [ref, 'kb/data.bin'] as const)).toMatchObject({ sha256: sha(kb('1.0.0')) });
  });

  it('a chunk tampered on the server is rejected and the previous version stays active; then the update installs, and rolls back', async () => {
    await svc.publish('gold-kb', '1.1.0', { 'data.bin': kb('1.1.0'), 'notes.txt': 'gold loan notes 1.1.0' });
    const data = (await svc.manifest('gold-kb', '1.1.0')).files.find((f) => f.path === 'kb/data.bin')!;
    const good = await readFile(svc.blobPath(data.blob));
    const bad = Buffer.from(good);
    bad[10 * 4124 + 3]! ^= 0x80;
    await writeFile(svc.blobPath(data.blob), bad);
    const r = await page.evaluate(() => t.checkNow());
    expect(r.ok).toBe(false);
    expect(r.failed[0]?.message).toMatch(/Chunk 10 of "kb\/data.bin" in bundle "gold-kb" 1.1.0 failed verification.*nothing was installed/);
    expect((await page.evaluate(() => t.status())).errors.at(-1)?.message).toMatch(/failed verification/);
    expect(await activeVersion(page, 'gold-kb')).toBe('1.0.0');

    await writeFile(svc.blobPath(data.blob), good);
    expect(await page.evaluate(() => t.checkNow())).toMatchObject({ ok: true, installed: [{ id: 'gold-kb', version: '1.1.0' }] });
    const st = await page.evaluate(() => t.status());
    expect(st.installed.map((i) => `${i.version}:${i.state}`)).toEqual(['1.1.0:active', '1.0.0:previous']);
    await page.evaluate(() => t.rollback('gold-kb'));
    expect(await activeVersion(page, 'gold-kb')).toBe('1.0.0');
    expect(await page.evaluate(() => t.activeSources())).toEqual({ kb: { store: { id: 'gold-kb', version: '1.0.0' } } });
    await page.evaluate(() => t.rollback('gold-kb'));
    expect(await activeVersion(page, 'gold-kb')).toBe('1.1.0');
  });

  it('the server killed mid-download: after a restart of both, the download resumes from the last verified chunk', async () => {
    const SIZE = 48_000_000;
    const CHUNK = 1 << 20;
    const model = randomBytes(SIZE, 99);
    await svc.publish('speech', '2.0.0', { 'model.onnx': model, 'tokens.txt': 'a b c' }, { kind: 'stt', role: '.', chunk: '1M' });
    const onnx = (await svc.manifest('speech', '2.0.0')).files.find((f) => f.path === 'stt/model.onnx')!;
    requests.length = 0;
    await page.evaluate(() => t.checkInBackground());
    await page.waitForFunction(() => (t.maxDownload('speech')?.doneBytes ?? 0) > 6_000_000, undefined, { timeout: 60_000, polling: 20 });
    await svc.kill();
    const progress = await page.evaluate(() => t.maxDownload('speech'));
    expect(progress!.totalBytes).toBe(onnx.encSize + 5 + 28);
    expect(progress!.bytesPerSecond).toBeGreaterThan(0);
    expect(progress!.doneBytes).toBeLessThan(SIZE);
    // The attempt gives up while the server is down; the server comes back and the app is opened again.
    await page.waitForFunction(() => t.status().then((s) => s.downloads.length === 0), undefined, { timeout: 30_000 });
    await svc.restart();
    await page.reload();
    await page.waitForFunction(() => document.title === 'sync e2e ready');
    await page.evaluate((o) => t.start(o), START);
    const stored = await page.evaluate((b) => t.opfsSize(b), onnx.blob);
    expect(stored).toBeGreaterThan(0);
    expect(stored % (CHUNK + 28)).toBe(0);
    requests.length = 0;
    const r = await page.evaluate(() => t.checkNow());
    expect(r).toMatchObject({ ok: true, installed: [{ id: 'speech', version: '2.0.0' }] });
    const blobRequests = requests.filter((q) => q.url.endsWith(onnx.blob));
    expect(blobRequests).toHaveLength(1);
    const start = Number(/^bytes=(\d+)-/.exec(blobRequests[0]!.range ?? '')?.[1]);
    expect(start).toBe(stored);
    console.log(`resume: ${(start / 1e6).toFixed(1)} MB verified before the kill; ${((onnx.encSize - start) / 1e6).toFixed(1)} MB requested after restart (blob ${(onnx.encSize / 1e6).toFixed(1)} MB)`);
    expect(await page.evaluate(() => t.read({ store: { id: 'speech', version: '2.0.0' } }, 'stt/model.onnx'))).toMatchObject({ size: SIZE, sha256: sha(model) });
  });

  it('a device clock hours ahead: updates are refused with the documented message, installed bundles keep working', async () => {
    await svc.publish('gold-kb', '1.2.0', { 'data.bin': kb('1.2.0'), 'notes.txt': 'gold loan notes 1.2.0' });
    await page.evaluate((o) => t.start({ ...o, clockOffsetMs: 3 * 3600_000 }), START);
    const r = await page.evaluate(() => t.checkNow());
    expect(r).toMatchObject({ ok: false, message: EXPIRED });
    expect((await page.evaluate(() => t.status())).lastCheck).toMatchObject({ ok: false, message: EXPIRED });
    expect(await activeVersion(page, 'gold-kb')).toBe('1.1.0');
    expect(await page.evaluate(() => t.read({ store: { id: 'gold-kb', version: '1.1.0' } }, 'kb/notes.txt'))).toMatchObject({ head: 'gold loan notes 1.1.0' });
  });

  it('storage: too little free space is refused before downloading; running out mid-write removes the partial data, the previous version intact', async () => {
    await page.evaluate((o) => t.start({ ...o, quotaCapBytes: 1 }), START);
    requests.length = 0;
    const short = await page.evaluate(() => t.checkNow());
    expect(short.failed[0]?.message).toMatch(/Not enough storage to install "gold-kb" 1.2.0: it needs \d+ MB, and 0\.0 MB is free.*Nothing was changed/);
    expect(requests.filter((q) => q.url.startsWith('/api/v1/blobs/'))).toHaveLength(0);

    const data = (await svc.manifest('gold-kb', '1.2.0')).files.find((f) => f.path === 'kb/data.bin')!;
    await page.evaluate((o) => t.start({ ...o, writeLimitBytes: 100_000 }), START);
    const full = await page.evaluate(() => t.checkNow());
    expect(full.failed[0]?.message).toMatch(/ran out of storage while installing "gold-kb" 1.2.0\. The partial download was removed and the version you had keeps working/);
    expect(await page.evaluate((b) => t.opfsSize(b), data.blob)).toBe(-1);
    expect(await activeVersion(page, 'gold-kb')).toBe('1.1.0');
    expect(await page.evaluate(() => t.read({ store: { id: 'gold-kb', version: '1.1.0' } }, 'kb/data.bin'))).toMatchObject({ sha256: sha(kb('1.1.0')) });

    await page.evaluate((o) => t.start(o), START);
    expect(await page.evaluate(() => t.checkNow())).toMatchObject({ ok: true, installed: [{ id: 'gold-kb', version: '1.2.0' }] });
    const gc = await page.evaluate(() => t.gc());
    expect(gc.deletedVersions).toEqual([]);
    expect((await page.evaluate(() => t.status())).installed.map((i) => `${i.id}@${i.version}:${i.state}`).sort()).toEqual([
      'gold-kb@1.1.0:previous', 'gold-kb@1.2.0:active', 'speech@2.0.0:active',
    ]);
  });

  it('the IndexedDB fallback installs and reads the same way', async () => {
    const idbPage = await openPage();
    const st = await idbPage.evaluate((o) => t.start({ ...o, backend: 'indexeddb' }), START);
    expect(st.storage.backend).toBe('indexeddb');
    await idbPage.evaluate(([url, c]) => t.enrol(url!, c!), [origin.url, await svc.enrolCode('branch-idb')]);
    const r = await idbPage.evaluate(() => t.checkNow());
    expect(r.ok).toBe(true);
    expect(r.installed.map((i) => i.id).sort()).toEqual(['gold-kb', 'speech']);
    expect((await idbPage.evaluate(() => t.status())).storage.backend).toBe('indexeddb');
    const onnx = (await svc.manifest('speech', '2.0.0')).files.find((f) => f.path === 'stt/model.onnx')!;
    expect(await idbPage.evaluate((b) => t.opfsSize(b), onnx.blob)).toBe(-1);
    expect(await idbPage.evaluate(() => t.idbChunkCount())).toBeGreaterThan(46);
    expect(await idbPage.evaluate(() => t.read({ store: { id: 'gold-kb', version: '1.2.0' } }, 'kb/data.bin'))).toMatchObject({ sha256: sha(kb('1.2.0')) });
    expect(await idbPage.evaluate(() => t.registerSw())).toBe(true);
    expect(await idbPage.evaluate(() => t.fetchHash('/store/gold-kb/1.2.0/kb/data.bin'))).toMatchObject({ status: 200, sha256: sha(kb('1.2.0')) });
  });

  it("the app's embedded default bundles install through the same download → verify → store path", async () => {
    const index = JSON.parse(await readFile(join(APP, 'models/default/index.json'), 'utf8')) as { bundles: Array<{ manifest: { signed: BundleMetadata } }> };
    const ids = index.bundles.map((b) => b.manifest.signed.id);
    requests.length = 0;
    const first = await page.evaluate(() => t.installEmbedded('/models/default/'));
    expect(first).toEqual({ installed: ids, skipped: [], failed: [] });
    expect(requests.filter((q) => q.url.startsWith('/models/default/blobs/')).length).toBe(index.bundles.reduce((n, b) => n + b.manifest.signed.files.length, 0));
    expect(await page.evaluate(() => t.installEmbedded('/models/default/'))).toEqual({ installed: [], skipped: ids, failed: [] });
    // The bank's bundles win where there is one of that kind; the embedded ones fill the rest.
    const sources = await page.evaluate(() => t.activeSources());
    expect(sources).toMatchObject({ kb: { store: { id: 'gold-kb' } }, stt: { store: { id: 'speech' } }, vad: { store: { id: 'default-vad' } }, tts: { store: { id: 'default-tts' } } });
    for (const b of index.bundles) {
      const m = b.manifest.signed;
      for (const f of m.files) {
        expect(await page.evaluate(([r, p]) => t.read(r as never, p as string), [{ store: { id: m.id, version: m.version } }, f.path] as const), f.path).toMatchObject({ size: f.size, sha256: f.sha256 });
      }
    }
    const st = await page.evaluate(() => t.status());
    expect(st.installed.filter((i) => i.source === 'embedded').map((i) => i.id).sort()).toEqual([...ids].sort());
  });

  it('a revoked device is refused and told so; its bundles keep working, also with the server gone', async () => {
    const deviceId = ((await page.evaluate(() => t.status())).enrolment as { deviceId: string }).deviceId;
    await svc.cli(['device', 'revoke', deviceId, '--reason', 'kiosk stolen']);
    const r = await page.evaluate(() => t.checkNow());
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/This device \(dev_[^)]+\) was revoked by the bank's IT team/);
    const st = await page.evaluate(() => t.status());
    expect(st.enrolment).toMatchObject({ state: 'revoked', deviceId, message: r.message });
    expect(st.nextCheckAt).toBeUndefined();

    await svc.kill();
    expect(await page.evaluate(() => t.read({ store: { id: 'gold-kb', version: '1.2.0' } }, 'kb/data.bin'))).toMatchObject({ sha256: sha(kb('1.2.0')) });
    expect(await page.evaluate(() => t.fetchHash('/store/speech/2.0.0/stt/tokens.txt'))).toMatchObject({ status: 200, size: 5 });
  });
});
