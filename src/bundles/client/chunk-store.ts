/**
 * Where installed bundles' bytes live on the device: each blob (one encrypted file, named by its SHA-256) is
 * kept exactly as downloaded — ciphertext — so the data at rest is useless without the content key, which
 * is a non-extractable CryptoKey in IndexedDB. OPFS first (fast, sync access handles in the sync worker);
 * IndexedDB when OPFS is missing or fails. Only verified chunks are ever written, in order.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { BundleError } from '../source.ts';

export type StoreBackend = 'opfs' | 'indexeddb';

export interface ChunkStore {
  readonly backend: StoreBackend;
  /** Writes one verified encrypted chunk at `offset` in the blob (chunks arrive in order). */
  writeChunk(blob: string, index: number, offset: number, bytes: Uint8Array): Promise<void>;
  /** Makes what was written durable; called before progress is recorded, so progress never runs ahead. */
  flush(blob: string): Promise<void>;
  /** Bytes [start, end) of a blob; throws if the blob is shorter. */
  readRange(blob: string, start: number, end: number): Promise<Uint8Array>;
  /** How many bytes of the blob are stored (0 when absent). */
  storedLength(blob: string): Promise<number>;
  /** Cuts the blob to `length` bytes (a chunk boundary), e.g. a torn last chunk before resuming. */
  truncate(blob: string, length: number): Promise<void>;
  /** Releases what was held open for writing the blob. */
  close(blob: string): Promise<void>;
  deleteBlob(blob: string): Promise<void>;
  listBlobs(): Promise<string[]>;
}

const BLOB_NAME = /^[0-9a-f]{64}$/;

function checkBlobName(blob: string): void {
  // Names come from signed manifests, but a path-like name must never reach the file system.
  if (!BLOB_NAME.test(blob)) throw new BundleError(`"${blob.slice(0, 80)}" is not a blob name (64 hex digits). The manifest is malformed; re-publish the bundle.`);
}

function errorName(e: unknown): string {
  return typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : '';
}

export function isQuotaError(e: unknown): boolean {
  const name = errorName(e);
  const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22;
}

/* ------------------------------------------------------------------------------------------------ OPFS */

interface Writer {
  write(bytes: Uint8Array, at: number): Promise<void>;
  size(): Promise<number>;
  truncate(length: number): Promise<void>;
  flush(): Promise<void>;
  read(start: number, end: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A sync access handle: only in dedicated workers, and the fastest way to write OPFS. */
function syncWriter(h: FileSystemSyncAccessHandle): Writer {
  return {
    async write(bytes, at) {
      let done = 0;
      while (done < bytes.byteLength) done += h.write(bytes.subarray(done) as Uint8Array<ArrayBuffer>, { at: at + done });
    },
    async size() {
      return h.getSize();
    },
    async truncate(length) {
      h.truncate(length);
    },
    async flush() {
      h.flush();
    },
    async read(start, end) {
      const out = new Uint8Array(end - start);
      let done = 0;
      while (done < out.byteLength) {
        const n = h.read(out.subarray(done), { at: start + done });
        if (n <= 0) break;
        done += n;
      }
      if (done !== out.byteLength) throw new Error(`short read (${done} of ${out.byteLength} bytes)`);
      return out;
    },
    async close() {
      h.close();
    },
  };
}

/** Writable streams (main thread, service worker): slower, changes land on close(). */
async function streamWriter(file: FileSystemFileHandle): Promise<Writer> {
  let w: FileSystemWritableFileStream | undefined;
  const open = async () => (w ??= await file.createWritable({ keepExistingData: true }));
  const commit = async () => {
    const open = w;
    w = undefined;
    await open?.close();
  };
  return {
    async write(bytes, at) {
      await (await open()).write({ type: 'write', position: at, data: bytes as Uint8Array<ArrayBuffer> });
    },
    async size() {
      await commit();
      return (await file.getFile()).size;
    },
    async truncate(length) {
      await (await open()).truncate(length);
      await commit();
    },
    flush: commit,
    async read(start, end) {
      await commit();
      return new Uint8Array(await (await file.getFile()).slice(start, end).arrayBuffer());
    },
    close: commit,
  };
}

export class OpfsChunkStore implements ChunkStore {
  readonly backend = 'opfs' as const;
  readonly #writers = new Map<string, Promise<Writer>>();

  private constructor(private readonly dir: FileSystemDirectoryHandle) {}

  /** Opens `bundles/` in the origin private file system; throws when OPFS is not available here. */
  static async open(opts: { probeWrite?: boolean } = {}): Promise<OpfsChunkStore> {
    if (typeof navigator === 'undefined' || typeof navigator.storage?.getDirectory !== 'function') {
      throw new Error('OPFS is not available in this browser');
    }
    const root = await navigator.storage.getDirectory();
    const store = new OpfsChunkStore(await root.getDirectoryHandle('bundles', { create: true }));
    if (opts.probeWrite) await store.#probe();
    return store;
  }

  /** Some browsers expose OPFS but fail on write (private windows): find out before downloading into it. */
  async #probe(): Promise<void> {
    const name = '0'.repeat(64);
    await this.writeChunk(name, 0, 0, new Uint8Array([1]));
    await this.flush(name);
    await this.deleteBlob(name);
  }

  #fileName(blob: string): string {
    checkBlobName(blob);
    return `${blob}.enc`;
  }

  #writer(blob: string): Promise<Writer> {
    let w = this.#writers.get(blob);
    if (!w) {
      w = (async () => {
        const file = await this.dir.getFileHandle(this.#fileName(blob), { create: true });
        const canSync = typeof (file as { createSyncAccessHandle?: unknown }).createSyncAccessHandle === 'function';
        if (canSync) {
          try {
            return syncWriter(await file.createSyncAccessHandle());
          } catch {
            // Not a dedicated worker (or the file is locked elsewhere): the slower path still works.
          }
        }
        return streamWriter(file);
      })();
      this.#writers.set(blob, w);
      w.catch(() => this.#writers.delete(blob));
    }
    return w;
  }

  async #fileIfExists(blob: string): Promise<File | undefined> {
    try {
      return await (await this.dir.getFileHandle(this.#fileName(blob))).getFile();
    } catch (e) {
      if (errorName(e) === 'NotFoundError') return undefined;
      throw e;
    }
  }

  async writeChunk(blob: string, _index: number, offset: number, bytes: Uint8Array): Promise<void> {
    await (await this.#writer(blob)).write(bytes, offset);
  }

  async flush(blob: string): Promise<void> {
    await (await this.#writers.get(blob))?.flush();
  }

  async readRange(blob: string, start: number, end: number): Promise<Uint8Array> {
    const open = this.#writers.get(blob);
    if (open) return (await open).read(start, end);
    const file = await this.#fileIfExists(blob);
    if (!file || file.size < end) {
      throw new BundleError(`Stored blob ${blob.slice(0, 12)}… is missing or shorter than expected. Reinstall the bundle (Models & Storage → Check for updates).`);
    }
    return new Uint8Array(await file.slice(start, end).arrayBuffer());
  }

  async storedLength(blob: string): Promise<number> {
    const open = this.#writers.get(blob);
    if (open) return (await open).size();
    return (await this.#fileIfExists(blob))?.size ?? 0;
  }

  async truncate(blob: string, length: number): Promise<void> {
    if ((await this.storedLength(blob)) <= length) return;
    await (await this.#writer(blob)).truncate(length);
  }

  async close(blob: string): Promise<void> {
    const open = this.#writers.get(blob);
    this.#writers.delete(blob);
    await (await open)?.close();
  }

  async deleteBlob(blob: string): Promise<void> {
    await this.close(blob).catch(() => undefined);
    try {
      await this.dir.removeEntry(this.#fileName(blob));
    } catch (e) {
      if (errorName(e) !== 'NotFoundError') throw e;
    }
  }

  async listBlobs(): Promise<string[]> {
    const out: string[] = [];
    // keys() is an async iterator in every browser with OPFS; the DOM typings here lack it.
    const dir = this.dir as unknown as { keys(): AsyncIterable<string> };
    for await (const name of dir.keys()) {
      const m = /^([0-9a-f]{64})\.enc$/.exec(name);
      if (m?.[1]) out.push(m[1]);
    }
    return out;
  }
}

/* ------------------------------------------------------------------------------------------- IndexedDB */

export const CHUNK_DB_NAME = 'va-bundle-chunks';

interface ChunkRecord {
  blob: string;
  index: number;
  offset: number;
  bytes: Uint8Array;
}

interface ChunkDB extends DBSchema {
  chunks: { key: [string, number]; value: ChunkRecord; indexes: { 'by-offset': [string, number] } };
}

export class IdbChunkStore implements ChunkStore {
  readonly backend = 'indexeddb' as const;

  private constructor(private readonly db: IDBPDatabase<ChunkDB>) {}

  static async open(name = CHUNK_DB_NAME): Promise<IdbChunkStore> {
    const db = await openDB<ChunkDB>(name, 1, {
      upgrade(db) {
        const chunks = db.createObjectStore('chunks', { keyPath: ['blob', 'index'] });
        chunks.createIndex('by-offset', ['blob', 'offset']);
      },
      blocking() {
        db.close();
      },
    });
    return new IdbChunkStore(db);
  }

  /** All keys [blob, n] lie between [blob] and [blob, []] (arrays sort after numbers). */
  #allOf(blob: string): IDBKeyRange {
    return IDBKeyRange.bound([blob], [blob, []]);
  }

  async writeChunk(blob: string, index: number, offset: number, bytes: Uint8Array): Promise<void> {
    checkBlobName(blob);
    // A copy that owns exactly its bytes: a view into a larger buffer would store the whole buffer.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    await this.db.put('chunks', { blob, index, offset, bytes: own });
  }

  async flush(): Promise<void> {
    // Each put is its own committed transaction.
  }

  async readRange(blob: string, start: number, end: number): Promise<Uint8Array> {
    const out = new Uint8Array(end - start);
    if (end <= start) return out;
    const tx = this.db.transaction('chunks');
    const byOffset = tx.store.index('by-offset');
    const first = await byOffset.openCursor(IDBKeyRange.bound([blob, 0], [blob, start]), 'prev');
    let filled = 0;
    if (first) {
      let cursor: typeof first | null = await byOffset.openCursor(IDBKeyRange.bound([blob, first.value.offset], [blob, end], false, true));
      while (cursor) {
        const { offset, bytes } = cursor.value;
        const from = Math.max(start, offset);
        const to = Math.min(end, offset + bytes.byteLength);
        if (from !== start + filled) break; // a gap: the blob is incomplete
        out.set(bytes.subarray(from - offset, to - offset), filled);
        filled += to - from;
        cursor = filled < out.byteLength ? await cursor.continue() : null;
      }
    }
    await tx.done;
    if (filled !== out.byteLength) {
      throw new BundleError(`Stored blob ${blob.slice(0, 12)}… is missing or shorter than expected. Reinstall the bundle (Models & Storage → Check for updates).`);
    }
    return out;
  }

  async storedLength(blob: string): Promise<number> {
    const last = await this.db.transaction('chunks').store.index('by-offset').openCursor(IDBKeyRange.bound([blob, 0], [blob, Infinity]), 'prev');
    return last ? last.value.offset + last.value.bytes.byteLength : 0;
  }

  async truncate(blob: string, length: number): Promise<void> {
    const tx = this.db.transaction('chunks', 'readwrite');
    let cursor = await tx.store.index('by-offset').openCursor(IDBKeyRange.bound([blob, 0], [blob, Infinity]), 'prev');
    while (cursor) {
      const { offset, bytes } = cursor.value;
      if (offset + bytes.byteLength <= length) break;
      if (offset >= length) await cursor.delete();
      else await cursor.update({ ...cursor.value, bytes: bytes.slice(0, length - offset) });
      cursor = await cursor.continue();
    }
    await tx.done;
  }

  async close(): Promise<void> {}

  async deleteBlob(blob: string): Promise<void> {
    await this.db.delete('chunks', this.#allOf(blob));
  }

  async listBlobs(): Promise<string[]> {
    const out: string[] = [];
    let cursor = await this.db.transaction('chunks').store.openKeyCursor();
    while (cursor) {
      const blob = cursor.key[0];
      out.push(blob);
      cursor = await cursor.continue([blob, []] as unknown as [string, number]);
    }
    return out;
  }
}

/* -------------------------------------------------------------------------------------- memory, tests */

/** Keeps blobs in memory: Node tools and tests (same contract, nothing persists). */
export class MemoryChunkStore implements ChunkStore {
  readonly backend = 'indexeddb' as const;
  readonly blobs = new Map<string, Uint8Array[]>();

  async writeChunk(blob: string, index: number, offset: number, bytes: Uint8Array): Promise<void> {
    checkBlobName(blob);
    const chunks = this.blobs.get(blob) ?? [];
    if (offset !== (await this.storedLength(blob)) || index !== chunks.length) {
      throw new Error(`chunk ${index} of ${blob.slice(0, 12)} written out of order at ${offset}`);
    }
    chunks.push(bytes.slice());
    this.blobs.set(blob, chunks);
  }
  async flush(): Promise<void> {}
  async readRange(blob: string, start: number, end: number): Promise<Uint8Array> {
    const all = this.#joined(blob);
    if (all.byteLength < end) throw new BundleError(`Stored blob ${blob.slice(0, 12)}… is shorter than expected.`);
    return all.slice(start, end);
  }
  async storedLength(blob: string): Promise<number> {
    return (this.blobs.get(blob) ?? []).reduce((s, c) => s + c.byteLength, 0);
  }
  async truncate(blob: string, length: number): Promise<void> {
    const kept: Uint8Array[] = [];
    let at = 0;
    for (const c of this.blobs.get(blob) ?? []) {
      if (at >= length) break;
      kept.push(c.subarray(0, Math.min(c.byteLength, length - at)));
      at += c.byteLength;
    }
    this.blobs.set(blob, kept);
  }
  async close(): Promise<void> {}
  async deleteBlob(blob: string): Promise<void> {
    this.blobs.delete(blob);
  }
  async listBlobs(): Promise<string[]> {
    return [...this.blobs.keys()].filter((b) => (this.blobs.get(b)?.length ?? 0) > 0);
  }
  #joined(blob: string): Uint8Array {
    const chunks = this.blobs.get(blob) ?? [];
    const out = new Uint8Array(chunks.reduce((s, c) => s + c.byteLength, 0));
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}

/**
 * Throws QuotaExceededError once more than `limitBytes` would have been written through it: tests use it
 * to run out of space in the middle of an install without filling a real disk.
 */
export function withWriteLimit(inner: ChunkStore, limitBytes: number): ChunkStore {
  let written = 0;
  return {
    backend: inner.backend,
    async writeChunk(blob, index, offset, bytes) {
      if (written + bytes.byteLength > limitBytes) {
        throw new DOMException(`write limit of ${limitBytes} bytes reached`, 'QuotaExceededError');
      }
      written += bytes.byteLength;
      await inner.writeChunk(blob, index, offset, bytes);
    },
    flush: (b) => inner.flush(b),
    readRange: (b, s, e) => inner.readRange(b, s, e),
    storedLength: (b) => inner.storedLength(b),
    truncate: (b, l) => inner.truncate(b, l),
    close: (b) => inner.close(b),
    deleteBlob: (b) => inner.deleteBlob(b),
    listBlobs: () => inner.listBlobs(),
  };
}

/** The store for this device: OPFS unless asked for IndexedDB or OPFS is missing or broken here. */
export async function openChunkStore(backend?: StoreBackend): Promise<ChunkStore> {
  if (backend !== 'indexeddb') {
    try {
      return await OpfsChunkStore.open({ probeWrite: true });
    } catch (e) {
      if (backend === 'opfs') throw e;
    }
  }
  return IdbChunkStore.open();
}
