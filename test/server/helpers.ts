/** A real sync server on localhost with a temporary data directory, and the publisher and device sides around it. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../server/app.ts';
import { bytesSource, DiskBlobStore } from '../../server/sync/blob-store.ts';
import { initDataDir, type InitResult } from '../../server/sync/data-dir.ts';
import { SqliteMetadataStore } from '../../server/sync/metadata-store.ts';
import type { SyncTuning } from '../../server/sync/routes.ts';
import { exportWrapPublicKey, generateWrapKeyPair } from '../../src/bundles/keywrap.ts';
import type { BundleKind } from '../../src/bundles/metadata.ts';
import { encryptBundle, type PackedBundle } from '../../src/bundles/node-pack.ts';
import { importSigningKey, signedHash, type SigningKey } from '../../src/bundles/signing.ts';

export interface SyncServer {
  baseUrl: string;
  app: FastifyInstance;
  data: InitResult;
  publisher: SigningKey;
  /** The same database and blob directory the server uses, opened separately (as the admin CLI does). */
  store: SqliteMetadataStore;
  blobs: DiskBlobStore;
  dirs: { appDir: string; dataDir: string };
  close(): Promise<void>;
}

/** Another server process on the same data directory (as after a restart, or a second app server). */
export async function listen(appDir: string, dataDir: string, sync: SyncTuning = {}): Promise<{ app: FastifyInstance; baseUrl: string }> {
  const app = await createServer({ appDir, dataDir, logger: false, sync });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { app, baseUrl: `http://127.0.0.1:${port}` };
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function startSyncServer(sync: SyncTuning = {}): Promise<SyncServer> {
  const root = await tempDir('va-sync-test-');
  const appDir = join(root, 'app');
  const dataDir = join(root, 'data');
  const data = await initDataDir(dataDir);
  await mkdir(appDir, { recursive: true });
  await writeFile(join(appDir, 'index.html'), '<!doctype html><title>test</title>');
  const { app, baseUrl } = await listen(appDir, dataDir, sync);
  const store = new SqliteMetadataStore(data.paths.db);
  const publisher = await importSigningKey(JSON.parse(await readFile(data.paths.publisherKey, 'utf8')) as JsonWebKey);
  return {
    baseUrl,
    app,
    dirs: { appDir, dataDir },
    data,
    publisher,
    store,
    blobs: new DiskBlobStore(data.paths.blobs),
    async close() {
      await app.close();
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export interface Published extends PackedBundle {
  /** Encrypted blob bytes by SHA-256. */
  blobBytes: Map<string, Uint8Array>;
  contentKey: Uint8Array;
  manifestSha: string;
}

export interface BundleSpec {
  id: string;
  version: string;
  kind?: BundleKind;
  files?: Record<string, Uint8Array>;
  chunkSize?: number;
  minAppVersion?: string;
  requires?: { webgpu?: boolean; memoryMB?: number };
}

/** Packs a bundle in memory with the core API and publishes it into the server's stores, as `bundle publish` does. */
/** What publishing needs: the publisher key, the root (for the wrap key) and the stores. */
export type PublishTarget = Pick<SyncServer, 'publisher' | 'store' | 'blobs'> & { data: Pick<InitResult, 'root'> };

export async function publish(s: PublishTarget, spec: BundleSpec): Promise<Published> {
  const files = spec.files ?? { 'kb/data.json': new TextEncoder().encode(JSON.stringify({ id: spec.id, version: spec.version })) };
  const contentKey = crypto.getRandomValues(new Uint8Array(32));
  const parts: Uint8Array[][] = Object.keys(files).map(() => []);
  const packed = await encryptBundle(
    {
      id: spec.id,
      kind: spec.kind ?? 'kb',
      version: spec.version,
      languages: ['en'],
      roles: { [spec.kind ?? 'kb']: Object.keys(files)[0]! },
      chunkSize: spec.chunkSize,
      minAppVersion: spec.minAppVersion,
      requires: spec.requires,
      files: Object.entries(files).map(([path, source]) => ({ path, source })),
    },
    { publisher: s.publisher, recipient: s.data.root.signed.wrapKey, contentKey },
    async (i, enc) => void parts[i]!.push(enc.slice()),
  );
  const blobBytes = new Map<string, Uint8Array>();
  for (const [i, f] of packed.manifest.signed.files.entries()) {
    const bytes = Buffer.concat(parts[i]!);
    await s.blobs.put(bytesSource(bytes), f.blob);
    blobBytes.set(f.blob, new Uint8Array(bytes));
  }
  const manifestSha = await signedHash(packed.manifest);
  await s.store.putBundle({
    id: spec.id,
    version: spec.version,
    kind: spec.kind ?? 'kb',
    manifestJson: JSON.stringify(packed.manifest),
    manifestSha,
    keyEnvelope: packed.keyEnvelope,
    size: packed.manifest.signed.files.reduce((a, f) => a + f.encSize, 0),
    blobs: packed.manifest.signed.files.map((f) => f.blob),
  });
  return { ...packed, blobBytes, contentKey, manifestSha };
}

export interface TestDevice {
  deviceId: string;
  token: string;
  branch: string;
  privateKey: CryptoKey;
  publicKey: string;
  auth: { authorization: string };
}

/** A device as the PWA makes one: a non-extractable P-256 key pair, then POST /api/v1/enroll with a fresh code. */
export async function enrollDevice(s: SyncServer, branch = 'mumbai-fort', extra: Record<string, unknown> = {}): Promise<TestDevice> {
  const { code } = await s.store.createEnrollCode({ branch });
  const pair = await generateWrapKeyPair(false);
  const publicKey = (await exportWrapPublicKey(pair.publicKey)).public;
  const res = await fetch(`${s.baseUrl}/api/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, publicKey, appVersion: '0.1.0', label: 'test kiosk', capabilities: { webgpu: false }, ...extra }),
  });
  if (res.status !== 200) throw new Error(`enrol failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { deviceId: string; token: string; branch: string };
  return { ...body, privateKey: pair.privateKey, publicKey, auth: { authorization: `Bearer ${body.token}` } };
}

export const randomBytes = (n: number): Uint8Array => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
};
