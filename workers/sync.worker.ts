/**
 * Thin worker: hosts the sync client (enrolment, update checks, downloads into the verified store). A
 * dedicated worker, so OPFS sync access handles make storing fast and the page never blocks on crypto.
 */
import * as Comlink from 'comlink';
import type { BundleKind } from '../src/bundles/metadata.ts';
import type { BundleRef, SyncStatus } from '../src/bundles/client/status.ts';
import { workerHasher } from '../src/bundles/client/chunk-hasher.ts';
import { SyncClient, type CheckResult, type EmbeddedResult, type GcResult, type SyncClientOptions } from '../src/bundles/client/sync-client.ts';

/** What the page may pass (everything structured-cloneable; no injected registries or stores). */
export type SyncInitOptions = Pick<
  SyncClientOptions,
  'appVersion' | 'capabilities' | 'backend' | 'autoCheck' | 'quotaCapBytes' | 'writeLimitBytes' | 'clockOffsetMs' | 'retry' | 'tagCheck'
>;

export interface CheckSummary extends Omit<CheckResult, 'reports'> {
  reports: Array<{ id: string; version: string; sizeBytes: number; requests: number; bytesReceived: number; resumedBytes: number; seconds: number }>;
}

let client: SyncClient | undefined;
let opening: Promise<SyncClient> | undefined;
let nextSubscription = 1;
const unsubscribers = new Map<number, () => void>();

const ready = (): SyncClient => {
  if (!client) throw new Error('The sync worker was used before init().');
  return client;
};

const api = {
  /** Opens the registry and the store (OPFS, else IndexedDB) and starts the periodic checks if enrolled. */
  async init(opts: SyncInitOptions): Promise<SyncStatus> {
    opening ??= SyncClient.open({
      ...opts,
      hasher: workerHasher(() => new Worker(new URL('./chunk-hash.worker.ts', import.meta.url), { type: 'module', name: 'chunk-hash' })),
    });
    client = await opening.catch((e: unknown) => {
      opening = undefined;
      throw e;
    });
    return client.status();
  },
  status(): Promise<SyncStatus> {
    return ready().status();
  },
  /** `cb` must be wrapped in Comlink.proxy; returns an id for unsubscribe(). */
  subscribe(cb: (s: SyncStatus) => void): number {
    const id = nextSubscription++;
    unsubscribers.set(id, ready().subscribe(cb));
    return id;
  },
  unsubscribe(id: number): void {
    unsubscribers.get(id)?.();
    unsubscribers.delete(id);
  },
  enrol(serverUrl: string, code: string, label?: string): Promise<SyncStatus> {
    return ready().enrol(serverUrl, code, label);
  },
  /** Checks for updates and installs them; resolves when done (the status shows progress meanwhile). */
  async checkNow(): Promise<CheckSummary> {
    const r = await ready().check();
    // Install reports without the stored record (manifest and key): the page needs only the figures.
    const reports = r.reports.map(({ version: v, requests, bytesReceived, resumedBytes, seconds }) => ({
      id: v.id, version: v.version, sizeBytes: v.sizeBytes, requests, bytesReceived, resumedBytes, seconds,
    }));
    return { ...r, reports };
  },
  rollback(id: string): Promise<SyncStatus> {
    return ready().rollback(id);
  },
  /** Installs the app's embedded default bundles (e.g. "/models/default/"); skips what is installed. */
  installEmbedded(baseUrl: string): Promise<EmbeddedResult> {
    return ready().installEmbedded(baseUrl);
  },
  /** For each kind, the bundle engines should load: pass the ref to openBundleSource() in the engine worker. */
  activeSources(): Promise<Partial<Record<BundleKind, BundleRef>>> {
    return ready().activeSources();
  },
  gc(): Promise<GcResult> {
    return ready().gc();
  },
  stop(): void {
    client?.stop();
  },
};

export type SyncWorkerApi = typeof api;
Comlink.expose(api);
