/**
 * The device side of the sync protocol (docs/bundle-format.md): enrolment, update checks on a jittered
 * schedule with back-off, freshness and manifest checks, installs, rollback, garbage collection, and the
 * embedded default bundles through the same download → verify → store path. Runs in the sync worker.
 */
import { exportWrapPublicKey, generateWrapKeyPair, type KeyEnvelope } from '../keywrap.ts';
import { BUNDLE_KINDS, compareVersions, parseBundleMetadata, parseRoot, type BundleKind, type FreshnessEntry, type RootMetadata } from '../metadata.ts';
import { keyIdOf, verifyEnvelope } from '../signing.ts';
import type { EmbeddedIndex } from '../container.ts';
import { BundleError } from '../source.ts';
import { acceptFreshness, acceptManifest, acceptRootUpdate, TrustError, trustedNow, type DeviceCapabilities, type TrustState } from '../trust.ts';
import type { ChunkHasher } from './chunk-hasher.ts';
import { openChunkStore, withWriteLimit, type ChunkStore, type StoreBackend } from './chunk-store.ts';
import { requestJson, SyncHttpError, type FetchLike } from './http.ts';
import { freeBytes, install, type InstallReport, type StorageLike } from './installer.ts';
import { nextCheckDelaySeconds, planGc } from './policy.ts';
import { blobsOf, IdbRegistry, type DeviceRecord, type InstalledVersion, type Registry } from './registry.ts';
import type { BundleRef, DownloadView, InstalledBundleView, SyncStatus } from './status.ts';

export interface SyncClientOptions {
  appVersion: string;
  capabilities?: Partial<Omit<DeviceCapabilities, 'appVersion'>>;
  /** Force a storage backend (the IndexedDB fallback is chosen automatically when OPFS is missing). */
  backend?: StoreBackend;
  /** Start the periodic update checks (default true). */
  autoCheck?: boolean;
  /** Caps the storage quota the installer believes it has. */
  quotaCapBytes?: number;
  /** Tests: the store throws QuotaExceededError after this many bytes are written. */
  writeLimitBytes?: number;
  /** Tests: how far the device clock is off (ms; positive = ahead). */
  clockOffsetMs?: number;
  /** Tests: faster download retries. */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Where download chunks are hashed (the sync worker passes a second worker; default this thread). */
  hasher?: ChunkHasher;
  /** GCM-check every chunk while downloading, not just one per file (see downloader.ts); the benchmark compares both. */
  tagCheck?: 'first' | 'every';
  /** Where the embedded bundles' origin must be (defaults to this page's origin). */
  appOrigin?: string;
  /** Injected for Node tests; the browser defaults are IndexedDB, OPFS, fetch and navigator.storage. */
  registry?: Registry;
  store?: ChunkStore;
  fetch?: FetchLike;
  storage?: StorageLike;
  random?: () => number;
}

export const EXPIRED_MESSAGE = "The update information has expired — check this device's date and time. The installed bundles keep working.";

export interface CheckResult {
  ok: boolean;
  message?: string;
  installed: Array<{ id: string; version: string }>;
  failed: Array<{ id: string; version: string; message: string }>;
  reports: InstallReport[];
}

export interface EmbeddedResult {
  installed: string[];
  skipped: string[];
  failed: Array<{ id: string; message: string }>;
}

export interface GcResult {
  deletedVersions: Array<{ id: string; version: string }>;
  deletedBlobs: number;
  freedBytes: number;
}


const MAX_ERRORS = 20;
const noStorage: StorageLike = { estimate: async () => ({}) };

function defaultCapabilities(): Omit<DeviceCapabilities, 'appVersion'> {
  const nav = (typeof navigator === 'undefined' ? {} : navigator) as { gpu?: unknown; deviceMemory?: number };
  return { webgpu: !!nav.gpu, memoryMB: nav.deviceMemory ? nav.deviceMemory * 1024 : undefined };
}

export class SyncClient {
  readonly #opts: SyncClientOptions;
  readonly registry: Registry;
  readonly store: ChunkStore;
  readonly #fetch: FetchLike;
  readonly #storage: StorageLike;
  readonly #random: () => number;
  readonly #downloads = new Map<string, DownloadView>();
  readonly #subscribers = new Set<(s: SyncStatus) => void>();
  readonly #errors: SyncStatus['errors'] = [];
  #lastCheck: SyncStatus['lastCheck'];
  #nextCheckAt: number | undefined;
  #failures = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  #checking: Promise<CheckResult> | undefined;
  /** One install or garbage collection at a time. */
  #queue: Promise<unknown> = Promise.resolve();
  #emitTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(opts: SyncClientOptions, registry: Registry, store: ChunkStore) {
    this.#opts = opts;
    this.registry = registry;
    this.store = opts.writeLimitBytes !== undefined ? withWriteLimit(store, opts.writeLimitBytes) : store;
    this.#fetch = opts.fetch ?? ((u, i) => fetch(u, i));
    this.#storage = opts.storage ?? (typeof navigator !== 'undefined' && navigator.storage ? navigator.storage : noStorage);
    this.#random = opts.random ?? Math.random;
  }

  static async open(opts: SyncClientOptions): Promise<SyncClient> {
    const registry = opts.registry ?? (await IdbRegistry.open());
    const store = opts.store ?? (await openChunkStore(opts.backend));
    await registry.setMeta('backend', store.backend);
    const client = new SyncClient(opts, registry, store);
    client.#lastCheck = await registry.meta('lastCheck');
    if (opts.autoCheck !== false) await client.start();
    return client;
  }

  /* ------------------------------------------------------------------------------------------ status */

  async status(): Promise<SyncStatus> {
    const device = await this.registry.device();
    const enrolment: SyncStatus['enrolment'] = !device
      ? { state: 'not-enrolled' }
      : device.revoked
        ? { state: 'revoked', deviceId: device.deviceId, message: device.revoked.message }
        : { state: 'enrolled', deviceId: device.deviceId, branch: device.branch, server: device.server, enrolledAt: device.enrolledAt };
    const pointers = new Map((await this.registry.pointers()).map((p) => [p.id, p]));
    const installed: InstalledBundleView[] = [];
    for (const v of await this.registry.versions()) {
      const p = pointers.get(v.id);
      const state = p?.version === v.version ? 'active' : p?.previous === v.version ? 'previous' : undefined;
      if (!state) continue;
      installed.push({
        id: v.id, kind: v.kind, version: v.version, languages: v.manifest.signed.languages, sizeBytes: v.sizeBytes,
        source: v.source, state, installedAt: v.installedAt,
      });
    }
    installed.sort((a, b) => a.id.localeCompare(b.id) || (a.state === 'active' ? -1 : 1));
    const { quota, usage } = await freeBytes(this.#storage, this.#opts.quotaCapBytes).catch(() => ({ quota: 0, usage: 0 }));
    const persisted = (await this.#storage.persisted?.().catch(() => false)) ?? false;
    return {
      enrolment,
      installed,
      downloads: [...this.#downloads.values()].map((d) => ({ ...d })),
      storage: { usedBytes: usage, quotaBytes: Number.isFinite(quota) ? quota : 0, persisted, backend: this.store.backend },
      lastCheck: this.#lastCheck,
      nextCheckAt: this.#nextCheckAt,
      errors: [...this.#errors],
    };
  }

  /** Calls `cb` with a fresh status whenever something changes (progress at most 4 times a second). */
  subscribe(cb: (s: SyncStatus) => void): () => void {
    this.#subscribers.add(cb);
    this.#emit();
    return () => this.#subscribers.delete(cb);
  }

  #emit(): void {
    if (this.#emitTimer || this.#subscribers.size === 0) return;
    this.#emitTimer = setTimeout(async () => {
      this.#emitTimer = undefined;
      const s = await this.status().catch(() => undefined);
      if (!s) return;
      for (const cb of this.#subscribers) {
        try {
          // A comlink callback returns a promise; one whose page is gone is dropped.
          void Promise.resolve(cb(s) as unknown).catch(() => this.#subscribers.delete(cb));
        } catch {
          this.#subscribers.delete(cb);
        }
      }
    }, 250);
  }

  #error(message: string): void {
    this.#errors.push({ at: Date.now(), message });
    if (this.#errors.length > MAX_ERRORS) this.#errors.splice(0, this.#errors.length - MAX_ERRORS);
    this.#emit();
  }

  /* ------------------------------------------------------------------------------------------ enrol */

  async enrol(serverUrl: string, code: string, label?: string): Promise<SyncStatus> {
    let server: string;
    try {
      server = new URL(serverUrl).origin;
    } catch {
      throw new BundleError(`"${serverUrl}" is not a server address. Enter the address IT gave you, like https://sync.bank.example.`);
    }
    if (!code.trim()) throw new BundleError('Enter the one-time enrolment code from IT.');
    const keyPair = await generateWrapKeyPair(false);
    const publicKey = (await exportWrapPublicKey(keyPair.publicKey)).public;
    const caps = this.#caps();
    let answer: { deviceId?: unknown; token?: unknown; branch?: unknown; root?: unknown };
    try {
      answer = (await requestJson(this.#fetch, `${server}/api/v1/enroll`, 'enrol this device', {
        body: { code: code.trim(), publicKey, label, appVersion: caps.appVersion, capabilities: { webgpu: caps.webgpu, memoryMB: caps.memoryMB } },
      })) as typeof answer;
    } catch (e) {
      this.#error((e as Error).message);
      throw e;
    }
    if (typeof answer.deviceId !== 'string' || typeof answer.token !== 'string') {
      throw new BundleError('The sync service answered the enrolment without a device id or token. Ask IT to check the service, then try again.');
    }
    // The root received at enrolment is pinned (on the bank's network, with IT's one-time code); it must at
    // least be a well-formed root that its own root keys sign.
    const root = parseRoot(answer.root);
    await verifyEnvelope(root, root.signed.keys, root.signed.roles.root, 'trusted root from the sync service');
    const device: DeviceRecord = {
      deviceId: answer.deviceId, token: answer.token, server, branch: typeof answer.branch === 'string' ? answer.branch : '',
      enrolledAt: Date.now(), keyPair, publicKey,
    };
    if (label) device.label = label;
    await this.registry.saveEnrolment(device, { root, freshnessVersion: 0 });
    this.#failures = 0;
    this.#emit();
    // A re-enrolment after a revocation starts the periodic checks again.
    if (this.#opts.autoCheck !== false) {
      this.#running = true;
      this.#schedule(1 + this.#random() * 4);
    }
    return this.status();
  }

  /* ------------------------------------------------------------------------------------------ checks */

  /** Checks for updates now and installs what the server lists; one check at a time. */
  check(): Promise<CheckResult> {
    this.#checking ??= this.#check().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const device = await this.registry.device();
    if (!device || device.revoked) return;
    const saved = await this.registry.meta<number>('nextCheckAt');
    // After a restart: the planned time if it is still ahead, else soon (spread out, so a fleet that
    // reboots together does not hit the server at once).
    const delay = saved && saved > Date.now() ? (saved - Date.now()) / 1000 : 5 + this.#random() * 25;
    this.#schedule(delay);
  }

  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextCheckAt = undefined;
  }

  #schedule(seconds: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (!this.#running) return;
    this.#nextCheckAt = Date.now() + Math.round(seconds * 1000);
    void this.registry.setMeta('nextCheckAt', this.#nextCheckAt).catch(() => undefined);
    this.#timer = setTimeout(() => void this.check(), Math.min(seconds * 1000, 2 ** 31 - 1));
    this.#emit();
  }

  #caps(): DeviceCapabilities {
    return { ...defaultCapabilities(), ...this.#opts.capabilities, appVersion: this.#opts.appVersion };
  }

  #deviceNow(): Date {
    return new Date(Date.now() + (this.#opts.clockOffsetMs ?? 0));
  }

  async #check(): Promise<CheckResult> {
    const result: CheckResult = { ok: false, installed: [], failed: [], reports: [] };
    const device = await this.registry.device();
    if (!device) {
      result.message = 'This device is not enrolled. Enter the enrolment code from IT (Models & Storage → Enrol).';
      return result;
    }
    if (device.revoked) {
      result.message = device.revoked.message;
      return result;
    }
    let checkAfterSeconds: number | undefined;
    let retryAfterSeconds: number | undefined;
    try {
      const answer = (await requestJson(this.#fetch, `${device.server}/api/v1/updates?appVersion=${encodeURIComponent(this.#opts.appVersion)}`, 'check for updates', { token: device.token })) as {
        freshness?: unknown; checkAfterSeconds?: unknown;
      };
      if (typeof answer.checkAfterSeconds === 'number') checkAfterSeconds = answer.checkAfterSeconds;
      // Read, check and save the trust state under the cross-tab lock: two tabs checking at once must not
      // save an older freshness version over a newer one.
      const accepted = await this.#serial(async () => {
        const trust = await this.registry.trust();
        if (!trust) throw new BundleError('This device has no trusted root. Enrol it again with a code from IT.');
        const ok = await this.#acceptFreshness(answer.freshness, trust, device);
        await this.registry.saveTrust(ok.state);
        return ok;
      });
      const root = accepted.state.root.signed;
      const wanted: Array<{ id: string; version: string }> = [];
      for (const entry of accepted.freshness.bundles) {
        try {
          const done = await this.#applyEntry(entry, device, root, result);
          if (done) result.installed.push({ id: entry.id, version: entry.version });
        } catch (e) {
          if (e instanceof SyncHttpError && e.code === 'device_revoked') throw e;
          wanted.push({ id: entry.id, version: entry.version });
          const message = (e as Error).message;
          result.failed.push({ id: entry.id, version: entry.version, message });
          this.#error(message);
          if (e instanceof SyncHttpError && e.retryAfterSeconds) retryAfterSeconds = e.retryAfterSeconds;
        }
      }
      await this.registry.setMeta('wanted', wanted);
      await this.gc().catch((e: unknown) => this.#error(`Cleaning up old versions failed: ${(e as Error).message}`));
      result.ok = result.failed.length === 0;
      if (!result.ok) result.message = `${result.failed.length} update(s) could not be installed; the versions you have keep working.`;
    } catch (e) {
      if (e instanceof SyncHttpError && e.status === 403 && e.code === 'device_revoked') {
        const message = e.message || 'This device was revoked by IT. It will receive no updates; the installed bundles keep working. Ask IT to re-enrol it.';
        await this.registry.saveDevice({ ...device, revoked: { at: Date.now(), message } });
        this.stop();
        result.message = message;
      } else if (e instanceof TrustError && e.code === 'expired') {
        result.message = EXPIRED_MESSAGE;
      } else {
        result.message = (e as Error).message;
        if (e instanceof SyncHttpError) retryAfterSeconds = e.retryAfterSeconds;
      }
      this.#error(result.message);
    }
    this.#failures = result.ok ? 0 : this.#failures + 1;
    this.#lastCheck = { at: Date.now(), ok: result.ok, ...(result.message ? { message: result.message } : {}) };
    await this.registry.setMeta('lastCheck', this.#lastCheck).catch(() => undefined);
    if (this.#running) this.#schedule(nextCheckDelaySeconds({ ok: result.ok, failures: this.#failures, checkAfterSeconds, retryAfterSeconds }, this.#random));
    this.#emit();
    return result;
  }

  /** Freshness under the pinned root; on a signature failure, one chained root update is tried first. */
  async #acceptFreshness(json: unknown, trust: TrustState, device: DeviceRecord) {
    try {
      return await acceptFreshness(json, trust, device.deviceId, this.#deviceNow());
    } catch (e) {
      if (!(e instanceof TrustError && e.code === 'signature')) throw e;
      const served = await requestJson(this.#fetch, `${device.server}/api/v1/root`, 'send its trusted root', { token: device.token });
      if ((served as { signed?: { version?: unknown } })?.signed?.version === trust.root.signed.version) throw e;
      const root = await acceptRootUpdate(trust.root, served, trustedNow(trust, this.#deviceNow()));
      const next = { ...trust, root };
      const accepted = await acceptFreshness(json, next, device.deviceId, this.#deviceNow());
      return accepted;
    }
  }

  /** Brings one listed bundle to the listed version; true when something changed. */
  async #applyEntry(entry: FreshnessEntry, device: DeviceRecord, root: RootMetadata, result: CheckResult): Promise<boolean> {
    const pointer = await this.registry.pointer(entry.id);
    if (pointer?.version === entry.version) return false;
    // Rolled back on this device: not re-installed until the server offers something else.
    if (pointer?.rolledBackFrom === entry.version) return false;
    const caps = this.#caps();
    const kept = await this.registry.version(entry.id, entry.version);
    if (kept) {
      await acceptManifest(kept.manifest, root, entry, pointer?.version, caps);
      await this.#serial(() => this.registry.switchTo(entry.id, entry.version, Date.now()));
      return true;
    }
    const base = `${device.server}/api/v1/bundles/${encodeURIComponent(entry.id)}/${encodeURIComponent(entry.version)}`;
    const auth = { token: device.token };
    this.#setDownload({ id: entry.id, version: entry.version, doneBytes: 0, totalBytes: 0, bytesPerSecond: 0, secondsLeft: null, phase: 'checking' });
    try {
      const json = await requestJson(this.#fetch, `${base}/manifest`, `send the manifest of "${entry.id}" ${entry.version}`, auth);
      const bundle = await acceptManifest(json, root, entry, pointer?.version, caps);
      const keyEnvelope = (await requestJson(this.#fetch, `${base}/key`, `send the content key of "${entry.id}" ${entry.version}`, auth)) as KeyEnvelope;
      if (keyEnvelope?.alg === 'none') {
        throw new BundleError(`The sync service sent the key of "${entry.id}" ${entry.version} unprotected; only the app's own embedded bundles may do that. It was rejected; tell IT.`);
      }
      const report = await this.#serial(() =>
        install(
          {
            signed: parseBundleMetadata(json), bundle, keyEnvelope, devicePrivateKey: device.keyPair.privateKey,
            blobUrl: (sha) => `${device.server}/api/v1/blobs/${sha}`, headers: { authorization: `Bearer ${device.token}` }, source: 'sync',
          },
          this.#installDeps(),
        ),
      );
      result.reports.push(report);
      return true;
    } finally {
      this.#downloads.delete(entry.id);
      this.#emit();
    }
  }

  #installDeps() {
    return {
      store: this.store,
      registry: this.registry,
      storage: this.#storage,
      fetch: this.#fetch,
      quotaCapBytes: this.#opts.quotaCapBytes,
      retry: this.#opts.retry,
      tagCheck: this.#opts.tagCheck,
      hasher: this.#opts.hasher,
      onProgress: (v: DownloadView) => this.#setDownload(v),
    };
  }

  #setDownload(v: DownloadView): void {
    this.#downloads.set(v.id, { ...v });
    this.#emit();
  }

  /**
   * One install, switch or clean-up at a time: in this worker by a queue, and across tabs (each with its own
   * sync worker) by a Web Lock, so two tabs never write the same blob.
   */
  #serial<T>(run: () => Promise<T>): Promise<T> {
    const locks = typeof navigator === 'undefined' ? undefined : (navigator as { locks?: LockManager }).locks;
    const locked = locks ? () => locks.request('va-bundles-install', () => run()) as Promise<T> : run;
    const next = this.#queue.then(locked, locked);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /* ------------------------------------------------------------------------------ embedded bundles */

  /**
   * Installs the app's embedded default bundles from `baseUrl` (index.json + blobs/<sha256>), verified with
   * the publisher key shipped in the same index (as trusted as the app's code, so same origin only).
   */
  async installEmbedded(baseUrl: string): Promise<EmbeddedResult> {
    const here = this.#opts.appOrigin ?? (typeof location === 'undefined' ? undefined : location.origin);
    const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`, here ?? undefined);
    if (here && base.origin !== here) {
      throw new BundleError(`Embedded bundles load only from the app's own origin (${here}), not ${base.origin}. Reinstall the app.`);
    }
    const res = await this.#fetch(`${base.href}index.json`, { cache: 'no-cache' }).catch((e: unknown) => {
      throw new BundleError(`Could not load the app's default models list (${(e as Error).message}). Reload the app when the network is back.`);
    });
    if (!res.ok) throw new BundleError(`The app's default models list is missing (HTTP ${res.status} for ${base.href}index.json). Reinstall the app.`);
    const index = (await res.json()) as EmbeddedIndex;
    if (!index || typeof index !== 'object' || !Array.isArray(index.bundles) || index.publisher?.keytype !== 'ed25519') {
      throw new BundleError("The app's default models list is malformed. Reinstall the app.");
    }
    const keyid = await keyIdOf(index.publisher);
    const out: EmbeddedResult = { installed: [], skipped: [], failed: [] };
    for (const b of index.bundles) {
      let id = '?';
      try {
        const signed = parseBundleMetadata(b.manifest);
        const m = signed.signed;
        id = m.id;
        await verifyEnvelope(signed, { [keyid]: index.publisher }, { keyids: [keyid], threshold: 1 }, `embedded bundle "${m.id}" ${m.version}`);
        const pointer = await this.registry.pointer(m.id);
        if (await this.registry.version(m.id, m.version)) {
          if (!pointer) await this.#serial(() => this.registry.switchTo(m.id, m.version, Date.now()));
          out.skipped.push(m.id);
          continue;
        }
        if (pointer && compareVersions(m.version, pointer.version) <= 0) {
          out.skipped.push(m.id);
          continue;
        }
        await this.#serial(() =>
          install({ signed, bundle: m, keyEnvelope: b.keyEnvelope, blobUrl: (sha) => `${base.href}blobs/${sha}`, source: 'embedded' }, this.#installDeps()),
        ).finally(() => {
          this.#downloads.delete(m.id);
          this.#emit();
        });
        out.installed.push(m.id);
      } catch (e) {
        const message = `The default bundle "${id}" could not be installed: ${(e as Error).message}`;
        out.failed.push({ id, message });
        this.#error(message);
      }
    }
    return out;
  }

  /* ------------------------------------------------------------------------------ using and managing */

  /** For each kind, the active sync-installed bundle of that kind (the latest activated), else the embedded one. */
  async activeSources(): Promise<Partial<Record<BundleKind, BundleRef>>> {
    const versions = new Map((await this.registry.versions()).map((v) => [`${v.id}\n${v.version}`, v]));
    const best = new Map<BundleKind, { v: InstalledVersion; since: number }>();
    for (const p of await this.registry.pointers()) {
      const v = versions.get(`${p.id}\n${p.version}`);
      if (!v) continue;
      const cur = best.get(v.kind);
      const better = !cur || (v.source === 'sync' && cur.v.source === 'embedded') || (v.source === cur.v.source && p.since > cur.since);
      if (better) best.set(v.kind, { v, since: p.since });
    }
    const out: Partial<Record<BundleKind, BundleRef>> = {};
    for (const kind of BUNDLE_KINDS) {
      const b = best.get(kind);
      if (b) out[kind] = { store: { id: b.v.id, version: b.v.version } };
    }
    return out;
  }

  async rollback(id: string): Promise<SyncStatus> {
    await this.#serial(() => this.registry.rollback(id, Date.now()));
    this.#emit();
    return this.status();
  }

  /** Deletes versions that are neither active nor previous, their blobs, and partial downloads nobody wants. */
  gc(): Promise<GcResult> {
    return this.#serial(async () => {
      const versions = await this.registry.versions();
      const plan = planGc({
        versions: versions.map((v) => ({ id: v.id, version: v.version, blobs: blobsOf(v) })),
        pointers: await this.registry.pointers(),
        storedBlobs: await this.store.listBlobs(),
        partials: await this.registry.downloads(),
        wanted: (await this.registry.meta<Array<{ id: string; version: string }>>('wanted')) ?? [],
      });
      let freedBytes = 0;
      for (const v of plan.deleteVersions) await this.registry.deleteVersion(v.id, v.version);
      for (const blob of plan.deleteBlobs) {
        freedBytes += await this.store.storedLength(blob).catch(() => 0);
        await this.store.deleteBlob(blob);
      }
      for (const blob of plan.deletePartials) await this.registry.deleteDownload(blob);
      if (plan.deleteVersions.length || plan.deleteBlobs.length) this.#emit();
      return { deletedVersions: plan.deleteVersions, deletedBlobs: plan.deleteBlobs.length, freedBytes };
    });
  }
}
