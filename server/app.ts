import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { isolationHeaders } from '../src/config/isolation.ts';
import { DiskBlobStore } from './sync/blob-store.ts';
import { openDataDir } from './sync/data-dir.ts';
import { SqliteMetadataStore } from './sync/metadata-store.ts';
import { createMetrics, registerMetrics } from './sync/metrics.ts';
import { apiErrorHandler, syncRoutes, type SyncTuning } from './sync/routes.ts';

export interface ServerOptions {
  /** The built app (vite build output). */
  appDir?: string;
  /** false (tests), true, or pino options; logs are JSON lines. */
  logger?: FastifyServerOptions['logger'];
  /** The sync service's data directory (keys, root, SQLite, blobs). Without it only the app is served. */
  dataDir?: string;
  /** Sync service knobs (freshness lifetime, check interval, rate limits, clock for tests). */
  sync?: SyncTuning;
}

export const DEFAULT_APP_DIR = resolve(fileURLToPath(new URL('../dist', import.meta.url)));

/** The sync service and the app host: one Fastify instance on the bank's network (or localhost). */
export async function createServer(opts: ServerOptions = {}): Promise<FastifyInstance> {
  const appDir = opts.appDir ?? DEFAULT_APP_DIR;
  if (!existsSync(resolve(appDir, 'index.html'))) {
    throw new Error(`The app is not built (no ${appDir}/index.html). Run "npm run build" first, or use "npm start".`);
  }
  // Keys and database first: a server with an unusable data directory should not start at all.
  const data = opts.dataDir !== undefined ? await openDataDir(opts.dataDir) : undefined;
  const app = Fastify({ logger: opts.logger ?? false });
  app.setErrorHandler(apiErrorHandler);

  // Cross-origin isolation on every response: pages, workers, wasm, models and API answers alike.
  app.addHook('onSend', async (_req, reply) => {
    for (const [k, v] of Object.entries(isolationHeaders)) reply.header(k, v);
  });

  if (data) {
    const store = new SqliteMetadataStore(data.paths.db);
    const blobs = new DiskBlobStore(data.paths.blobs);
    const metrics = createMetrics();
    app.addHook('onClose', async () => store.close());
    registerMetrics(app, metrics);
    app.get('/api/health', async (req, reply) => {
      const checks = { db: 'ok', blobs: 'ok' };
      try {
        await store.check();
      } catch (e) {
        checks.db = (e as Error).message;
      }
      try {
        await blobs.check();
      } catch (e) {
        checks.blobs = (e as Error).message;
      }
      const healthy = checks.db === 'ok' && checks.blobs === 'ok';
      if (!healthy) req.log.error(checks, 'health check failed');
      const counts = checks.db === 'ok' ? await store.counts() : undefined;
      reply.code(healthy ? 200 : 503).header('Cache-Control', 'no-store');
      return { status: healthy ? 'ok' : 'degraded', uptimeSeconds: Math.round(process.uptime()), ...checks, ...counts };
    });
    await app.register(syncRoutes, { ...opts.sync, store, blobs, metrics, timestampKey: data.timestampKey, wrapPrivate: data.wrapPrivate, root: data.root });
    app.log.info({ dataDir: data.paths.dir }, 'sync service ready');
  } else {
    app.get('/api/health', async () => ({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }));
  }

  await app.register(fastifyStatic, {
    root: appDir,
    prefix: '/',
    wildcard: true,
    setHeaders(reply, path) {
      if (path.endsWith('.wasm')) reply.header('Content-Type', 'application/wasm');
      if (path.endsWith('.webmanifest')) reply.header('Content-Type', 'application/manifest+json');
      // Hashed build assets never change; everything else is revalidated (the service worker caches offline).
      reply.header('Cache-Control', /[/\\]assets[/\\]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });

  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && !req.url.startsWith('/api/') && !/\.[a-z0-9]+$/i.test(req.url.split('?')[0] ?? '')) {
      return reply.sendFile('index.html');
    }
    return reply.code(404).send({ error: 'not_found', message: `No route for ${req.method} ${req.url}. See docs/bundle-format.md ("HTTP API") for the endpoints.` });
  });
  return app;
}
