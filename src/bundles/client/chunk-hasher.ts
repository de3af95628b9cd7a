/**
 * SHA-256 of downloaded chunks. In a browser WebCrypto hashes on the calling thread, so the sync worker hands
 * chunks to a second worker (transferring, not copying, the bytes) and keeps reading the network meanwhile:
 * on a 2-core device this is what lets an install run near the speed of a plain download.
 */
import { hex, sha256 } from '../encoding.ts';

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

/** Hashes in a worker; if the worker cannot start or dies, hashing quietly continues on this thread. */
export function workerHasher(spawn: () => Worker): ChunkHasher {
  let worker: Worker | undefined;
  let broken = false;
  let next = 1;
  const waiting = new Map<number, { resolve: (r: { hex: string; bytes: Uint8Array }) => void; reject: (e: Error) => void }>();
  const fail = (why: string) => {
    broken = true;
    worker?.terminate();
    worker = undefined;
    for (const w of waiting.values()) w.reject(new Error(`the hashing worker stopped (${why})`));
    waiting.clear();
  };
  const start = (): Worker | undefined => {
    if (broken) return undefined;
    if (!worker) {
      try {
        worker = spawn();
      } catch {
        broken = true;
        return undefined;
      }
      worker.onmessage = (e: MessageEvent<HashReply>) => {
        const w = waiting.get(e.data.id);
        waiting.delete(e.data.id);
        if (!w) return;
        if ('hex' in e.data) w.resolve({ hex: e.data.hex, bytes: new Uint8Array(e.data.buf) });
        else w.reject(new Error(e.data.error));
      };
      worker.onerror = () => fail('error');
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
      w.postMessage({ id, buf } satisfies HashRequest, [buf]);
      return reply;
    },
    close() {
      worker?.terminate();
      worker = undefined;
    },
  };
}
