import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { isolationHeaders } from '../src/config/isolation.ts';

export interface ServerOptions {
  /** The built app (vite build output). */
  appDir?: string;
  logger?: boolean;
}

export const DEFAULT_APP_DIR = resolve(fileURLToPath(new URL('../dist', import.meta.url)));

/** The sync service and the app host: one Fastify instance on the bank's network (or localhost). */
export async function createServer(opts: ServerOptions = {}): Promise<FastifyInstance> {
  const appDir = opts.appDir ?? DEFAULT_APP_DIR;
  if (!existsSync(resolve(appDir, 'index.html'))) {
    throw new Error(`The app is not built (no ${appDir}/index.html). Run "npm run build" first, or use "npm start".`);
  }
  const app = Fastify({ logger: opts.logger ?? false });

  // Cross-origin isolation on every response: pages, workers, wasm and models alike.
  app.addHook('onSend', async (_req, reply) => {
    for (const [k, v] of Object.entries(isolationHeaders)) reply.header(k, v);
  });

  app.get('/api/health', async () => ({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }));

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
    return reply.code(404).send({ error: 'not_found', message: `No route for ${req.method} ${req.url}.` });
  });
  return app;
}
