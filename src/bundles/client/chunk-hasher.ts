/**
 * SHA-256 of downloaded chunks. In a browser WebCrypto hashes on the calling thread, so the sync worker hands
 * chunks to a second worker (transferring, not copying, the bytes) and keeps reading the network meanwhile:
 * on a 2-core device this is what lets an install run near the speed of a plain download.
 */
import { hex, sha256 } from '../encoding.ts';

/**
 * The hashing worker failed (did not load, died, or replied with an error): a fault of this device, not of
 * the data, so the download retries (hashing on this thread from then on) instead of reporting tampering.
 */
export class HasherError extends Error {
  override name = 'HasherError';
}

export interface ChunkHasher {
  /** The chunk's hex SHA-256, and the bytes back (they may have travelled to another thread). */
  sha256(bytes: Uint8Array): Promise<{ hex: string; bytes: Uint8Array }>;
  close(): void;
}

export const inThreadHasher: ChunkHasher = {
  async sha256(bytes) {
    return { hex: hex(await sha256(bytes)), bytes };
  },
  close() {},
};

export interface HashRequest {
  id: number;
  buf: ArrayBuffer;
}
export type HashReply = { id: number; hex: string; buf: ArrayBuffer } | { id: number; error: string; buf?: ArrayBuffer };

/** The part of a Worker the hasher uses (a test can pass a fake). */
export type HashWorker = Pick<Worker, 'postMessage' | 'terminate' | 'onmessage' | 'onerror'>;

/**
 * Hashes in a worker. If the worker cannot start, hashing continues on this thread; if it dies or replies with
 * an error, the chunks it held are rejected with a HasherError (their bytes went to the worker) and later
 * chunks are hashed on this thread.
 */
export function workerHasher(spawn: () => HashWorker): ChunkHasher {
  let worker: HashWorker | undefined;
  let broken = false;
  let next = 1;
  const waiting = new Map<number, { resolve: (r: { hex: string; bytes: Uint8Array }) => void; reject: (e: HasherError) => void }>();
  const fail = (why: string) => {
    broken = true;
    worker?.terminate();
    worker = undefined;
    for (const w of waiting.values()) w.reject(new HasherError(`the hashing worker stopped (${why}); the download is retried with hashing on this thread`));
    waiting.clear();
  };
  const start = (): HashWorker | undefined => {
    if (broken) return undefined;
    if (!worker) {
      try {
        worker = spawn();
      } catch {
        broken = true;
        return undefined;
      }
      worker.onmessage = (e: MessageEvent<HashReply>) => {
        if (!('hex' in e.data)) return fail(e.data.error);
        const w = waiting.get(e.data.id);
        waiting.delete(e.data.id);
        w?.resolve({ hex: e.data.hex, bytes: new Uint8Array(e.data.buf) });
      };
      worker.onerror = (e: ErrorEvent) => fail(e.message || 'it failed to load or crashed');
    }
    return worker;
  };
  return {
    async sha256(bytes) {
      const w = start();
      if (!w) return inThreadHasher.sha256(bytes);
      // Only a buffer the chunk owns whole can be transferred; a view into a bigger one is copied first.
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      const id = next++;
      const reply = new Promise<{ hex: string; bytes: Uint8Array }>((resolve, reject) => waiting.set(id, { resolve, reject }));
      const buf = own.buffer as ArrayBuffer;
      try {
        w.postMessage({ id, buf } satisfies HashRequest, [buf]);
      } catch (e) {
        fail(`it could not be sent the chunk: ${(e as Error).message}`);
      }
      return reply;
    },
    close() {
      worker?.terminate();
      worker = undefined;
    },
  };
}
