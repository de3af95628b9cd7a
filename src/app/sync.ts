/**
 * Wires the sync worker into the app: installs the embedded default bundles through the verified store
 * (the same path as the bank's bundles), tells the engine workers which installed bundle to load, reloads an
 * engine when a newer bundle of its kind is switched on, and feeds the Models & Storage screen.
 */
import * as Comlink from 'comlink';
import { version as APP_VERSION } from '../../package.json';
import type { BundleRef, SyncStatus } from '../bundles/client/status.ts';
import type { BundleKind } from '../bundles/metadata.ts';
import { WorkerHost } from '../pipeline/worker-host.ts';
import type { SyncInitOptions, SyncWorkerApi } from '../../workers/sync.worker.ts';
import { formatBytes, ModelsScreen } from './models-screen.ts';
import type { ConversationView } from './view.ts';

export type ActiveSources = Partial<Record<BundleKind, BundleRef>>;

export interface SyncWiring {
  host: WorkerHost<SyncWorkerApi>;
  sources: ActiveSources;
  status(): SyncStatus | undefined;
  /** Called with the kinds whose active bundle changed (after an update or a rollback). */
  onSourcesChanged?: (changed: BundleKind[]) => void;
}

const EMBEDDED_URL = `${import.meta.env.BASE_URL}models/default/`;
/** Without these the assistant cannot answer at all (speech recognition is optional: the text box works). */
const REQUIRED: BundleKind[] = ['vad', 'tts', 'kb'];
const activeVersions = (s: SyncStatus) => s.installed.filter((b) => b.state === 'active').map((b) => `${b.id}@${b.version}`).join();
const sameRef = (a?: BundleRef, b?: BundleRef) => JSON.stringify(a) === JSON.stringify(b);

/** Test and support knobs from the URL (`?sync.backend=indexeddb`), never needed in normal use. */
function initOptions(): SyncInitOptions {
  const q = new URLSearchParams(location.search);
  const backend = q.get('sync.backend');
  const quota = Number(q.get('sync.quotaCapBytes'));
  return {
    appVersion: APP_VERSION,
    backend: backend === 'indexeddb' || backend === 'opfs' ? backend : undefined,
    quotaCapBytes: quota > 0 ? quota : undefined,
  };
}

export async function startSync(view: ConversationView): Promise<SyncWiring> {
  const screen = new ModelsScreen({
    enrol: async (server, code, label) => void (await host.call((api) => api.enrol(server, code, label || undefined))),
    checkNow: async () => {
      const r = await host.call((api) => api.checkNow());
      if (!r.ok && r.message) throw new Error(r.message);
    },
    rollback: async (id) => void (await host.call((api) => api.rollback(id))),
  });
  view.models.replaceChildren(screen.body);

  let last: SyncStatus | undefined;
  const wiring = { sources: {}, status: () => last } as SyncWiring;
  let showingProgress = false;
  let refreshing = Promise.resolve();
  const refreshSources = () => {
    refreshing = refreshing.then(async () => {
      const next = await host.call((api) => api.activeSources());
      const changed = (Object.keys({ ...next, ...wiring.sources }) as BundleKind[]).filter((k) => !sameRef(next[k], wiring.sources[k]));
      wiring.sources = next;
      if (changed.length) wiring.onSourcesChanged?.(changed);
    }).catch(() => undefined);
  };
  const onStatus = (s: SyncStatus) => {
    const changed = last !== undefined && activeVersions(last) !== activeVersions(s);
    last = s;
    if (changed) refreshSources();
    const d = s.downloads[0];
    if (d) view.setInstalling(`Installing models: ${Math.round((100 * d.doneBytes) / Math.max(1, d.totalBytes))}% of ${formatBytes(d.totalBytes)}`);
    else if (showingProgress) view.setInstalling(null);
    showingProgress = !!d;
    // The sync worker drops a subscriber whose callback throws: a drawing bug must not cut the page off.
    try {
      screen.render(s);
    } catch (e) {
      console.error('Models & storage could not be drawn', e);
    }
  };
  // A restarted sync worker gets a fresh subscription (the old one died with the old worker).
  const host: WorkerHost<SyncWorkerApi> = new WorkerHost<SyncWorkerApi>(
    'model store',
    () => new Worker(new URL('../../workers/sync.worker.ts', import.meta.url), { type: 'module', name: 'sync' }),
    async (api) => {
      onStatus(await api.init(initOptions()));
      await api.subscribe(Comlink.proxy(onStatus));
    },
  );
  wiring.host = host;
  try {
    await host.ready();
  } catch (e) {
    screen.showFailure(`The model store could not start: ${(e as Error).message}`);
    throw e;
  }

  // Ask the browser not to evict the models under storage pressure (only a page may ask, not a worker).
  void navigator.storage?.persist?.().catch(() => false);
  const installEmbedded = async () => {
    const r = await host.call((api) => api.installEmbedded(EMBEDDED_URL));
    if (r.failed.length) view.showError(`Some built-in models could not be installed: ${r.failed.map((f) => f.message).join(' ')}`);
  };
  wiring.sources = await host.call((api) => api.activeSources());
  if (REQUIRED.every((k) => wiring.sources[k])) {
    // Installed before: start at once (offline too) and pick up newer built-in models in the background.
    void installEmbedded().then(refreshSources, () => undefined);
  } else {
    try {
      await installEmbedded();
    } catch (e) {
      screen.showFailure(`The built-in models could not be installed: ${(e as Error).message}`);
      throw e;
    }
    wiring.sources = await host.call((api) => api.activeSources());
  }
  return wiring;
}
