/**
 * Bundles installed in the device's verified store, as a BundleSource: bytes are read encrypted from the
 * chunk store and decrypted chunk by chunk with the version's non-extractable content key; every chunk is
 * verified again as it is read (its signed SHA-256, then the GCM tag), so bytes altered at rest are never
 * used. `stream()` holds a chunk or two at a time, for multi-gigabyte files and the service worker.
 */
import { encryptedChunkRange, openChunk } from './chunks.ts';
import { IdbChunkStore, OpfsChunkStore, type ChunkStore, type StoreBackend } from './client/chunk-store.ts';
import { IdbRegistry, type InstalledVersion, type Registry } from './client/registry.ts';
import type { BundleRef } from './client/status.ts';
import type { BundleMetadata, ManifestFile } from './metadata.ts';
import { BundleError, FetchSource, type BundleSource } from './source.ts';

export class StoreSource implements BundleSource {
  constructor(
    readonly manifest: BundleMetadata,
    private readonly key: CryptoKey,
    private readonly store: ChunkStore,
  ) {}

  static fromInstalled(v: InstalledVersion, store: ChunkStore): StoreSource {
    return new StoreSource(v.manifest.signed, v.contentKey, store);
  }

  file(path: string): ManifestFile {
    const f = this.manifest.files.find((x) => x.path === path);
    if (!f) throw new BundleError(`Bundle "${this.manifest.id}" has no file "${path}". Install a bundle that provides it.`);
    return f;
  }

  /** Plain chunk `index` of a file, verified. */
  async chunk(file: ManifestFile, index: number): Promise<Uint8Array> {
    const { start, end } = encryptedChunkRange(file, this.manifest.chunkSize, index);
    let enc: Uint8Array;
    try {
      enc = await this.store.readRange(file.blob, start, end);
    } catch (e) {
      throw new BundleError(
        `Could not read "${file.path}" of bundle "${this.manifest.id}" ${this.manifest.version} from this device's storage (${(e as Error).message}). ` +
          'The browser may have cleared it; check for updates to install it again.',
      );
    }
    return openChunk(this.key, enc, this.manifest, file, index);
  }

  /** The whole plain file (engines such as onnxruntime need it in one piece). */
  async read(path: string): Promise<Uint8Array> {
    const file = this.file(path);
    const out = new Uint8Array(file.size);
    const cs = this.manifest.chunkSize;
    for (let i = 0; i < file.chunks.length; i++) out.set(await this.chunk(file, i), i * cs);
    return out;
  }

  readRole(role: string): Promise<Uint8Array> {
    const path = this.manifest.roles[role];
    if (!path) {
      return Promise.reject(new BundleError(`Bundle "${this.manifest.id}" has no "${role}" model. Install a bundle that provides one.`));
    }
    return this.read(path);
  }

  /**
   * The plain bytes [start, end) of a file (the whole file by default) as a stream that decrypts one chunk
   * per pull: memory stays at a chunk or two whatever the file's size.
   */
  stream(path: string, range: { start?: number; end?: number } = {}): ReadableStream<Uint8Array> {
    const file = this.file(path);
    const cs = this.manifest.chunkSize;
    const start = Math.max(0, range.start ?? 0);
    const end = Math.min(file.size, range.end ?? file.size);
    let index = Math.floor(start / cs);
    const last = end > start ? Math.floor((end - 1) / cs) : index - 1;
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          if (index > last) {
            controller.close();
            return;
          }
          const plain = await this.chunk(file, index);
          const from = Math.max(0, start - index * cs);
          const to = Math.min(plain.byteLength, end - index * cs);
          index += 1;
          controller.enqueue(from === 0 && to === plain.byteLength ? plain : plain.subarray(from, to));
          if (index > last) controller.close();
        },
      },
      { highWaterMark: 1 },
    );
  }
}

let registryPromise: Promise<Registry> | undefined;
const stores = new Map<StoreBackend, Promise<ChunkStore>>();

function storeFor(backend: StoreBackend): Promise<ChunkStore> {
  let s = stores.get(backend);
  if (!s) {
    s = backend === 'opfs' ? OpfsChunkStore.open() : IdbChunkStore.open();
    stores.set(backend, s);
    s.catch(() => stores.delete(backend));
  }
  return s;
}

/**
 * Opens the bundle an engine was given: an installed version from the verified store, or plain files over
 * HTTP for `{ url }`. Works in any worker, the service worker and the page.
 */
export async function openBundleSource(ref: BundleRef, opts: { registry?: Registry; store?: ChunkStore } = {}): Promise<BundleSource> {
  if ('url' in ref) return FetchSource.open(ref.url);
  const { id, version } = ref.store;
  if (!opts.registry && !registryPromise) {
    registryPromise = IdbRegistry.open();
    registryPromise.catch(() => (registryPromise = undefined));
  }
  const registry = opts.registry ?? (await registryPromise!);
  const v = await registry.version(id, version);
  if (!v) {
    throw new BundleError(`Bundle "${id}" ${version} is not installed on this device. Open Models & Storage and check for updates, or reload the app.`);
  }
  return StoreSource.fromInstalled(v, opts.store ?? (await storeFor(v.backend)));
}
