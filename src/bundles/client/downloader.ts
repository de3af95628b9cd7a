/**
 * Downloads one blob (one encrypted file) into the chunk store, resumably: `Range` from the last verified
 * chunk with `If-Range` on the blob's strong ETag, every chunk verified (SHA-256 from the signed manifest;
 * the GCM tag too, see `tagCheck`; the plaintext is thrown away) BEFORE it is written, progress recorded as it goes, so a
 * dropped connection, a killed server or a reload resumes where the verified data ends. Memory stays at a
 * chunk or two whatever the file's size.
 */
import { checkChunkHash, chunkCount, encryptedChunkRange, expectChunkHash, openChunk } from '../chunks.ts';
import { HasherError, inThreadHasher, type ChunkHasher } from './chunk-hasher.ts';
import type { BundleMetadata, ManifestFile } from '../metadata.ts';
import { BundleError } from '../source.ts';
import { isQuotaError, type ChunkStore } from './chunk-store.ts';
import { ChunkCutter } from './chunk-cutter.ts';
import { httpError, SyncHttpError, type FetchLike } from './http.ts';
import { backoffDelayMs } from './policy.ts';

/** Chunks verified ahead of the one being written: a few MiB of memory for using a second core. */
const VERIFY_AHEAD = 3;

export interface BlobProgress {
  /** Verified chunks stored so far (0 when nothing is). */
  load(): Promise<number>;
  save(verifiedChunks: number): Promise<void>;
}

export interface DownloadOptions {
  url: string;
  bundle: BundleMetadata;
  file: ManifestFile;
  key: CryptoKey;
  store: ChunkStore;
  progress: BlobProgress;
  headers?: Record<string, string>;
  fetch?: FetchLike;
  /** Called with the number of newly verified bytes (and negative after a restart from 0). */
  onBytes?: (delta: number) => void;
  /** Tries in a row without progress before giving up (default 6). */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Records progress every this many chunks (default 32; always at the end and before a retry). Each record
   * flushes the file and commits to IndexedDB, which costs wall time; chunks stored after the last record are
   * re-hashed and kept on resume, so recording less often loses no download.
   */
  saveEvery?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  signal?: AbortSignal;
  /**
   * Which chunks are also GCM-decrypted while downloading. Every chunk's SHA-256 is checked against the signed
   * manifest, and `bundle publish` checked the GCM tag of those exact bytes, so one decrypted chunk per download
   * proves the content key ('first', default); 'every' re-checks all tags (about half the install speed).
   * Every chunk's tag is checked again whenever it is read (StoreSource).
   */
  tagCheck?: 'first' | 'every';
  /** Where chunks are hashed (default: this thread). */
  hasher?: ChunkHasher;
}

export interface DownloadReport {
  /** HTTP requests made. */
  requests: number;
  /** Body bytes received over the network. */
  bytesReceived: number;
  /** Chunk index the first request started at (0 = from scratch). */
  resumedFromChunk: number;
}

/** A verification failure: the server (or someone on the way) sent bytes the signed manifest does not allow. */
export class VerificationError extends BundleError {
  override name = 'VerificationError';
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });

function contentRangeStart(value: string | null): number | undefined {
  const m = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(value?.trim() ?? '');
  return m ? Number(m[1]) : undefined;
}

export async function downloadBlob(o: DownloadOptions): Promise<DownloadReport> {
  const { bundle, file, store } = o;
  const fetchFn = o.fetch ?? ((u, i) => fetch(u, i));
  const count = chunkCount(file.size, bundle.chunkSize);
  if (count !== file.chunks.length) {
    throw new VerificationError(`File "${file.path}" of bundle "${bundle.id}" lists ${file.chunks.length} chunks but its size needs ${count}. The manifest is malformed; re-publish the bundle.`);
  }
  const rangeStart = (i: number) => (i >= count ? file.encSize : encryptedChunkRange(file, bundle.chunkSize, i).start);
  const saveEvery = Math.max(1, o.saveEvery ?? 32);
  const maxAttempts = o.attempts ?? 6;
  const sleep = o.sleep ?? ((ms: number) => defaultSleep(ms, o.signal));
  const report: DownloadReport = { requests: 0, bytesReceived: 0, resumedFromChunk: 0 };

  // Resume point: recorded progress, but never past what is really stored.
  const stored = await store.storedLength(file.blob);
  const recorded = await o.progress.load();
  let verified = Math.min(recorded, count);
  while (verified > 0 && rangeStart(verified) > stored) verified -= 1;
  // Chunks stored after the last recorded progress were verified before they were written, but the app may
  // have stopped mid-write: each is kept only if its bytes still match the signed hash.
  while (verified < count && encryptedChunkRange(file, bundle.chunkSize, verified).end <= stored) {
    const { start, end } = encryptedChunkRange(file, bundle.chunkSize, verified);
    try {
      await checkChunkHash(await store.readRange(file.blob, start, end), file, verified, bundle.id);
    } catch {
      break;
    }
    verified += 1;
  }
  if (stored !== rangeStart(verified)) await store.truncate(file.blob, rangeStart(verified));
  report.resumedFromChunk = verified;

  if (recorded !== verified) await o.progress.save(verified);
  let saved = verified;
  const save = async () => {
    if (saved === verified) return;
    await store.flush(file.blob);
    await o.progress.save(verified);
    saved = verified;
  };

  let failures = 0;
  let restartedForRange = false;
  let keyChecked = false;
  const hasher = o.hasher ?? inThreadHasher;
  try {
    while (verified < count) {
      o.signal?.throwIfAborted();
      const before = verified;
      try {
        await fetchOnce();
      } catch (e) {
        await save();
        // Only transport trouble is retried; bad data, a full disk or an abort end the download.
        if (!(e instanceof SyncHttpError && e.retryable)) throw e;
        failures = verified > before ? 1 : failures + 1;
        if (failures >= maxAttempts) {
          throw new SyncHttpError(
            `Downloading "${file.path}" of bundle "${bundle.id}" ${bundle.version} failed ${failures} times in a row (${(e as Error).message}). ` +
              'The verified part is kept; the download resumes at the next update check.',
            e instanceof SyncHttpError ? e.status : 0,
            e instanceof SyncHttpError ? e.code : 'network',
            e instanceof SyncHttpError ? e.retryAfterSeconds : undefined,
          );
        }
        const wait = backoffDelayMs(failures - 1, { baseMs: o.baseDelayMs ?? 500, maxMs: o.maxDelayMs ?? 30_000, random: o.random });
        const retryAfterMs = e instanceof SyncHttpError && e.retryAfterSeconds ? e.retryAfterSeconds * 1000 : 0;
        await sleep(Math.max(wait, Math.min(retryAfterMs, o.maxDelayMs ?? 30_000)));
      }
    }
    // Everything was already stored (a resume after the last chunk): no chunk of this run proved the content
    // key, so one stored chunk is decrypted now.
    if (!keyChecked) await checkKeyOnStored();
    await save();
  } finally {
    await store.close(file.blob).catch(() => undefined);
  }
  return report;

  /** One HTTP request: reads, verifies and stores chunks until the body ends or fails. */
  async function fetchOnce(): Promise<void> {
    const start = rangeStart(verified);
    const headers: Record<string, string> = { ...o.headers };
    if (start > 0) {
      // A bounded range: the client asks for, and reads, no more than the signed encrypted size.
      headers.range = `bytes=${start}-${file.encSize - 1}`;
      headers['if-range'] = `"${file.blob}"`;
    }
    report.requests += 1;
    let res: Response;
    try {
      res = await fetchFn(o.url, { headers, cache: 'no-store', signal: o.signal });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new SyncHttpError(`no answer from ${new URL(o.url).origin}: ${(e as Error).message}`, 0, 'network');
    }
    if (res.status === 416 && !restartedForRange) {
      // The server's blob is not as long as ours claims: start over from nothing, once.
      await res.body?.cancel();
      restartedForRange = true;
      await restartFromZero();
      throw new SyncHttpError('the server refused the range (416); starting again from the beginning', 0, 'range');
    }
    if (res.status !== 200 && res.status !== 206) throw await httpError(res, `send "${file.path}" of bundle "${bundle.id}"`);
    if (res.status === 206 && contentRangeStart(res.headers.get('content-range')) !== start) {
      await res.body?.cancel();
      await restartFromZero();
      throw new SyncHttpError('the server answered a different range; starting again from the beginning', 0, 'range');
    }
    if (res.status === 200 && start > 0) {
      // The server ignored the range (or the blob changed, per If-Range): the body starts at byte 0.
      await restartFromZero();
    }
    if (!res.body) throw new SyncHttpError('the answer had no body', 0, 'network');

    const cutter = new ChunkCutter(file, bundle.chunkSize, verified);
    const chunks = cutter.chunks(res.body, (n) => (report.bytesReceived += n));
    // Up to VERIFY_AHEAD chunks are being hashed (WebCrypto works off this thread) while the body is read;
    // they are written and counted strictly in order, each only after its own check passed.
    const pending: Array<{ index: number; offset: number; check: Promise<Uint8Array> }> = [];
    const writeHead = async () => {
      const head = pending.shift()!;
      const bytes = await head.check;
      await storeChunk(head.index, head.offset, bytes);
      cutter.recycle(bytes);
    };
    try {
      for await (const chunk of chunks) {
        const check = verifyChunk(chunk.index, chunk.bytes);
        // Awaited in order by writeHead; this only keeps a failure from being reported as unhandled meanwhile.
        check.catch(() => undefined);
        pending.push({ index: chunk.index, offset: chunk.offset, check });
        if (pending.length > VERIFY_AHEAD) await writeHead();
      }
      while (pending.length) await writeHead();
    } catch (e) {
      // The connection dropped (or the hasher failed): keep every chunk before the failure that did verify, so
      // the next request resumes right after it.
      let full: unknown;
      if (!(e instanceof VerificationError) && !isQuotaError(e)) {
        try {
          while (pending.length) await writeHead();
        } catch (k) {
          // The first chunk that fails its check ends the keeping; the resume starts there. A full disk though
          // is not worth retrying: it ends the download.
          if (isQuotaError(k)) full = k;
        }
      }
      await Promise.allSettled(pending.map((p) => p.check));
      await chunks.return(undefined).catch(() => undefined);
      if (full) throw full;
      if (e instanceof BundleError || (e as Error).name === 'AbortError' || isQuotaError(e)) throw e;
      throw new SyncHttpError(`the connection dropped: ${(e as Error).message}`, 0, 'network');
    }
    if (!cutter.done) {
      throw new SyncHttpError(`the connection ended after ${report.bytesReceived} bytes, before the file was complete`, 0, 'network');
    }
  }

  /** The chunk's signed SHA-256 (and its GCM tag, see `tagCheck`): nothing unverified is ever written. */
  async function verifyChunk(index: number, bytes: Uint8Array): Promise<Uint8Array> {
    try {
      if (o.tagCheck === 'every' || !keyChecked) {
        keyChecked = true;
        await openChunk(o.key, bytes, bundle, file, index);
        return bytes;
      }
      const hashed = await hasher.sha256(bytes);
      expectChunkHash(hashed.hex, file, index, bundle.id);
      return hashed.bytes;
    } catch (e) {
      // The hashing worker broke: this device's fault, not the data's. Retried (the hasher now hashes here).
      if (e instanceof HasherError) throw new SyncHttpError(`chunk ${index} could not be hashed: ${e.message}`, 0, 'hasher');
      throw tampered(index, e);
    }
  }

  function tampered(index: number, e: unknown): VerificationError {
    return new VerificationError(
      `Chunk ${index} of "${file.path}" in bundle "${bundle.id}" ${bundle.version} failed verification (${(e as Error).message}). ` +
        'It was not stored and nothing was installed; the bundle stays as it was. Tell IT: the server or the network is sending altered data.',
    );
  }

  async function checkKeyOnStored(): Promise<void> {
    const { start, end } = encryptedChunkRange(file, bundle.chunkSize, 0);
    const enc = await store.readRange(file.blob, start, end);
    try {
      await openChunk(o.key, enc, bundle, file, 0);
    } catch (e) {
      throw tampered(0, e);
    }
    keyChecked = true;
  }

  async function storeChunk(index: number, offset: number, bytes: Uint8Array): Promise<void> {
    if (index !== verified) throw new Error(`chunk ${index} arrived while ${verified} was expected`);
    await store.writeChunk(file.blob, index, offset, bytes);
    verified = index + 1;
    o.onBytes?.(bytes.byteLength);
    if (verified - saved >= saveEvery) await save();
  }

  async function restartFromZero(): Promise<void> {
    const had = rangeStart(verified);
    verified = 0;
    saved = 0;
    await store.truncate(file.blob, 0);
    await o.progress.save(0);
    if (had > 0) o.onBytes?.(-had);
  }
}
