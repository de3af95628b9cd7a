/**
 * Installing a version: storage checked first, everything verified before activation, the switch atomic,
 * the previous version intact on any failure (tampering, a full disk), rollback and garbage collection.
 * Real HTTP, real WebCrypto; the registry and chunk store are the in-memory implementations of the same
 * contracts (IndexedDB and OPFS are exercised in Chromium by e2e/sync.e2e.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryChunkStore, withWriteLimit } from '../../src/bundles/client/chunk-store.ts';
import { install, InstallError, type InstallerDeps, type InstallRequest, type StorageLike } from '../../src/bundles/client/installer.ts';
import { MemoryRegistry } from '../../src/bundles/client/registry.ts';
import { SyncClient } from '../../src/bundles/client/sync-client.ts';
import type { PackedBundle } from '../../src/bundles/node-pack.ts';
import { generateSigningKey, type SigningKey } from '../../src/bundles/signing.ts';
import { StoreSource } from '../../src/bundles/store-source.ts';
import { packPublic, randomBytes, serveBlobs, type BlobServer } from './client-helpers.ts';

let dir: string;
let server: BlobServer;
let publisher: SigningKey;
const versions: Record<string, PackedBundle> = {};
const plain = (v: string) => randomBytes(60_000, Number(v.replace(/\D/g, '')));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'va-inst-'));
  publisher = (await generateSigningKey()).key;
  for (const v of ['1.0.0', '1.1.0', '1.2.0']) {
    versions[v] = await packPublic(
      {
        id: 'gold-kb', kind: 'kb', version: v, languages: ['hi', 'en'], roles: { kb: 'kb/data.bin' }, chunkSize: 8192,
        files: [{ path: 'kb/data.bin', source: plain(v) }, { path: 'kb/notes.txt', source: new TextEncoder().encode(`notes ${v}`) }],
      },
      publisher,
      dir,
    );
  }
  server = await serveBlobs(dir);
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  server.faults = {};
  server.requests.length = 0;
});

const GB = 1e9;
function storage(free = 10 * GB): StorageLike {
  return { estimate: async () => ({ usage: 1_000_000, quota: 1_000_000 + free }), persisted: async () => false };
}

function request(v: string): InstallRequest {
  const p = versions[v]!;
  return { signed: p.manifest, bundle: p.manifest.signed, keyEnvelope: p.keyEnvelope, blobUrl: (sha) => `${server.url}/b/${sha}`, source: 'sync' };
}

function deps(extra: Partial<InstallerDeps> = {}): InstallerDeps & { store: MemoryChunkStore; registry: MemoryRegistry } {
  return { store: new MemoryChunkStore(), registry: new MemoryRegistry(), storage: storage(), retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...extra } as never;
}

async function readBack(d: { store: MemoryChunkStore; registry: MemoryRegistry }, id: string, version: string, path: string) {
  const v = await d.registry.version(id, version);
  return StoreSource.fromInstalled(v!, d.store).read(path);
}

describe('install', () => {
  it('installs, activates and reads back through StoreSource; the stored bytes are ciphertext', async () => {
    const d = deps();
    const views: string[] = [];
    const st = storage();
    const r = await install(request('1.0.0'), { ...d, storage: st, onProgress: (v) => views.push(v.phase) });
    expect(r.version).toMatchObject({ id: 'gold-kb', version: '1.0.0', kind: 'kb', source: 'sync', backend: 'indexeddb' });
    expect(r.version.contentKey.extractable).toBe(false);
    expect(await d.registry.pointer('gold-kb')).toEqual({ id: 'gold-kb', kind: 'kb', version: '1.0.0', since: expect.any(Number) });
    expect(await readBack(d, 'gold-kb', '1.0.0', 'kb/data.bin')).toEqual(plain('1.0.0'));
    expect(new TextDecoder().decode(await readBack(d, 'gold-kb', '1.0.0', 'kb/notes.txt'))).toBe('notes 1.0.0');
    const file = versions['1.0.0']!.manifest.signed.files[0]!;
    const stored = await d.store.readRange(file.blob, 0, file.encSize);
    expect(Buffer.from(stored).indexOf(Buffer.from(plain('1.0.0').subarray(0, 64)))).toBe(-1);
    expect(views[0]).toBe('checking');
    expect(views).toContain('downloading');
    expect(views.at(-1)).toBe('activating');
    expect(await d.registry.downloads()).toEqual([]);
  });

  it('refuses before downloading anything when storage is short, saying how much is needed and free', async () => {
    const d = deps({ storage: storage(5_000_000) });
    const err = await install(request('1.0.0'), d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstallError);
    expect((err as InstallError).code).toBe('storage');
    expect((err as Error).message).toMatch(/Not enough storage to install "gold-kb" 1.0.0: it needs 17 MB, and 5\.0 MB is free\. Free space on this device .*Nothing was changed\./);
    expect(server.requests).toHaveLength(0);
    expect(await d.store.listBlobs()).toEqual([]);
    expect(await d.registry.pointers()).toEqual([]);
  });

  it('honours a quota cap (as an admin limit or a test)', async () => {
    const d = deps({ quotaCapBytes: 3_000_000 });
    await expect(install(request('1.0.0'), d)).rejects.toThrow(/Not enough storage/);
  });

  it('a tampered chunk: rejected with a clear error, nothing installed, the previous version still active and readable', async () => {
    const d = deps();
    await install(request('1.0.0'), d);
    const target = versions['1.1.0']!.manifest.signed.files[0]!;
    server.faults = { flipAt: 3 * (8192 + 28) + 5 };
    const err = await install(request('1.1.0'), d).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/Chunk 3 of "kb\/data.bin" in bundle "gold-kb" 1.1.0 failed verification/);
    expect(await d.registry.pointer('gold-kb')).toMatchObject({ version: '1.0.0' });
    expect(await d.registry.version('gold-kb', '1.1.0')).toBeUndefined();
    expect(await readBack(d, 'gold-kb', '1.0.0', 'kb/data.bin')).toEqual(plain('1.0.0'));
    // The verified chunks before the bad one are kept for the next attempt, which resumes after them.
    expect(await d.store.storedLength(target.blob)).toBe(3 * (8192 + 28));
    server.faults = {};
    server.requests.length = 0;
    const r = await install(request('1.1.0'), d);
    expect(r.resumedBytes).toBe(3 * (8192 + 28));
    expect(server.requests[0]?.range).toBe(`bytes=${3 * (8192 + 28)}-${target.encSize - 1}`);
    expect(await d.registry.pointer('gold-kb')).toMatchObject({ version: '1.1.0', previous: '1.0.0' });
  });

  it('running out of space mid-write: a clear error, the partial new version removed, the previous intact', async () => {
    const d = deps();
    await install(request('1.0.0'), d);
    const limited = { ...d, store: withWriteLimit(d.store, 30_000) };
    const err = await install(request('1.1.0'), limited).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstallError);
    expect((err as InstallError).code).toBe('quota');
    expect((err as Error).message).toMatch(/ran out of storage while installing "gold-kb" 1.1.0\. The partial download was removed and the version you had keeps working/);
    const newBlobs = versions['1.1.0']!.manifest.signed.files.map((f) => f.blob);
    for (const b of newBlobs) expect(await d.store.storedLength(b)).toBe(0);
    expect(await d.registry.downloads()).toEqual([]);
    expect(await d.registry.pointer('gold-kb')).toMatchObject({ version: '1.0.0' });
    expect(await readBack(d, 'gold-kb', '1.0.0', 'kb/data.bin')).toEqual(plain('1.0.0'));
  });

  it('a content key that is not this bundle\'s fails the first chunk: nothing stored or installed', async () => {
    const d = deps();
    const req = { ...request('1.0.0'), keyEnvelope: versions['1.1.0']!.keyEnvelope };
    // The key opens, but it is not this bundle's: the first chunk fails its GCM tag and nothing is kept.
    await expect(install(req, d)).rejects.toThrow(/could not be decrypted/);
    expect(await d.registry.pointers()).toEqual([]);
    expect(await d.store.listBlobs()).toEqual([]);
  });
});

describe('rollback and garbage collection (SyncClient over the same stores)', () => {
  it('keeps active + previous, rolls back atomically, and collects the rest', async () => {
    const d = deps();
    const client = await SyncClient.open({ appVersion: '0.1.0', autoCheck: false, registry: d.registry, store: d.store, storage: storage() });
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) await install(request(v), d);
    expect(await d.registry.pointer('gold-kb')).toMatchObject({ version: '1.2.0', previous: '1.1.0' });
    const blobsOf = (v: string) => versions[v]!.manifest.signed.files.map((f) => f.blob);
    const gc = await client.gc();
    expect(gc.deletedVersions).toEqual([{ id: 'gold-kb', version: '1.0.0' }]);
    expect(gc.deletedBlobs).toBe(2);
    expect(gc.freedBytes).toBe(versions['1.0.0']!.manifest.signed.files.reduce((s, f) => s + f.encSize, 0));
    for (const b of blobsOf('1.0.0')) expect(await d.store.storedLength(b)).toBe(0);
    for (const b of [...blobsOf('1.1.0'), ...blobsOf('1.2.0')]) expect(await d.store.storedLength(b)).toBeGreaterThan(0);

    const st = await client.rollback('gold-kb');
    expect(st.installed.map((i) => `${i.version}:${i.state}`)).toEqual(['1.1.0:active', '1.2.0:previous']);
    expect(await d.registry.pointer('gold-kb')).toMatchObject({ version: '1.1.0', previous: '1.2.0', rolledBackFrom: '1.2.0' });
    expect(await client.activeSources()).toEqual({ kb: { store: { id: 'gold-kb', version: '1.1.0' } } });
    expect(await readBack(d, 'gold-kb', '1.1.0', 'kb/data.bin')).toEqual(plain('1.1.0'));
    await client.rollback('gold-kb');
    expect(await d.registry.pointer('gold-kb')).toMatchObject({ version: '1.2.0', previous: '1.1.0' });
  });

  it('keeps a wanted partial download for resuming, drops an unwanted one', async () => {
    const d = deps();
    const client = await SyncClient.open({ appVersion: '0.1.0', autoCheck: false, registry: d.registry, store: d.store, storage: storage() });
    await install(request('1.0.0'), d);
    server.faults = { cutAfterBytes: 20_000, cutRequests: 100 };
    await expect(install(request('1.1.0'), { ...d, retry: { attempts: 1 } })).rejects.toThrow(/resumes at the next update check/);
    const partial = versions['1.1.0']!.manifest.signed.files[0]!.blob;
    expect(await d.store.storedLength(partial)).toBeGreaterThan(0);
    await d.registry.setMeta('wanted', [{ id: 'gold-kb', version: '1.1.0' }]);
    expect((await client.gc()).deletedBlobs).toBe(0);
    await d.registry.setMeta('wanted', []);
    expect((await client.gc()).deletedBlobs).toBe(1);
    expect(await d.store.storedLength(partial)).toBe(0);
    expect(await d.registry.downloads()).toEqual([]);
  });
});
