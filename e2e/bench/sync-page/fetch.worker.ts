/**
 * The plain-fetch baseline from a dedicated worker, where the sync client runs too (like for like), and a
 * measure of the per-chunk work an install adds (SHA-256, AES-GCM decrypt, storage write) in a worker.
 */
import * as Comlink from 'comlink';
import { drainAll } from './drain.ts';

export interface PrimitiveRates {
  chunkBytes: number;
  chunks: number;
  /** MB/s of each step alone, one chunk at a time (as the downloader does them), after a warm-up. */
  sha256: number;
  decrypt: number;
  opfsWrite: number;
  idbWrite: number;
  /** MB/s of SHA-256 → decrypt → OPFS write (flush every 4 chunks) one chunk after another. */
  pipeline: number;
  /** Median ms of one IndexedDB readwrite transaction putting a small record (the downloader records progress so every 4 chunks). */
  idbSmallCommitMs: number;
}

/** MB/s of `fn` over `chunks` chunks, after a warm-up round (the first calls pay for thread and cache set-up). */
async function timed(chunks: number, bytes: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < Math.min(16, chunks); i++) await fn(i);
  const started = performance.now();
  for (let i = 0; i < chunks; i++) await fn(i);
  return bytes * chunks / 1e6 / ((performance.now() - started) / 1000);
}

async function primitives(chunks: number, chunkBytes: number): Promise<PrimitiveRates> {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const plain = new Uint8Array(chunkBytes);
  for (let at = 0; at < chunkBytes; at += 65536) crypto.getRandomValues(plain.subarray(at, at + 65536));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const additionalData = new TextEncoder().encode('va-bundle/1\nbench\n1.0.0\nllm/part-0.bin\n0\n256');
  const enc = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, plain));
  const size = enc.byteLength;
  const open = () => crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, key, enc);

  const sha256 = await timed(chunks, size, () => crypto.subtle.digest('SHA-256', enc));
  const decrypt = await timed(chunks, size, open);

  const root = await navigator.storage.getDirectory();
  const name = 'bench-primitives.tmp';
  const fh = await root.getFileHandle(name, { create: true });
  const handle = await fh.createSyncAccessHandle();
  const opfsWrite = await timed(chunks, size, (i) => handle.write(enc, { at: i * size }));
  handle.truncate(0);
  handle.flush();
  const pipeline = await timed(chunks, size, async (i) => {
    await crypto.subtle.digest('SHA-256', enc);
    await open();
    handle.write(enc, { at: i * size });
    // The downloader flushes (and records progress) every 4 chunks.
    if (i % 4 === 3) handle.flush();
  });
  handle.close();
  await root.removeEntry(name);

  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open('bench-primitives', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('c');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const idbWrite = await timed(chunks, size, (i) =>
    new Promise<void>((resolve, reject) => {
      const tx = db.transaction('c', 'readwrite');
      tx.objectStore('c').put(enc.slice(), i);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    }),
  );
  const commits: number[] = [];
  for (let i = 0; i < 40; i++) {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('c', 'readwrite');
      tx.objectStore('c').put({ blob: 'x'.repeat(64), verifiedChunks: i, updatedAt: Date.now() }, 'progress');
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    commits.push(performance.now() - started);
  }
  const idbSmallCommitMs = commits.slice(8).sort((a, b) => a - b)[16]!;
  db.close();
  await new Promise((r) => {
    const del = indexedDB.deleteDatabase('bench-primitives');
    del.onsuccess = del.onerror = del.onblocked = r;
  });
  return { chunkBytes: size, chunks, sha256, decrypt, opfsWrite, idbWrite, pipeline, idbSmallCommitMs };
}

const api = { drainAll, primitives };
export type FetchWorkerApi = typeof api;
Comlink.expose(api);
