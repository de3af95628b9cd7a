/// <reference lib="webworker" />
/**
 * The service worker: the app shell through Workbox precaching (small, revisioned files), and the large
 * files (wasm runtimes and the embedded default bundle's models) in a cache of our own, because Workbox
 * precaching is meant for small files (2 MiB default limit) and would hold a second copy in memory.
 * Both are filled at install, so the next load works with the network off.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
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

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
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
