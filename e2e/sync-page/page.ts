/**
 * The e2e test page: drives the real sync worker (workers/sync.worker.ts) as the app will, reads bundles
 * from another worker through openBundleSource, and through the service worker's store route.
 */
import * as Comlink from 'comlink';
import type { SyncStatus } from '../../src/bundles/client/status.ts';
import { sha256Hex } from '../../src/bundles/source.ts';
import type { SyncInitOptions, SyncWorkerApi } from '../../workers/sync.worker.ts';
import type { ProbeApi } from './probe.worker.ts';

let worker: Worker | undefined;
let sync: Comlink.Remote<SyncWorkerApi> | undefined;
const statuses: SyncStatus[] = [];
const probe = Comlink.wrap<ProbeApi>(new Worker(new URL('./probe.worker.ts', import.meta.url), { type: 'module' }));

const api = () => {
  if (!sync) throw new Error('start() first');
  return sync;
};

async function opfsFile(blob: string): Promise<File | undefined> {
  try {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('bundles');
    return await (await dir.getFileHandle(`${blob}.enc`)).getFile();
  } catch {
    return undefined;
  }
}

const t = {
  /** (Re)starts the sync worker, as a page load does. */
  async start(opts: SyncInitOptions): Promise<SyncStatus> {
    worker?.terminate();
    worker = new Worker(new URL('../../workers/sync.worker.ts', import.meta.url), { type: 'module' });
    sync = Comlink.wrap<SyncWorkerApi>(worker);
    const st = await sync.init(opts);
    await sync.subscribe(Comlink.proxy((s: SyncStatus) => void statuses.push(s)));
    return st;
  },
  stop(): void {
    worker?.terminate();
    worker = undefined;
    sync = undefined;
  },
  enrol: (url: string, code: string, label?: string) => api().enrol(url, code, label),
  checkNow: () => api().checkNow(),
  status: () => api().status(),
  rollback: (id: string) => api().rollback(id),
  activeSources: () => api().activeSources(),
  gc: () => api().gc(),
  installEmbedded: (url: string) => api().installEmbedded(url),
  /** Kicks off a check without waiting for it (to watch progress or kill the server meanwhile). */
  checkInBackground(): void {
    void api().checkNow().catch(() => undefined);
  },
  statuses: () => statuses.length,
  /** The largest download progress any pushed status showed for a bundle id. */
  maxDownload(id: string): { doneBytes: number; totalBytes: number; bytesPerSecond: number; secondsLeft: number | null } | undefined {
    let best: SyncStatus['downloads'][number] | undefined;
    for (const s of statuses) for (const d of s.downloads) if (d.id === id && (!best || d.doneBytes > best.doneBytes)) best = d;
    return best && { doneBytes: best.doneBytes, totalBytes: best.totalBytes, bytesPerSecond: best.bytesPerSecond, secondsLeft: best.secondsLeft };
  },
  read: (ref: { store: { id: string; version: string } }, path: string) => probe.read(ref, path),
  async opfsSize(blob: string): Promise<number> {
    return (await opfsFile(blob))?.size ?? -1;
  },
  /** Whether the stored (encrypted) blob contains these plaintext bytes anywhere. */
  async opfsContains(blob: string, needleHex: string): Promise<boolean> {
    const file = await opfsFile(blob);
    if (!file) throw new Error(`no OPFS file for ${blob}`);
    const hay = new Uint8Array(await file.arrayBuffer());
    const needle = Uint8Array.from(needleHex.match(/../g)!, (h) => parseInt(h, 16));
    outer: for (let i = 0; i + needle.length <= hay.length; i++) {
      for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  },
  async idbChunkCount(): Promise<number> {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open('va-bundle-chunks');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('chunks')) return resolve(0);
        const req = db.transaction('chunks').objectStore('chunks').count();
        req.onsuccess = () => {
          resolve(req.result);
          db.close();
        };
      };
    });
  },
  async registerSw(): Promise<boolean> {
    await navigator.serviceWorker.register('/sw.js');
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise<void>((r) => navigator.serviceWorker.addEventListener('controllerchange', () => r(), { once: true }));
    }
    return !!navigator.serviceWorker.controller;
  },
  async fetchHash(url: string, range?: string): Promise<{ status: number; size: number; sha256: string; text: string; contentRange: string | null }> {
    const res = await fetch(url, range ? { headers: { range } } : {});
    const bytes = new Uint8Array(await res.arrayBuffer());
    return {
      status: res.status, size: bytes.byteLength, sha256: await sha256Hex(bytes),
      text: res.status === 200 || res.status === 206 ? '' : new TextDecoder().decode(bytes), contentRange: res.headers.get('content-range'),
    };
  },
};

export type SyncTestPage = typeof t;
(globalThis as unknown as { t: SyncTestPage }).t = t;
document.title = 'sync e2e ready';
