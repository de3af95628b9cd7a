/// <reference lib="webworker" />
/**
 * The service worker: the app shell through Workbox precaching (small, revisioned files), and the large
 * files (wasm runtimes and the embedded default bundle's models) in a cache of our own, because Workbox
 * precaching is meant for small files (2 MiB default limit) and would hold a second copy in memory.
 * Both are filled at install, so the next load works with the network off.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { StoreSource, openBundleSource } from '../bundles/store-source.ts';
import { storeRequestPath } from '../bundles/webllm.ts';
import type { LargeAsset, SwMessage } from './messages.ts';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

const LARGE_LIST_URL = 'large-assets.json';
const LARGE_PREFIX = 'va-large-';

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));

async function broadcast(msg: SwMessage): Promise<void> {
  for (const client of await self.clients.matchAll({ includeUncontrolled: true })) client.postMessage(msg);
}

async function largeList(): Promise<{ cacheName: string; assets: LargeAsset[] }> {
  const res = await fetch(LARGE_LIST_URL, { cache: 'no-cache' });
  if (!res.ok) throw new Error(`${LARGE_LIST_URL}: HTTP ${res.status}`);
  const list = (await res.json()) as { version: string; assets: LargeAsset[] };
  return { cacheName: `${LARGE_PREFIX}${list.version}`, assets: list.assets };
}

async function cacheLargeAssets(): Promise<void> {
  const { cacheName, assets } = await largeList();
  const cache = await caches.open(cacheName);
  const total = assets.reduce((s, a) => s + a.size, 0);
  let done = 0;
  for (const asset of assets) {
    const url = new URL(asset.url, self.registration.scope).href;
    if (!(await cache.match(url))) {
      const res = await fetch(url, { cache: 'no-cache' });
      if (!res.ok) throw new Error(`Could not download ${asset.url} for offline use (HTTP ${res.status}).`);
      await cache.put(url, res);
    }
    done += asset.size;
    await broadcast({ type: 'offline-progress', done, total, file: asset.url });
  }
  await broadcast({ type: 'offline-ready', total });
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    cacheLargeAssets().catch(async (e: unknown) => {
      const message = (e as Error).name === 'QuotaExceededError'
        ? 'Not enough storage to keep the models for offline use. Free some space and reload.'
        : `Offline set-up failed: ${(e as Error).message} The app still works online; reload to retry.`;
      await broadcast({ type: 'offline-error', message });
      throw e;
    }),
  );
  void self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const { cacheName } = await largeList().catch(() => ({ cacheName: '' }));
      for (const name of await caches.keys()) {
        if (name.startsWith(LARGE_PREFIX) && cacheName && name !== cacheName) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

/**
 * `<scope>store/<id>/<version>/<path>`: a file of an installed bundle, decrypted and verified chunk by chunk
 * from the device's store (never fetched from the network), so model runtimes that load by URL — WebLLM's
 * weight shards — read exactly the bytes the signed manifest allows. Range requests are answered too.
 */
const STORE_PREFIX = new URL('store/', self.registration.scope).pathname;
const storeSources = new Map<string, Promise<StoreSource>>();

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json', wasm: 'application/wasm', txt: 'text/plain; charset=utf-8', md: 'text/markdown; charset=utf-8',
};

function plain(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
}

function storeSource(id: string, version: string): Promise<StoreSource> {
  const key = `${id}\n${version}`;
  let s = storeSources.get(key);
  if (!s) {
    s = openBundleSource({ store: { id, version } }).then((src) => {
      if (!(src instanceof StoreSource)) throw new Error('not a stored bundle');
      return src;
    });
    storeSources.set(key, s);
    // Not installed yet (or removed): ask the registry again next time.
    s.catch(() => storeSources.delete(key));
  }
  return s;
}

async function fromStore(request: Request, url: URL): Promise<Response> {
  let segments: string[];
  try {
    segments = url.pathname.slice(STORE_PREFIX.length).split('/').map(decodeURIComponent);
  } catch {
    return plain(400, `The address ${url.pathname} has a malformed percent-escape (a "%" not followed by two hex digits). Use ${STORE_PREFIX}<bundle id>/<version>/<file path> with each part URL-encoded.`);
  }
  const [id, version, ...rest] = segments;
  const requested = rest.join('/');
  if (!id || !version || !requested) return plain(404, `Use ${STORE_PREFIX}<bundle id>/<version>/<file path>.`);
  let source: StoreSource;
  try {
    source = await storeSource(id, version);
  } catch (e) {
    return plain(404, `Bundle "${id}" ${version} is not installed on this device (${(e as Error).message}). Open Models & Storage and check for updates.`);
  }
  // WebLLM asks for "<folder>/resolve/main/<file>" (Hugging Face layout): src/bundles/webllm.ts.
  const path = storeRequestPath(requested, source.manifest);
  let size: number;
  try {
    size = source.file(path).size;
  } catch (e) {
    return plain(404, (e as Error).message);
  }
  const headers: Record<string, string> = {
    'content-type': CONTENT_TYPES[path.split('.').pop() ?? ''] ?? 'application/octet-stream',
    'accept-ranges': 'bytes',
    'cache-control': 'no-store',
  };
  const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.get('range') ?? '');
  if (range && (range[1] || range[2])) {
    // "a-b", "a-" or the last "-n" bytes.
    const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    const end = range[1] && range[2] ? Math.min(size, Number(range[2]) + 1) : size;
    if (start >= size || end <= start) return new Response(null, { status: 416, headers: { 'content-range': `bytes */${size}` } });
    headers['content-range'] = `bytes ${start}-${end - 1}/${size}`;
    headers['content-length'] = String(end - start);
    return new Response(source.stream(path, { start, end }), { status: 206, headers });
  }
  headers['content-length'] = String(size);
  return new Response(source.stream(path), { status: 200, headers });
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STORE_PREFIX)) event.respondWith(fromStore(event.request, url));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STORE_PREFIX)) return;
  if (!/\.(wasm|onnx|bin|json)$/.test(url.pathname) || url.pathname.endsWith(LARGE_LIST_URL)) return;
  event.respondWith(
    (async () => {
      for (const name of await caches.keys()) {
        if (!name.startsWith(LARGE_PREFIX)) continue;
        const hit = await (await caches.open(name)).match(url.href, { ignoreSearch: true });
        if (hit) return hit;
      }
      return fetch(event.request);
    })(),
  );
});
