/**
 * Installs one verified bundle version: checks free storage first (the page asks for persistent storage: a
 * worker cannot), opens the
 * content key, downloads and verifies every file into the chunk store, and only then makes the version
 * active in one registry transaction. Until that moment the previous version is active and untouched; if
 * anything fails, it stays so.
 */
import type { BundleMetadata } from '../metadata.ts';
import { unwrapContentKey, type KeyEnvelope } from '../keywrap.ts';
import type { Signed } from '../signing.ts';
import { BundleError } from '../source.ts';
import { isQuotaError, type ChunkStore } from './chunk-store.ts';
import type { ChunkHasher } from './chunk-hasher.ts';
import { downloadBlob } from './downloader.ts';
import type { FetchLike } from './http.ts';
import { MB, storageNeeded } from './policy.ts';
import { ProgressMeter } from './progress.ts';
import type { InstalledVersion, Registry } from './registry.ts';
import type { DownloadView } from './status.ts';

/** The parts of navigator.storage the installer uses (injected, so Node tests and quota caps work). */
export interface StorageLike {
  estimate(): Promise<{ usage?: number; quota?: number }>;
  persisted?(): Promise<boolean>;
}

export type InstallErrorCode = 'storage' | 'quota' | 'key';

export class InstallError extends BundleError {
  override name = 'InstallError';
  constructor(readonly code: InstallErrorCode, message: string) {
    super(message);
  }
}

export interface InstallRequest {
  /** The signed manifest exactly as received (stored, so it can be re-verified later). */
  signed: Signed<BundleMetadata>;
  /** Its content, already accepted (signature, freshness pin, version rules). */
  bundle: BundleMetadata;
  keyEnvelope: KeyEnvelope;
  /** The device's ECDH private key; undefined for the embedded bundles (envelope "none"). */
  devicePrivateKey?: CryptoKey;
  blobUrl: (sha256: string) => string;
  headers?: Record<string, string>;
  source: 'embedded' | 'sync';
}

export interface InstallerDeps {
  store: ChunkStore;
  registry: Registry;
  storage: StorageLike;
  fetch?: FetchLike;
  /** Caps the quota the installer believes it has (tests, or an admin limit). */
  quotaCapBytes?: number;
  onProgress?: (view: DownloadView) => void;
  now?: () => number;
  /** Passed to the downloader (tests use short delays). */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  signal?: AbortSignal;
  /** Passed to the downloader: which chunks are GCM-checked while downloading. */
  tagCheck?: 'first' | 'every';
  hasher?: ChunkHasher;
}

export interface InstallReport {
  version: InstalledVersion;
  requests: number;
  bytesReceived: number;
  /** Bytes that were already verified and stored from an earlier, interrupted attempt. */
  resumedBytes: number;
  seconds: number;
}

export const bundleBytes = (m: BundleMetadata): number => m.files.reduce((s, f) => s + f.encSize, 0);

/** Free bytes as the installer sees them (quota minus usage, under the cap if there is one). */
export async function freeBytes(storage: StorageLike, cap?: number): Promise<{ free: number; quota: number; usage: number }> {
  const est = await storage.estimate();
  const usage = est.usage ?? 0;
  const quota = Math.min(est.quota ?? Infinity, cap ?? Infinity);
  return { free: Math.max(0, quota - usage), quota, usage };
}

export async function install(req: InstallRequest, deps: InstallerDeps): Promise<InstallReport> {
  const { bundle } = req;
  const { store, registry } = deps;
  const now = deps.now ?? (() => Date.now());
  const started = now();
  const name = `"${bundle.id}" ${bundle.version}`;
  const total = bundleBytes(bundle);

  // What earlier attempts already verified and stored counts as done (and needs no new space).
  const stored = new Map<string, number>();
  for (const f of bundle.files) {
    const rec = await registry.download(f.blob);
    stored.set(f.blob, rec && rec.id === bundle.id && rec.version === bundle.version ? Math.min(await store.storedLength(f.blob), f.encSize) : 0);
  }
  const already = [...stored.values()].reduce((s, n) => s + n, 0);

  const view: DownloadView = { id: bundle.id, version: bundle.version, doneBytes: already, totalBytes: total, bytesPerSecond: 0, secondsLeft: null, phase: 'checking' };
  const report = (patch: Partial<DownloadView>) => deps.onProgress?.(Object.assign(view, patch));
  report({});

  const { free } = await freeBytes(deps.storage, deps.quotaCapBytes);
  const needed = storageNeeded(total - already);
  if (free < needed) {
    throw new InstallError(
      'storage',
      `Not enough storage to install ${name}: it needs ${MB(needed)}, and ${MB(free)} is free. ` +
        'Free space on this device (old versions are removed after each update), then check for updates again. Nothing was changed.',
    );
  }

  let contentKey: CryptoKey;
  try {
    contentKey = await unwrapContentKey(req.keyEnvelope, req.devicePrivateKey, bundle.id, bundle.version);
  } catch (e) {
    throw new InstallError('key', (e as Error).message);
  }

  const meter = new ProgressMeter(total, already, now);
  let lastReport = 0;
  const progressView = (force = false) => {
    const t = now();
    if (!force && t - lastReport < 250) return;
    lastReport = t;
    report({ ...meter.snapshot(), phase: 'downloading' });
  };
  progressView(true);

  let requests = 0;
  let bytesReceived = 0;
  try {
    for (const file of bundle.files) {
      const progress = {
        load: async () => {
          const rec = await registry.download(file.blob);
          return rec && rec.id === bundle.id && rec.version === bundle.version ? rec.verifiedChunks : 0;
        },
        save: (verifiedChunks: number) =>
          registry.saveDownload({ blob: file.blob, id: bundle.id, version: bundle.version, path: file.path, verifiedChunks, updatedAt: now() }),
      };
      // Recorded before the first byte, so garbage collection knows whose partial data this is.
      if (!(await registry.download(file.blob))) await progress.save(0);
      const r = await downloadBlob({
        url: req.blobUrl(file.blob),
        bundle,
        file,
        key: contentKey,
        store,
        progress,
        headers: req.headers,
        fetch: deps.fetch,
        signal: deps.signal,
        ...deps.retry,
        tagCheck: deps.tagCheck,
        hasher: deps.hasher,
        onBytes: (delta) => {
          if (delta >= 0) meter.add(delta);
          else meter.rewind(Math.max(0, meter.doneBytes + delta));
          progressView();
        },
      });
      requests += r.requests;
      bytesReceived += r.bytesReceived;
      const length = await store.storedLength(file.blob);
      if (length !== file.encSize) {
        throw new BundleError(`"${file.path}" of bundle ${name} is stored with ${length} bytes instead of ${file.encSize}. Nothing was installed; check for updates again.`);
      }
    }
  } catch (e) {
    if (isQuotaError(e)) {
      await discardPartial(req, deps);
      throw new InstallError(
        'quota',
        `The device ran out of storage while installing ${name}. The partial download was removed and the version you had keeps working. ` +
          'Free space on this device (old versions are removed after each update), then check for updates again.',
      );
    }
    throw e;
  }

  report({ ...meter.snapshot(), phase: 'activating' });
  const version: InstalledVersion = {
    id: bundle.id,
    version: bundle.version,
    kind: bundle.kind,
    manifest: req.signed,
    contentKey,
    source: req.source,
    installedAt: now(),
    sizeBytes: total,
    backend: store.backend,
  };
  await registry.activate(version, now());
  return { version, requests, bytesReceived, resumedBytes: already, seconds: (now() - started) / 1000 };
}

/** Removes the new version's stored blobs and their progress (the previous version shares none of them). */
export async function discardPartial(req: Pick<InstallRequest, 'bundle'>, deps: Pick<InstallerDeps, 'store' | 'registry'>): Promise<void> {
  for (const f of req.bundle.files) {
    const rec = await deps.registry.download(f.blob);
    if (rec && (rec.id !== req.bundle.id || rec.version !== req.bundle.version)) continue;
    await deps.store.deleteBlob(f.blob).catch(() => undefined);
    await deps.registry.deleteDownload(f.blob).catch(() => undefined);
  }
}
