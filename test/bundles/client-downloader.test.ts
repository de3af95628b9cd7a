/**
 * The resumable, verifying downloader against a real HTTP server on localhost: resume with Range/If-Range,
 * servers that ignore ranges or refuse them, dropped connections, tampered chunks, endless data.
 */
import { importContentKey } from '../../src/bundles/chunks.ts';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HasherError, workerHasher, type HashWorker } from '../../src/bundles/client/chunk-hasher.ts';
import { MemoryChunkStore } from '../../src/bundles/client/chunk-store.ts';
import { downloadBlob, VerificationError, type DownloadOptions } from '../../src/bundles/client/downloader.ts';
import { SyncHttpError } from '../../src/bundles/client/http.ts';
import type { BundleMetadata, ManifestFile } from '../../src/bundles/metadata.ts';
import { generateSigningKey } from '../../src/bundles/signing.ts';
import { packPublic, randomBytes, serveBlobs, type BlobServer } from './client-helpers.ts';

const CHUNK = 4096;
const ENC_CHUNK = CHUNK + 28;
let dir: string;
let bundle: BundleMetadata;
let file: ManifestFile;
let key: CryptoKey;
let blobBytes: Uint8Array;
let server: BlobServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'va-dl-'));
  const { key: publisher } = await generateSigningKey();
  const packed = await packPublic(
    { id: 'dl-test', kind: 'kb', version: '1.0.0', roles: { kb: 'data.bin' }, chunkSize: CHUNK, files: [{ path: 'data.bin', source: randomBytes(100_000) }] },
    publisher,
    dir,
  );
  bundle = packed.manifest.signed;
  file = bundle.files[0]!;
  key = packed.key;
  blobBytes = new Uint8Array(await readFile(join(dir, file.blob)));
  server = await serveBlobs(dir);
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  server.faults = {};
  server.requests.length = 0;
  server.bytesSent = 0;
});

function setup(extra: Partial<DownloadOptions> = {}) {
  const store = new MemoryChunkStore();
  let verified = 0;
  const saves: number[] = [];
  const opts: DownloadOptions = {
    url: `${server.url}/api/v1/blobs/${file.blob}`,
    bundle, file, key, store,
    progress: { load: async () => verified, save: async (n) => void saves.push((verified = n)) },
    headers: { authorization: 'Bearer t0k' },
    baseDelayMs: 5,
    maxDelayMs: 20,
    ...extra,
  };
  return { store, opts, saves, verified: () => verified, setVerified: (n: number) => (verified = n) };
}

async function stored(store: MemoryChunkStore): Promise<Uint8Array> {
  return store.readRange(file.blob, 0, await store.storedLength(file.blob));
}

describe('downloadBlob', () => {
  it('downloads, verifies and stores the blob exactly (ciphertext), recording progress as it goes', async () => {
    const { store, opts, saves } = setup({ saveEvery: 4 });
    const report = await downloadBlob(opts);
    expect(await stored(store)).toEqual(blobBytes);
    expect(report).toMatchObject({ requests: 1, bytesReceived: file.encSize, resumedFromChunk: 0 });
    expect(saves.at(-1)).toBe(file.chunks.length);
    expect(saves.length).toBeGreaterThan(3);
    expect(server.requests[0]).toMatchObject({ authorization: 'Bearer t0k', range: undefined });
  });

  it('resumes after a dropped connection from the last verified chunk, with Range and If-Range', async () => {
    server.faults = { cutAfterBytes: 10 * ENC_CHUNK + 1000, cutRequests: 1 };
    const { store, opts } = setup();
    const report = await downloadBlob(opts);
    expect(await stored(store)).toEqual(blobBytes);
    expect(report.requests).toBe(2);
    // The second request starts at a chunk boundary after the chunks that were verified and kept. (Bytes the
    // stream still held when the connection dropped are lost with it, so that is at most where the cut was.)
    const resumeAt = Number(/^bytes=(\d+)-/.exec(server.requests[1]!.range ?? '')?.[1]);
    expect(resumeAt % ENC_CHUNK).toBe(0);
    expect(resumeAt).toBeGreaterThan(0);
    expect(resumeAt).toBeLessThanOrEqual(10 * ENC_CHUNK);
    expect(server.requests[1]).toMatchObject({ range: `bytes=${resumeAt}-${file.encSize - 1}`, ifRange: `"${file.blob}"` });
    // Nothing before the resume point is fetched twice.
    expect(report.bytesReceived).toBeLessThanOrEqual(10 * ENC_CHUNK + 1000 + file.encSize - resumeAt);
  });

  it('resumes in a later run (a reload or a killed server) from the recorded progress, cutting off a torn chunk', async () => {
    server.faults = { cutAfterBytes: 7 * ENC_CHUNK + 500, cutRequests: 1 };
    const first = setup({ attempts: 1 });
    await expect(downloadBlob(first.opts)).rejects.toThrow(/failed 1 times in a row.*resumes at the next update check/);
    const kept = first.verified();
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(7);
    // A torn write past the recorded progress (crash between write and record).
    await first.store.writeChunk(file.blob, kept, kept * ENC_CHUNK, blobBytes.subarray(kept * ENC_CHUNK, kept * ENC_CHUNK + 100));
    const sentBefore = server.bytesSent;
    const report = await downloadBlob({ ...first.opts, attempts: 3 });
    expect(report.resumedFromChunk).toBe(kept);
    expect(server.bytesSent - sentBefore).toBe(file.encSize - kept * ENC_CHUNK);
    expect(await stored(first.store)).toEqual(blobBytes);
  });

  it('keeps intact chunks stored after the last recorded progress, and cuts from the first damaged one', async () => {
    const { store, opts, setVerified, verified } = setup();
    for (let i = 0; i < 9; i++) await store.writeChunk(file.blob, i, i * ENC_CHUNK, blobBytes.slice(i * ENC_CHUNK, (i + 1) * ENC_CHUNK));
    // Progress was recorded at 4; chunks 4..8 are stored, but chunk 7 was damaged (e.g. not flushed before a crash).
    setVerified(4);
    store.blobs.get(file.blob)![7]![10]! ^= 0xff;
    const report = await downloadBlob(opts);
    expect(report.resumedFromChunk).toBe(7);
    expect(server.requests[0]?.range).toBe(`bytes=${7 * ENC_CHUNK}-${file.encSize - 1}`);
    expect(await stored(store)).toEqual(blobBytes);
    expect(verified()).toBe(file.chunks.length);
  });

  it('restarts cleanly from 0 when the server ignores the range (200)', async () => {
    const { store, opts, setVerified } = setup();
    await store.writeChunk(file.blob, 0, 0, blobBytes.subarray(0, ENC_CHUNK));
    await store.writeChunk(file.blob, 1, ENC_CHUNK, blobBytes.subarray(ENC_CHUNK, 2 * ENC_CHUNK));
    setVerified(2);
    server.faults = { ignoreRange: true };
    const deltas: number[] = [];
    const report = await downloadBlob({ ...opts, onBytes: (d) => deltas.push(d) });
    expect(server.requests[0]?.range).toBe(`bytes=${2 * ENC_CHUNK}-${file.encSize - 1}`);
    expect(report.requests).toBe(1);
    expect(deltas[0]).toBe(-2 * ENC_CHUNK);
    expect(await stored(store)).toEqual(blobBytes);
  });

  it('starts over once when the server answers 416', async () => {
    const { store, opts, setVerified } = setup();
    await store.writeChunk(file.blob, 0, 0, blobBytes.subarray(0, ENC_CHUNK));
    setVerified(1);
    server.faults = { refuseRange: 1 };
    const report = await downloadBlob(opts);
    expect(report.requests).toBe(2);
    expect(server.requests[1]?.range).toBeUndefined();
    expect(await stored(store)).toEqual(blobBytes);
  });

  it('rejects a tampered chunk before storing it, keeping the verified chunks before it', async () => {
    server.faults = { flipAt: 5 * ENC_CHUNK + 77 };
    const { store, opts, verified } = setup();
    const err = await downloadBlob(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerificationError);
    expect((err as Error).message).toMatch(/Chunk 5 of "data.bin" in bundle "dl-test" 1.0.0 failed verification.*nothing was installed/);
    expect(await store.storedLength(file.blob)).toBe(5 * ENC_CHUNK);
    expect(verified()).toBe(5);
    expect(server.requests).toHaveLength(1);
  });

  it('proves the content key on the first chunk it stores, and with tagCheck "every" on each chunk', async () => {
    const wrongKey = await importContentKey(new Uint8Array(32).fill(7));
    const first = setup({ key: wrongKey });
    const err = await downloadBlob(first.opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerificationError);
    expect((err as Error).message).toMatch(/Chunk 0 of "data.bin".*could not be decrypted/);
    expect(await first.store.storedLength(file.blob)).toBe(0);
    // Resumed at chunk 3 with the wrong key: the first chunk of this download is decrypted too.
    const resumed = setup({ key: wrongKey });
    await resumed.store.writeChunk(file.blob, 0, 0, blobBytes.subarray(0, 3 * ENC_CHUNK));
    resumed.setVerified(3);
    expect(await downloadBlob(resumed.opts).catch((e: unknown) => (e as Error).message)).toMatch(/Chunk 3 of "data.bin".*could not be decrypted/);
    const every = setup({ tagCheck: 'every' });
    await downloadBlob(every.opts);
    expect(await stored(every.store)).toEqual(blobBytes);
  });

  it('proves the content key from the store when every chunk is already stored (nothing fetched)', async () => {
    const wrongKey = await importContentKey(new Uint8Array(32).fill(7));
    const full = setup({ key: wrongKey });
    await full.store.writeChunk(file.blob, 0, 0, blobBytes);
    full.setVerified(file.chunks.length);
    const err = await downloadBlob(full.opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerificationError);
    expect((err as Error).message).toMatch(/Chunk 0 of "data.bin".*could not be decrypted/);
    expect(server.requests).toHaveLength(0);
    // With the right key the same resume passes without a request.
    const ok = setup();
    await ok.store.writeChunk(file.blob, 0, 0, blobBytes);
    ok.setVerified(file.chunks.length);
    expect(await downloadBlob(ok.opts)).toMatchObject({ requests: 0, resumedFromChunk: file.chunks.length });
  });

  it('retries, hashing on this thread, when the hashing worker fails: that is not tampering', async () => {
    for (const failure of ['error event', 'error reply', 'postMessage throws'] as const) {
      server.requests.length = 0;
      let spawned = 0;
      // A Worker-like fake that breaks the way a real one can (failed to load / died, replied with an error).
      const fake: HashWorker = {
        onmessage: null,
        onerror: null,
        terminate() {},
        postMessage(msg: { id: number }) {
          if (failure === 'postMessage throws') throw new Error('DataCloneError');
          setTimeout(() => {
            if (failure === 'error event') fake.onerror?.call(fake as Worker, { message: 'worker script 404' } as ErrorEvent);
            else fake.onmessage?.call(fake as Worker, { data: { id: msg.id, error: 'digest failed' } } as MessageEvent);
          }, 1);
        },
      };
      const hasher = workerHasher(() => (spawned++, fake));
      const { store, opts } = setup({ hasher });
      const report = await downloadBlob(opts);
      expect(spawned).toBe(1);
      expect(report.requests).toBe(2);
      expect(await stored(store)).toEqual(blobBytes);
    }
  });

  it('the worker hasher rejects with a HasherError, then hashes on this thread', async () => {
    const fake: HashWorker = {
      onmessage: null, onerror: null, terminate() {},
      postMessage() { setTimeout(() => fake.onerror?.call(fake as Worker, {} as ErrorEvent), 1); },
    };
    const hasher = workerHasher(() => fake);
    const err = await hasher.sha256(new Uint8Array(8)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HasherError);
    expect((err as Error).message).toMatch(/hashing worker stopped \(it failed to load or crashed\)/);
    expect((await hasher.sha256(new Uint8Array(8))).hex).toMatch(/^af5570f5/);
  });

  it('does not swallow a full disk while keeping chunks after a dropped connection', async () => {
    server.faults = { cutAfterBytes: 10 * ENC_CHUNK + 1000, cutRequests: 1 };
    const { store, opts } = setup();
    // Every write after the first fails: the chunks still pending when the connection drops are written in the
    // keeping path, and the full disk must end the download there rather than turn into a retry.
    const write = store.writeChunk.bind(store);
    store.writeChunk = async (blob, index, offset, bytes) => {
      if (index >= 1) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return write(blob, index, offset, bytes);
    };
    const err = await downloadBlob(opts).catch((e: unknown) => e);
    expect((err as Error).name).toBe('QuotaExceededError');
    expect(server.requests).toHaveLength(1);
  });

  it('never reads more than the signed encrypted size (endless data)', async () => {
    server.faults = { extraBytes: 5_000_000, slow: { pieceBytes: 64 * 1024, pauseMs: 1 } };
    const { store, opts } = setup();
    const report = await downloadBlob(opts);
    expect(await stored(store)).toEqual(blobBytes);
    expect(report.bytesReceived).toBeLessThan(file.encSize + 200_000);
  });

  it('retries 503 with back-off and honours Retry-After; gives up after the bounded attempts', async () => {
    server.faults = { failStatus: 503, failRequests: 2, retryAfter: '0' };
    const ok = setup();
    const report = await downloadBlob(ok.opts);
    expect(report.requests).toBe(3);
    expect(await stored(ok.store)).toEqual(blobBytes);

    server.faults = { failStatus: 503, failRequests: 100 };
    server.requests.length = 0;
    const sleeps: number[] = [];
    const failing = setup({ attempts: 4, sleep: async (ms) => void sleeps.push(ms), random: () => 1 });
    const err = await downloadBlob(failing.opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncHttpError);
    expect((err as Error).message).toMatch(/failed 4 times in a row \(Injected HTTP 503\.\)/);
    expect(server.requests).toHaveLength(4);
    expect(sleeps).toEqual([5, 10, 20]);
  });

  it('does not retry what retrying cannot fix (404, 403) and passes the service message on', async () => {
    const missing = setup({ url: `${server.url}/api/v1/blobs/${'f'.repeat(64)}` });
    await expect(downloadBlob(missing.opts)).rejects.toThrow(/No blob f{64}\./);
    expect(server.requests).toHaveLength(1);
    server.faults = { failStatus: 403, failRequests: 1 };
    const revoked = setup();
    const err = await downloadBlob(revoked.opts).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 403, code: 'test_failure' });
  });

  it('stops when aborted', async () => {
    server.faults = { slow: { pieceBytes: 4096, pauseMs: 20 } };
    const ctl = new AbortController();
    const { opts } = setup({ signal: ctl.signal });
    setTimeout(() => ctl.abort(), 100);
    await expect(downloadBlob(opts)).rejects.toThrow();
  });
});
