/**
 * Test support for the client tests: packs real bundles (real WebCrypto, real signatures) and serves their
 * blobs from a real HTTP server on localhost that speaks Range / If-Range, with switches for the faults a
 * network or a broken server produces.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { importContentKey } from '../../src/bundles/chunks.ts';
import { fromB64u } from '../../src/bundles/encoding.ts';
import { packToBlobDir, type PackedBundle, type PackInput } from '../../src/bundles/node-pack.ts';
import type { BundleMetadata } from '../../src/bundles/metadata.ts';
import type { SigningKey } from '../../src/bundles/signing.ts';

export function randomBytes(n: number, seed = 1): Uint8Array {
  // Deterministic, incompressible enough: xorshift.
  const out = new Uint8Array(n);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export async function packPublic(input: PackInput, publisher: SigningKey, dir: string): Promise<PackedBundle & { key: CryptoKey }> {
  const packed = await packToBlobDir(input, { publisher, recipient: 'none' }, dir);
  if (packed.keyEnvelope.alg !== 'none') throw new Error('expected a public bundle');
  return { ...packed, key: await importContentKey(fromB64u(packed.keyEnvelope.key), false) };
}

export interface BlobServerFaults {
  /** Answer 200 with the whole blob even when a range is asked for. */
  ignoreRange?: boolean;
  /** Destroy the connection after sending this many body bytes (once per request while > 0 requests left). */
  cutAfterBytes?: number;
  cutRequests?: number;
  /** Flip one byte of the body at this blob offset. */
  flipAt?: number;
  /** Append junk after the blob (endless data). */
  extraBytes?: number;
  /** Answer this status (with a JSON error) to the next n requests. */
  failStatus?: number;
  failRequests?: number;
  retryAfter?: string;
  /** Answer 416 to the next n range requests. */
  refuseRange?: number;
  /** Send the body in pieces of this size with a pause between them (ms). */
  slow?: { pieceBytes: number; pauseMs: number };
}

export interface BlobServer {
  url: string;
  requests: Array<{ path: string; range?: string; ifRange?: string; authorization?: string }>;
  bytesSent: number;
  faults: BlobServerFaults;
  close(): Promise<void>;
}

export async function serveBlobs(dir: string, faults: BlobServerFaults = {}): Promise<BlobServer> {
  const sockets = new Set<Socket>();
  const state: BlobServer = { url: '', requests: [], bytesSent: 0, faults, close: async () => undefined };
  const server: Server = createServer(async (req, res) => {
    const name = (req.url ?? '').split('/').pop() ?? '';
    state.requests.push({
      path: req.url ?? '', range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined,
      authorization: req.headers.authorization,
    });
    const f = state.faults;
    if (f.failStatus && (f.failRequests ?? 0) > 0) {
      f.failRequests = (f.failRequests ?? 0) - 1;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (f.retryAfter) headers['retry-after'] = f.retryAfter;
      res.writeHead(f.failStatus, headers).end(JSON.stringify({ error: 'test_failure', message: `Injected HTTP ${f.failStatus}.` }));
      return;
    }
    if (name === 'index.json') {
      try {
        res.writeHead(200, { 'content-type': 'application/json' }).end(await readFile(join(dir, name)));
      } catch {
        res.writeHead(404).end();
      }
      return;
    }
    let blob: Uint8Array;
    try {
      if (!/^[0-9a-f]{64}$/.test(name)) throw new Error('bad name');
      blob = new Uint8Array(await readFile(join(dir, name)));
    } catch {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not_found', message: `No blob ${name}.` }));
      return;
    }
    const etag = `"${name}"`;
    let start = 0;
    let end = blob.byteLength;
    let status = 200;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const ifRangeOk = !req.headers['if-range'] || req.headers['if-range'] === etag;
    if (m && !f.ignoreRange && ifRangeOk) {
      if ((f.refuseRange ?? 0) > 0 || Number(m[1]) >= blob.byteLength) {
        f.refuseRange = Math.max(0, (f.refuseRange ?? 0) - 1);
        res.writeHead(416, { 'content-range': `bytes */${blob.byteLength}` }).end();
        return;
      }
      start = Number(m[1]);
      end = m[2] ? Math.min(blob.byteLength, Number(m[2]) + 1) : blob.byteLength;
      status = 206;
    }
    let body = blob.slice(start, end);
    if (f.flipAt !== undefined && f.flipAt >= start && f.flipAt < end) body[f.flipAt - start]! ^= 0xff;
    if (f.extraBytes) {
      const more = new Uint8Array(body.byteLength + f.extraBytes);
      more.set(body);
      body = more;
    }
    const headers: Record<string, string> = { etag, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
    if (status === 206) headers['content-range'] = `bytes ${start}-${end - 1}/${blob.byteLength}`;
    headers['content-length'] = String(body.byteLength);
    res.writeHead(status, headers);
    let limit = body.byteLength;
    let cut = false;
    if (f.cutAfterBytes !== undefined && (f.cutRequests ?? 1) > 0) {
      f.cutRequests = (f.cutRequests ?? 1) - 1;
      limit = Math.min(limit, f.cutAfterBytes);
      cut = true;
    }
    await send(res, body.subarray(0, limit), f.slow);
    state.bytesSent += limit;
    if (cut) res.destroy();
    else res.end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

async function send(res: ServerResponse, bytes: Uint8Array, slow?: { pieceBytes: number; pauseMs: number }): Promise<void> {
  const piece = slow?.pieceBytes ?? 64 * 1024;
  for (let at = 0; at < bytes.byteLength; at += piece) {
    if (res.destroyed) return;
    const ok = res.write(bytes.subarray(at, at + piece));
    if (!ok) await new Promise((r) => res.once('drain', r));
    if (slow) await new Promise((r) => setTimeout(r, slow.pauseMs));
  }
}

/* ----------------------------------------------------------------- a real sync service on a temp data dir */

export interface SyncService {
  dataDir: string;
  work: string;
  url: string;
  port: number;
  /** Runs a `voice-agent` admin command in-process (keys, bundle, device, rollout); throws on a non-zero exit. */
  cli(args: string[]): Promise<string>;
  /** Packs a folder of files and publishes it rolled out to 100 % of devices. */
  publish(id: string, version: string, files: Record<string, Uint8Array | string>, opts?: { kind?: string; role?: string; chunk?: string; rollout?: boolean }): Promise<void>;
  enrolCode(branch?: string): Promise<string>;
  /** The signed manifest of a bundle published by publish() (read from its .vab header). */
  manifest(id: string, version: string): Promise<BundleMetadata>;
  /** Path of a blob in the service's store (to damage it on purpose). */
  blobPath(sha256: string): string;
  /** Stops the server, dropping open connections (a crash, from the device's point of view). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface SyncServiceOptions {
  freshnessLifetimeSeconds?: number;
  port?: number;
  /** Serve this folder as the app (default: a page that says "sync test"). */
  appDir?: string;
  /** Sees every request (method, path, Range header), e.g. to count what a client asks for. */
  onRequest?: (r: { method: string; url: string; range?: string }) => void;
}

export async function startSyncService(opts: SyncServiceOptions = {}): Promise<SyncService> {
  const { mkdtemp, mkdir, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { dirname } = await import('node:path');
  const { createServer: createSyncServer } = await import('../../server/app.ts');
  const work = await mkdtemp(join(tmpdir(), 'va-sync-'));
  const dataDir = join(work, 'data');
  const appDir = opts.appDir ?? join(work, 'app');
  if (!opts.appDir) {
    await mkdir(appDir, { recursive: true });
    await writeFile(join(appDir, 'index.html'), '<!doctype html><title>sync test</title>');
  }
  type Run = (args: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }) => Promise<number>;
  const commands: Record<string, () => Promise<Run>> = {
    keys: async () => (await import('../../server/commands/keys.ts')).runKeys as Run,
    bundle: async () => (await import('../../server/commands/bundle.ts')).runBundle as Run,
    device: async () => (await import('../../server/commands/device.ts')).runDevice as Run,
    rollout: async () => (await import('../../server/commands/rollout.ts')).runRollout as Run,
  };
  const cli = async (args: string[]): Promise<string> => {
    const [cmd, ...rest] = args;
    const run = await commands[cmd!]!();
    let out = '';
    let err = '';
    const code = await run([...rest, '--data', dataDir], { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
    if (code !== 0) throw new Error(`voice-agent ${args.join(' ')} exited ${code}: ${err}`);
    return out;
  };
  await cli(['keys', 'init']);

  let app: Awaited<ReturnType<typeof createSyncServer>> | undefined;
  let port = opts.port ?? 0;
  const startApp = async () => {
    app = await createSyncServer({
      dataDir, appDir, logger: false,
      sync: { freshnessLifetimeSeconds: opts.freshnessLifetimeSeconds ?? 3600, updatesPerDevicePerMinute: 0 },
    });
    const seen = opts.onRequest;
    if (seen) {
      app.addHook('onRequest', async (req) => {
        seen({ method: req.method, url: req.url, range: req.headers.range });
      });
    }
    await app.listen({ port, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  };
  await startApp();
  const svc: SyncService = {
    dataDir, work, port, url: `http://127.0.0.1:${port}`,
    cli,
    async publish(id, version, files, o = {}) {
      const src = join(work, 'src', `${id}-${version}`);
      for (const [path, content] of Object.entries(files)) {
        await mkdir(dirname(join(src, path)), { recursive: true });
        await writeFile(join(src, path), content);
      }
      const vab = join(work, `${id}-${version}.vab`);
      const kind = o.kind ?? 'kb';
      await cli(['bundle', 'pack', src, '--kind', kind, '--version', version, '--id', id, '--role', `${kind}=${o.role ?? Object.keys(files)[0]}`,
        '--chunk-size', o.chunk ?? '4K', '--out', vab]);
      await cli(['bundle', 'publish', vab, ...(o.rollout === false ? [] : ['--rollout', '100'])]);
    },
    async enrolCode(branch = 'b1') {
      return (JSON.parse(await cli(['device', 'enroll-code', '--branch', branch, '--json'])) as { code: string }).code;
    },
    async manifest(id, version) {
      const { readVabHeader } = await import('../../src/bundles/container.ts');
      const bytes = new Uint8Array(await readFile(join(work, `${id}-${version}.vab`)));
      const r = readVabHeader(bytes);
      if ('need' in r) throw new Error('short .vab');
      return r.header.manifest.signed;
    },
    blobPath: (sha) => join(dataDir, 'blobs', sha.slice(0, 2), sha),
    async kill() {
      if (!app) return;
      const a = app;
      app = undefined;
      a.server.closeAllConnections();
      await a.close();
    },
    async restart() {
      await startApp();
    },
    async close() {
      await svc.kill();
      await rm(work, { recursive: true, force: true });
    },
  };
  return svc;
}

/**
 * A pass-through HTTP proxy in front of the sync service that slows blob downloads to `bytesPerSecond`, so a
 * test can kill the real server in the middle of one (on localhost a download is otherwise over before the
 * test can react). When the server dies, the proxy drops the client's connection too, as the server would.
 */
export async function startThrottle(upstreamPort: number, bytesPerSecond: number): Promise<{ url: string; close(): Promise<void> }> {
  const { request } = await import('node:http');
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const up = request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, async (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.on('close', () => {
        if (!ur.complete) res.destroy();
      });
      if (!req.url?.startsWith('/api/v1/blobs/')) {
        ur.pipe(res);
        return;
      }
      const piece = 64 * 1024;
      try {
        for await (const part of ur as AsyncIterable<Buffer>) {
          for (let at = 0; at < part.length; at += piece) {
            if (res.destroyed) return;
            const slice = part.subarray(at, at + piece);
            if (!res.write(slice)) await new Promise((r) => res.once('drain', r));
            await new Promise((r) => setTimeout(r, (slice.length / bytesPerSecond) * 1000));
          }
        }
        res.end();
      } catch {
        res.destroy();
      }
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bad_gateway', message: 'The sync service is down.' }));
      else res.destroy();
    });
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
