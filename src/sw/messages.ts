/** A file the service worker keeps for offline use outside Workbox precaching. */
export interface LargeAsset {
  url: string;
  size: number;
}

/** What the service worker tells the page while it prepares offline use. */
export type SwMessage =
  | { type: 'offline-progress'; done: number; total: number; file: string }
  | { type: 'offline-ready'; total: number }
  | { type: 'offline-error'; message: string };
