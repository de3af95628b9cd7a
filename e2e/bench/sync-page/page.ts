/**
 * The sync benchmark page: drives the real sync worker (workers/sync.worker.ts) as the app does, and times
 * plain fetches of the same blob bytes from the page and from a worker. Exposed as `bench` for playwright.
 */
import * as Comlink from 'comlink';
import type { SyncStatus } from '../../../src/bundles/client/status.ts';
import type { CheckSummary, SyncInitOptions, SyncWorkerApi } from '../../../workers/sync.worker.ts';
import { drainAll } from './drain.ts';
import type { FetchWorkerApi, PrimitiveRates } from './fetch.worker.ts';

let worker: Worker | undefined;
let sync: Comlink.Remote<SyncWorkerApi> | undefined;
let fetcher: { worker: Worker; api: Comlink.Remote<FetchWorkerApi> } | undefined;

const api = () => {
  if (!sync) throw new Error('bench.start() first');
  return sync;
};

function helper(): Comlink.Remote<FetchWorkerApi> {
  if (!fetcher) {
    const w = new Worker(new URL('./fetch.worker.ts', import.meta.url), { type: 'module' });
    fetcher = { worker: w, api: Comlink.wrap<FetchWorkerApi>(w) };
  }
  return fetcher.api;
}

const bench = {
  async start(opts: SyncInitOptions): Promise<SyncStatus> {
    worker?.terminate();
    worker = new Worker(new URL('../../../workers/sync.worker.ts', import.meta.url), { type: 'module' });
    sync = Comlink.wrap<SyncWorkerApi>(worker);
    return sync.init(opts);
  },
  stop(): void {
    worker?.terminate();
    fetcher?.worker.terminate();
    worker = undefined;
    sync = undefined;
    fetcher = undefined;
  },
  enrol: (url: string, code: string, label?: string) => api().enrol(url, code, label),
  status: () => api().status(),
  /** checkNow() (update check, download, verify, decrypt, store, activate), timed in the page. */
  async timedCheck(): Promise<{ ms: number; result: CheckSummary }> {
    const started = performance.now();
    const result = await api().checkNow();
    return { ms: performance.now() - started, result };
  },
  async estimate(): Promise<{ usage: number; quota: number; persisted: boolean }> {
    const e = await navigator.storage.estimate();
    return { usage: e.usage ?? 0, quota: e.quota ?? 0, persisted: await navigator.storage.persisted() };
  },
  fetchInPage: (urls: string[], headers: Record<string, string>) => drainAll(urls, headers),
  fetchInWorker: (urls: string[], headers: Record<string, string>) => helper().drainAll(urls, headers),
  /** MB/s of the per-chunk steps of an install (SHA-256, AES-GCM decrypt, OPFS / IndexedDB write) in a worker. */
  primitives: (chunks: number, chunkBytes: number): Promise<PrimitiveRates> => helper().primitives(chunks, chunkBytes),
};

export type SyncBenchPage = typeof bench;
(globalThis as unknown as { bench: SyncBenchPage }).bench = bench;
document.title = 'sync bench ready';
