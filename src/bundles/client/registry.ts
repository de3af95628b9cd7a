/**
 * What the device knows about bundles, in IndexedDB (`va-bundles`): its enrolment (with a non-extractable
 * ECDH private key), the pinned trust state, installed versions (signed manifest + non-extractable content
 * key), which version of each bundle is active (and the previous one), and partial downloads. Switching the
 * active version is one IndexedDB transaction, so a crash leaves either the old or the new version active.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { BundleKind, BundleMetadata } from '../metadata.ts';
import type { Signed } from '../signing.ts';
import { BundleError } from '../source.ts';
import type { TrustState } from '../trust.ts';
import type { StoreBackend } from './chunk-store.ts';
import { activatePointer, rollbackPointer, type ActivePointer } from './policy.ts';

export const REGISTRY_DB_NAME = 'va-bundles';

export interface DeviceRecord {
  deviceId: string;
  token: string;
  /** Origin of the sync service, e.g. "https://sync.bank.example". */
  server: string;
  branch: string;
  label?: string;
  enrolledAt: number;
  /** ECDH P-256; the private key is non-extractable. */
  keyPair: CryptoKeyPair;
  /** The raw public key (b64u) the server wraps content keys to. */
  publicKey: string;
  revoked?: { at: number; message: string };
}

export interface InstalledVersion {
  id: string;
  version: string;
  kind: BundleKind;
  manifest: Signed<BundleMetadata>;
  /** AES-GCM, non-extractable: decrypts the chunks, cannot be read out. */
  contentKey: CryptoKey;
  source: 'embedded' | 'sync';
  installedAt: number;
  /** Encrypted bytes stored for this version. */
  sizeBytes: number;
  backend: StoreBackend;
}

export interface DownloadRecord {
  blob: string;
  id: string;
  version: string;
  path: string;
  verifiedChunks: number;
  updatedAt: number;
}

export interface Registry {
  device(): Promise<DeviceRecord | undefined>;
  /** A new enrolment replaces the device and its trust state together. */
  saveEnrolment(device: DeviceRecord, trust: TrustState): Promise<void>;
  saveDevice(device: DeviceRecord): Promise<void>;
  trust(): Promise<TrustState | undefined>;
  saveTrust(trust: TrustState): Promise<void>;
  versions(): Promise<InstalledVersion[]>;
  version(id: string, version: string): Promise<InstalledVersion | undefined>;
  pointers(): Promise<ActivePointer[]>;
  pointer(id: string): Promise<ActivePointer | undefined>;
  /** Records a verified, fully stored version and makes it active, atomically. */
  activate(v: InstalledVersion, now: number): Promise<ActivePointer>;
  /** Makes an already installed version active (a server-ordered downgrade to the kept previous one). */
  switchTo(id: string, version: string, now: number): Promise<ActivePointer>;
  /** Swaps active and previous, atomically. */
  rollback(id: string, now: number): Promise<ActivePointer>;
  deleteVersion(id: string, version: string): Promise<void>;
  downloads(): Promise<DownloadRecord[]>;
  download(blob: string): Promise<DownloadRecord | undefined>;
  saveDownload(r: DownloadRecord): Promise<void>;
  deleteDownload(blob: string): Promise<void>;
  meta<T>(key: string): Promise<T | undefined>;
  setMeta(key: string, value: unknown): Promise<void>;
}

export const blobsOf = (v: { manifest: Signed<BundleMetadata> }): string[] => v.manifest.signed.files.map((f) => f.blob);

function notInstalled(id: string, version: string): BundleError {
  return new BundleError(`Bundle "${id}" ${version} is not installed on this device. Check for updates to install it.`);
}

interface RegistryDB extends DBSchema {
  device: { key: string; value: DeviceRecord };
  trust: { key: string; value: TrustState };
  versions: { key: [string, string]; value: InstalledVersion };
  active: { key: string; value: ActivePointer };
  downloads: { key: string; value: DownloadRecord };
  meta: { key: string; value: unknown };
}

const SELF = 'self';

export class IdbRegistry implements Registry {
  private constructor(private readonly db: IDBPDatabase<RegistryDB>) {}

  static async open(name = REGISTRY_DB_NAME): Promise<IdbRegistry> {
    const db = await openDB<RegistryDB>(name, 1, {
      upgrade(db) {
        db.createObjectStore('device');
        db.createObjectStore('trust');
        db.createObjectStore('versions', { keyPath: ['id', 'version'] });
        db.createObjectStore('active', { keyPath: 'id' });
        db.createObjectStore('downloads', { keyPath: 'blob' });
        db.createObjectStore('meta');
      },
      // Another context (the service worker, an engine worker) wants a newer schema: let it.
      blocking() {
        db.close();
      },
    });
    return new IdbRegistry(db);
  }

  close(): void {
    this.db.close();
  }

  device() {
    return this.db.get('device', SELF);
  }
  async saveEnrolment(device: DeviceRecord, trust: TrustState): Promise<void> {
    const tx = this.db.transaction(['device', 'trust'], 'readwrite');
    await Promise.all([tx.objectStore('device').put(device, SELF), tx.objectStore('trust').put(trust, SELF), tx.done]);
  }
  async saveDevice(device: DeviceRecord): Promise<void> {
    await this.db.put('device', device, SELF);
  }
  trust() {
    return this.db.get('trust', SELF);
  }
  async saveTrust(trust: TrustState): Promise<void> {
    await this.db.put('trust', trust, SELF);
  }
  versions() {
    return this.db.getAll('versions');
  }
  version(id: string, version: string) {
    return this.db.get('versions', [id, version]);
  }
  pointers() {
    return this.db.getAll('active');
  }
  pointer(id: string) {
    return this.db.get('active', id);
  }

  async activate(v: InstalledVersion, now: number): Promise<ActivePointer> {
    const tx = this.db.transaction(['versions', 'active', 'downloads'], 'readwrite');
    const active = tx.objectStore('active');
    const next = activatePointer(await active.get(v.id), v.id, v.kind, v.version, now);
    await tx.objectStore('versions').put(v);
    await active.put(next);
    for (const blob of blobsOf(v)) await tx.objectStore('downloads').delete(blob);
    await tx.done;
    return next;
  }

  async switchTo(id: string, version: string, now: number): Promise<ActivePointer> {
    const tx = this.db.transaction(['versions', 'active'], 'readwrite');
    const v = await tx.objectStore('versions').get([id, version]);
    if (!v) {
      tx.abort();
      await tx.done.catch(() => undefined);
      throw notInstalled(id, version);
    }
    const next = activatePointer(await tx.objectStore('active').get(id), id, v.kind, version, now);
    await tx.objectStore('active').put(next);
    await tx.done;
    return next;
  }

  async rollback(id: string, now: number): Promise<ActivePointer> {
    const tx = this.db.transaction(['versions', 'active'], 'readwrite');
    let next: ActivePointer;
    try {
      next = rollbackPointer(await tx.objectStore('active').get(id), id, now);
      if (!(await tx.objectStore('versions').get([id, next.version]))) throw notInstalled(id, next.version);
    } catch (e) {
      tx.abort();
      await tx.done.catch(() => undefined);
      throw e;
    }
    await tx.objectStore('active').put(next);
    await tx.done;
    return next;
  }

  async deleteVersion(id: string, version: string): Promise<void> {
    await this.db.delete('versions', [id, version]);
  }
  downloads() {
    return this.db.getAll('downloads');
  }
  download(blob: string) {
    return this.db.get('downloads', blob);
  }
  async saveDownload(r: DownloadRecord): Promise<void> {
    await this.db.put('downloads', r);
  }
  async deleteDownload(blob: string): Promise<void> {
    await this.db.delete('downloads', blob);
  }
  async meta<T>(key: string): Promise<T | undefined> {
    return (await this.db.get('meta', key)) as T | undefined;
  }
  async setMeta(key: string, value: unknown): Promise<void> {
    await this.db.put('meta', value, key);
  }
}

/** The same contract in memory: Node tests and tools (nothing persists). */
export class MemoryRegistry implements Registry {
  #device: DeviceRecord | undefined;
  #trust: TrustState | undefined;
  readonly #versions = new Map<string, InstalledVersion>();
  readonly #active = new Map<string, ActivePointer>();
  readonly #downloads = new Map<string, DownloadRecord>();
  readonly #meta = new Map<string, unknown>();
  #k = (id: string, version: string) => `${id}\n${version}`;

  async device() {
    return this.#device;
  }
  async saveEnrolment(device: DeviceRecord, trust: TrustState) {
    this.#device = device;
    this.#trust = trust;
  }
  async saveDevice(device: DeviceRecord) {
    this.#device = device;
  }
  async trust() {
    return this.#trust;
  }
  async saveTrust(trust: TrustState) {
    this.#trust = trust;
  }
  async versions() {
    return [...this.#versions.values()];
  }
  async version(id: string, version: string) {
    return this.#versions.get(this.#k(id, version));
  }
  async pointers() {
    return [...this.#active.values()];
  }
  async pointer(id: string) {
    return this.#active.get(id);
  }
  async activate(v: InstalledVersion, now: number) {
    const next = activatePointer(this.#active.get(v.id), v.id, v.kind, v.version, now);
    this.#versions.set(this.#k(v.id, v.version), v);
    this.#active.set(v.id, next);
    for (const b of blobsOf(v)) this.#downloads.delete(b);
    return next;
  }
  async switchTo(id: string, version: string, now: number) {
    const v = this.#versions.get(this.#k(id, version));
    if (!v) throw notInstalled(id, version);
    const next = activatePointer(this.#active.get(id), id, v.kind, version, now);
    this.#active.set(id, next);
    return next;
  }
  async rollback(id: string, now: number) {
    const next = rollbackPointer(this.#active.get(id), id, now);
    if (!this.#versions.has(this.#k(id, next.version))) throw notInstalled(id, next.version);
    this.#active.set(id, next);
    return next;
  }
  async deleteVersion(id: string, version: string) {
    this.#versions.delete(this.#k(id, version));
  }
  async downloads() {
    return [...this.#downloads.values()];
  }
  async download(blob: string) {
    return this.#downloads.get(blob);
  }
  async saveDownload(r: DownloadRecord) {
    this.#downloads.set(r.blob, { ...r });
  }
  async deleteDownload(blob: string) {
    this.#downloads.delete(blob);
  }
  async meta<T>(key: string) {
    return this.#meta.get(key) as T | undefined;
  }
  async setMeta(key: string, value: unknown) {
    this.#meta.set(key, value);
  }
}
