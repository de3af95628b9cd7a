/**
 * The sync client against the real sync service (server/app.ts on a temp data dir, bundles packed and
 * published with the real `voice-agent` commands): enrol, install, update, and every fault the issue lists.
 * A network attacker is played by a fetch that rewrites answers; the registry and chunk store are the
 * in-memory implementations (IndexedDB/OPFS run in Chromium, e2e/sync.e2e.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataDir } from '../../server/sync/data-dir.ts';
import { MemoryChunkStore } from '../../src/bundles/client/chunk-store.ts';
import type { FetchLike } from '../../src/bundles/client/http.ts';
import type { StorageLike } from '../../src/bundles/client/installer.ts';
import { MemoryRegistry } from '../../src/bundles/client/registry.ts';
import { EXPIRED_MESSAGE, SyncClient, type SyncClientOptions } from '../../src/bundles/client/sync-client.ts';
import type { FreshnessMetadata } from '../../src/bundles/metadata.ts';
import { generateSigningKey, signEnvelope, signedHash, type Signed } from '../../src/bundles/signing.ts';
import { sha256Hex } from '../../src/bundles/source.ts';
import { openBundleSource } from '../../src/bundles/store-source.ts';
import { packPublic, randomBytes, serveBlobs, startSyncService, type SyncService } from './client-helpers.ts';

const storage: StorageLike = { estimate: async () => ({ usage: 0, quota: 50e9 }), persisted: async () => true };

interface Tap {
  requests: Array<{ url: string; range?: string }>;
  /** Plays the network attacker: a Response here replaces the server's answer. */
  intercept?: (url: string) => Promise<Response | undefined> | Response | undefined;
  /** Sees the body bytes of blob downloads as they arrive. */
  onBlobBytes?: (total: number) => void;
}

function tapped(tap: Tap): FetchLike {
  return async (url, init) => {
    tap.requests.push({ url, range: new Headers(init?.headers).get('range') ?? undefined });
    const fake = await tap.intercept?.(url);
    if (fake) return fake;
    const res = await fetch(url, init);
    if (!tap.onBlobBytes || !res.body || !url.includes('/blobs/')) return res;
    let seen = 0;
    const count = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        seen += chunk.byteLength;
        tap.onBlobBytes?.(seen);
        c.enqueue(chunk);
      },
    });
    return new Response(res.body.pipeThrough(count), { status: res.status, headers: res.headers });
  };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

let svc: SyncService;
const tap: Tap = { requests: [] };
const registry = new MemoryRegistry();
const store = new MemoryChunkStore();
let client: SyncClient;
const kbV = (v: string) => randomBytes(40_000, Number(v.replace(/\D/g, '')));

async function openClient(extra: Partial<SyncClientOptions> = {}): Promise<SyncClient> {
  return SyncClient.open({
    appVersion: '0.1.0', autoCheck: false, registry, store, storage, fetch: tapped(tap),
    retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 }, ...extra,
  });
}

async function activeText(id: string): Promise<string> {
  const p = await registry.pointer(id);
  const src = await openBundleSource({ store: { id, version: p!.version } }, { registry, store });
  return text(await src.read('kb/notes.txt'));
}

beforeAll(async () => {
  svc = await startSyncService({ freshnessLifetimeSeconds: 3600 });
  await svc.publish('gold-kb', '1.0.0', { 'data.bin': kbV('1.0.0'), 'notes.txt': 'gold loan notes 1.0.0' });
  client = await openClient();
}, 60_000);

afterAll(async () => {
  client?.stop();
  await svc?.close();
});

describe('sync client against the real sync service', () => {
  it('enrols with a one-time code, pinning the root, with a non-extractable device key', async () => {
    expect((await client.status()).enrolment).toEqual({ state: 'not-enrolled' });
    const bad = await client.enrol(svc.url, 'AAAA-BBBB-CCCC').catch((e: unknown) => e);
    expect((bad as Error).message).toMatch(/enrolment code is not valid/);
    const st = await client.enrol(svc.url, await svc.enrolCode('branch-7'), 'kiosk 1');
    expect(st.enrolment).toMatchObject({ state: 'enrolled', branch: 'branch-7', server: svc.url });
    const device = await registry.device();
    expect(device?.keyPair.privateKey.extractable).toBe(false);
    const root = JSON.parse(await readFile(join(svc.dataDir, 'root.json'), 'utf8')) as Signed<unknown>;
    expect((await registry.trust())?.root).toEqual(root);
  });

  it('installs what is rolled out, stored encrypted, readable through StoreSource', async () => {
    const r = await client.check();
    expect(r).toMatchObject({ ok: true, installed: [{ id: 'gold-kb', version: '1.0.0' }], failed: [] });
    expect(await activeText('gold-kb')).toBe('gold loan notes 1.0.0');
    const src = await openBundleSource({ store: { id: 'gold-kb', version: '1.0.0' } }, { registry, store });
    expect(await src.read('kb/data.bin')).toEqual(kbV('1.0.0'));
    // At rest: ciphertext only.
    const file = (await registry.version('gold-kb', '1.0.0'))!.manifest.signed.files.find((f) => f.path === 'kb/data.bin')!;
    const stored = Buffer.from(await store.readRange(file.blob, 0, file.encSize));
    expect(stored.indexOf(Buffer.from(kbV('1.0.0').subarray(100, 164)))).toBe(-1);
    expect(tap.requests.filter((q) => q.url.includes('/blobs/'))).toHaveLength(2);
    const st = await client.status();
    expect(st.installed).toMatchObject([{ id: 'gold-kb', kind: 'kb', version: '1.0.0', source: 'sync', state: 'active', sizeBytes: file.encSize + 21 + 28 }]);
    expect(st.lastCheck).toMatchObject({ ok: true });
    expect(await client.activeSources()).toEqual({ kb: { store: { id: 'gold-kb', version: '1.0.0' } } });
    // Nothing new: a second check downloads nothing.
    tap.requests.length = 0;
    expect(await client.check()).toMatchObject({ ok: true, installed: [] });
    expect(tap.requests.map((q) => new URL(q.url).pathname)).toEqual(['/api/v1/updates']);
  });

  it('updates to a new version, keeping the old one as previous', async () => {
    await svc.publish('gold-kb', '1.1.0', { 'data.bin': kbV('1.1.0'), 'notes.txt': 'gold loan notes 1.1.0' });
    expect(await client.check()).toMatchObject({ ok: true, installed: [{ id: 'gold-kb', version: '1.1.0' }] });
    expect(await registry.pointer('gold-kb')).toMatchObject({ version: '1.1.0', previous: '1.0.0' });
    expect(await activeText('gold-kb')).toBe('gold loan notes 1.1.0');
  });

  it('a flipped byte in a stored chunk on the server: rejected, nothing installed, the previous version still active; fixed → installs', async () => {
    await svc.publish('gold-kb', '1.2.0', { 'data.bin': kbV('1.2.0'), 'notes.txt': 'gold loan notes 1.2.0' });
    const manifest = JSON.parse(await svc.cli(['bundle', 'list', '--json'])) as unknown;
    expect(manifest).toBeTruthy();
    const m = (await (await fetch(`${svc.url}/api/v1/bundles/gold-kb/1.2.0/manifest`, { headers: { authorization: `Bearer ${(await registry.device())!.token}` } })).json()) as {
      signed: { files: Array<{ path: string; blob: string }> };
    };
    const blob = m.signed.files.find((f) => f.path === 'kb/data.bin')!.blob;
    const path = join(svc.dataDir, 'blobs', blob.slice(0, 2), blob);
    const good = await readFile(path);
    const bad = Buffer.from(good);
    bad[5 * 4124 + 9]! ^= 0x20;
    await writeFile(path, bad);
    const r = await client.check();
    expect(r.ok).toBe(false);
    expect(r.failed[0]?.message).toMatch(/Chunk 5 of "kb\/data.bin" in bundle "gold-kb" 1.2.0 failed verification/);
    expect((await client.status()).errors.at(-1)?.message).toMatch(/failed verification/);
    expect(await registry.pointer('gold-kb')).toMatchObject({ version: '1.1.0', previous: '1.0.0' });
    expect(await activeText('gold-kb')).toBe('gold loan notes 1.1.0');
    await writeFile(path, good);
    tap.requests.length = 0;
    expect(await client.check()).toMatchObject({ ok: true, installed: [{ id: 'gold-kb', version: '1.2.0' }] });
    // The five verified chunks were not fetched again.
    const ranges = tap.requests.filter((q) => q.url.endsWith(blob)).map((q) => q.range);
    expect(ranges).toEqual([`bytes=${5 * 4124}-${40_000 + 28 * 10 - 1}`]);
    expect(await registry.pointer('gold-kb')).toMatchObject({ version: '1.2.0', previous: '1.1.0' });
  });

  it('a flipped byte in the manifest or its signature: rejected with a clear error, the previous version still active', async () => {
    await svc.publish('gold-kb', '1.3.0', { 'data.bin': kbV('1.3.0'), 'notes.txt': 'gold loan notes 1.3.0' });
    const original = tap.intercept;
    for (const [what, change, expected] of [
      ['manifest', (m: Signed<{ created: string }>) => void (m.signed.created = m.signed.created.replace(/\d(?=\.\d{3}Z$)/, (d) => String((Number(d) + 1) % 10))),
        /bundle "gold-kb" 1.3.0 does not carry a valid signature from a trusted key.*nothing was installed/],
      ['signature', (m: Signed<unknown>) => {
        const sig = m.signatures[0]!.sig;
        m.signatures[0]!.sig = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
      }, /does not carry a valid signature from a trusted key.*nothing was installed/],
    ] as const) {
      tap.intercept = async (url) => {
        if (!url.endsWith('/bundles/gold-kb/1.3.0/manifest')) return undefined;
        const res = await fetch(url, { headers: { authorization: `Bearer ${(await registry.device())!.token}` } });
        const body = (await res.json()) as Signed<{ created: string }>;
        (change as (m: typeof body) => void)(body);
        return json(body);
      };
      const r = await client.check();
      expect(r.ok, what).toBe(false);
      expect(r.failed[0]?.message, what).toMatch(expected);
      expect(await registry.pointer('gold-kb')).toMatchObject({ version: '1.2.0' });
      expect(await registry.version('gold-kb', '1.3.0')).toBeUndefined();
    }
    tap.intercept = original;
    expect(await client.check()).toMatchObject({ ok: true, installed: [{ id: 'gold-kb', version: '1.3.0' }] });
  });

  it('an older version offered as new (validly signed freshness, no downgrade flag): rejected', async () => {
    const { timestampKey } = await openDataDir(svc.dataDir);
    const device = (await registry.device())!;
    const trust = (await registry.trust())!;
    const manifest = (await registry.version('gold-kb', '1.2.0'))!.manifest;
    const now = new Date();
    const forged: FreshnessMetadata = {
      type: 'freshness', spec: 1, version: trust.freshnessVersion + 1, deviceId: device.deviceId,
      issued: now.toISOString(), expires: new Date(now.getTime() + 3600_000).toISOString(),
      bundles: [{ id: 'gold-kb', version: '1.2.0', manifest: await signedHash(manifest), downgrade: false }],
    };
    tap.intercept = async (url) => (url.includes('/api/v1/updates') ? json({ freshness: await signEnvelope(forged, [timestampKey]), checkAfterSeconds: 60 }) : undefined);
    const r = await client.check();
    tap.intercept = undefined;
    // The forged freshness was validly signed, so the device now expects numbers above it; put the real
    // server's numbering back in step for the tests that follow.
    await registry.saveTrust(trust);
    expect(r.failed[0]?.message).toMatch(/bundle "gold-kb" 1.2.0 is older than the installed 1.3.0 and was offered as an update. It was rejected/);
    expect(await registry.pointer('gold-kb')).toMatchObject({ version: '1.3.0' });
  });

  it('replayed old freshness metadata: rejected', async () => {
    const token = (await registry.device())!.token;
    const old = await (await fetch(`${svc.url}/api/v1/updates`, { headers: { authorization: `Bearer ${token}` } })).text();
    await svc.publish('gold-kb', '1.4.0', { 'data.bin': kbV('1.4.0'), 'notes.txt': 'gold loan notes 1.4.0' });
    expect(await client.check()).toMatchObject({ ok: true, installed: [{ id: 'gold-kb', version: '1.4.0' }] });
    tap.intercept = (url) => (url.includes('/api/v1/updates') ? new Response(old, { headers: { 'content-type': 'application/json' } }) : undefined);
    const r = await client.check();
    tap.intercept = undefined;
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/old update information \(number \d+; this device has already seen \d+\).*rejected; the installed bundles keep working/);
    expect(await registry.pointer('gold-kb')).toMatchObject({ version: '1.4.0' });
  });

  it('a device clock far ahead sees every update as expired: the documented message, installed bundles keep working', async () => {
    const ahead = await openClient({ clockOffsetMs: 3 * 3600_000 });
    await svc.publish('gold-kb', '1.5.0', { 'data.bin': kbV('1.5.0'), 'notes.txt': 'gold loan notes 1.5.0' });
    const r = await ahead.check();
    expect(r).toMatchObject({ ok: false, message: EXPIRED_MESSAGE });
    expect((await ahead.status()).lastCheck).toMatchObject({ ok: false, message: EXPIRED_MESSAGE });
    expect(await activeText('gold-kb')).toBe('gold loan notes 1.4.0');
    // A clock behind cannot revive old metadata (replay is caught by the version), and a correct clock works.
    expect(await client.check()).toMatchObject({ ok: true, installed: [{ id: 'gold-kb', version: '1.5.0' }] });
  });

  it('a downgrade ordered by IT (rollout rollback) is installed from the kept previous version', async () => {
    await svc.cli(['rollout', 'rollback', 'gold-kb']);
    tap.requests.length = 0;
    const r = await client.check();
    expect(r).toMatchObject({ ok: true, installed: [{ id: 'gold-kb', version: '1.4.0' }] });
    expect(tap.requests.some((q) => q.url.includes('/blobs/'))).toBe(false);
    expect(await registry.pointer('gold-kb')).toMatchObject({ version: '1.4.0', previous: '1.5.0' });
    expect(await activeText('gold-kb')).toBe('gold loan notes 1.4.0');
  });

  it('garbage collection keeps only active and previous versions', async () => {
    await client.gc();
    expect((await registry.versions()).map((v) => v.version).sort()).toEqual(['1.4.0', '1.5.0']);
    const kept = new Set((await registry.versions()).flatMap((v) => v.manifest.signed.files.map((f) => f.blob)));
    expect(new Set(await store.listBlobs())).toEqual(kept);
  });

  it('the server killed mid-download: the client resumes from the last verified chunk after restart', async () => {
    // Big enough that the socket buffers cannot hold the rest when the server dies.
    const SIZE = 24_000_000;
    const CHUNK = 256 * 1024;
    const big = randomBytes(SIZE, 77);
    await svc.publish('speech', '2.0.0', { 'model.onnx': big, 'tokens.txt': 'a b c' }, { kind: 'stt', role: '.', chunk: '256K' });
    let killed: Promise<void> | undefined;
    tap.onBlobBytes = (seen) => {
      if (seen > 2_000_000 && !killed) killed = svc.kill();
    };
    tap.requests.length = 0;
    const first = await client.check();
    tap.onBlobBytes = undefined;
    await killed;
    expect(first.ok).toBe(false);
    expect(first.failed[0]?.message ?? first.message).toMatch(/resumes at the next update check|Could not reach the sync service/);
    const partial = await registry.downloads();
    const stt = partial.find((d) => d.path === 'stt/model.onnx');
    expect(stt?.verifiedChunks).toBeGreaterThanOrEqual(7);
    expect(await registry.pointer('speech')).toBeUndefined();

    await svc.restart();
    tap.requests.length = 0;
    const second = await client.check();
    expect(second).toMatchObject({ ok: true, installed: [{ id: 'speech', version: '2.0.0' }] });
    const blobReq = tap.requests.find((q) => q.url.endsWith(stt!.blob));
    expect(stt!.verifiedChunks).toBeLessThan(SIZE / CHUNK / 2);
    expect(blobReq?.range).toBe(`bytes=${stt!.verifiedChunks * (CHUNK + 28)}-${SIZE + 28 * Math.ceil(SIZE / CHUNK) - 1}`);
    const src = await openBundleSource({ store: { id: 'speech', version: '2.0.0' } }, { registry, store });
    // Compared by hash: a failing toEqual on 24 MB arrays would make the diff, not the test, the problem.
    expect(await sha256Hex(await src.read('stt/model.onnx'))).toBe(await sha256Hex(big));
    expect(await client.activeSources()).toEqual({
      kb: { store: { id: 'gold-kb', version: '1.4.0' } },
      stt: { store: { id: 'speech', version: '2.0.0' } },
    });
  });

  it('embedded default bundles install through the same path, verified with the embedded publisher key', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'va-emb-'));
    const { key: publisher } = await generateSigningKey();
    const vad = await packPublic({ id: 'default-vad', kind: 'vad', version: '0.1.0', roles: { vad: 'vad/v.onnx' }, files: [{ path: 'vad/v.onnx', source: randomBytes(5000, 3) }] }, publisher, dir);
    const kb = await packPublic({ id: 'default-kb', kind: 'kb', version: '0.1.0', roles: { kb: 'kb/k.json' }, files: [{ path: 'kb/k.json', source: new TextEncoder().encode('{"kb":1}') }] }, publisher, dir);
    const index = { publisher: publisher.publicKey, bundles: [vad, kb].map((b) => ({ manifest: b.manifest, keyEnvelope: b.keyEnvelope })) };
    await writeFile(join(dir, 'index.json'), JSON.stringify(index));
    const host = await serveBlobs(dir);
    try {
      const embedded = await openClient({ appOrigin: host.url });
      const first = await embedded.installEmbedded(`${host.url}/models/default/`);
      expect(first).toEqual({ installed: ['default-vad', 'default-kb'], skipped: [], failed: [] });
      expect(await embedded.installEmbedded(`${host.url}/models/default/`)).toEqual({ installed: [], skipped: ['default-vad', 'default-kb'], failed: [] });
      // The bank's kb (sync) wins over the embedded one; the embedded vad is used.
      expect(await embedded.activeSources()).toMatchObject({ vad: { store: { id: 'default-vad', version: '0.1.0' } }, kb: { store: { id: 'gold-kb' } } });
      const st = await embedded.status();
      expect(st.installed.find((i) => i.id === 'default-vad')).toMatchObject({ source: 'embedded', state: 'active' });
      // Another origin is refused, and a manifest the embedded key did not sign is not installed.
      await expect(embedded.installEmbedded('https://evil.example/models/')).rejects.toThrow(/only from the app's own origin/);
      const forged = { ...index, bundles: [{ ...index.bundles[0]!, manifest: { ...vad.manifest, signed: { ...vad.manifest.signed, version: '0.2.0' } } }] };
      await writeFile(join(dir, 'index.json'), JSON.stringify(forged));
      const r = await embedded.installEmbedded(`${host.url}/models/default/`);
      expect(r.failed[0]?.message).toMatch(/default bundle "default-vad" could not be installed: The embedded bundle "default-vad" 0.2.0 does not carry a valid signature/);
      expect(await registry.pointer('default-vad')).toMatchObject({ version: '0.1.0' });
    } finally {
      await host.close();
    }
  });

  it('schedules the next check from the server interval with jitter, and backs off honouring Retry-After', async () => {
    const periodic = await openClient({ autoCheck: true });
    try {
      const soon = (await periodic.status()).nextCheckAt! - Date.now();
      expect(soon).toBeGreaterThan(4_000);
      expect(soon).toBeLessThan(31_000);
      expect((await periodic.check()).ok).toBe(true);
      const interval = ((await periodic.status()).nextCheckAt! - Date.now()) / 1000;
      expect(interval).toBeGreaterThan(3600 * 0.9 - 5);
      expect(interval).toBeLessThan(3600 * 1.1 + 5);
      tap.intercept = (url) => (url.includes('/api/v1/updates')
        ? new Response(JSON.stringify({ error: 'too_many_requests', message: 'Slow down (test).' }), { status: 429, headers: { 'retry-after': '900' } })
        : undefined);
      const r = await periodic.check();
      tap.intercept = undefined;
      expect(r).toMatchObject({ ok: false, message: 'Slow down (test).' });
      const backoff = ((await periodic.status()).nextCheckAt! - Date.now()) / 1000;
      expect(backoff).toBeGreaterThan(895);
      expect(backoff).toBeLessThan(1000);
    } finally {
      periodic.stop();
    }
  });

  it('a revoked device is refused and told so; it stops checking and keeps its bundles', async () => {
    const deviceId = (await registry.device())!.deviceId;
    await svc.cli(['device', 'revoke', deviceId, '--reason', 'lost kiosk']);
    const r = await client.check();
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/This device \(dev_[^)]+\) was revoked by the bank's IT team/);
    const st = await client.status();
    expect(st.enrolment).toMatchObject({ state: 'revoked', deviceId, message: r.message });
    expect(st.nextCheckAt).toBeUndefined();
    tap.requests.length = 0;
    expect((await client.check()).message).toBe(r.message);
    expect(tap.requests).toHaveLength(0);
    expect(await activeText('gold-kb')).toBe('gold loan notes 1.4.0');
  });
});
