/**
 * Packing bundles in Node (the publisher's CLI, the build of the embedded default bundles, tests): reads each
 * file chunk by chunk, encrypts, hashes, and signs the manifest. Memory stays at about one chunk, so
 * multi-gigabyte models pack too. Browsers never pack, so this uses node:crypto's streaming hash.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { chunkAad, chunkCount, DEFAULT_CHUNK_SIZE, encryptChunk, generateContentKey, importContentKey } from './chunks.ts';
import { encodeVabHeader } from './container.ts';
import { b64u } from './encoding.ts';
import { wrapContentKey, type KeyEnvelope } from './keywrap.ts';
import { isSafePath, isValidBundleId, isValidVersion, parseBundleMetadata, type BundleKind, type BundleMetadata, type ManifestFile } from './metadata.ts';
import { signEnvelope, type PublicKeyInfo, type Signed, type SigningKey } from './signing.ts';
import { BundleError } from './source.ts';

export interface PackFile {
  path: string;
  /** An absolute file path, or the bytes themselves. */
  source: string | Uint8Array;
}

export interface PackInput {
  id: string;
  kind: BundleKind;
  version: string;
  languages?: string[];
  minAppVersion?: string;
  requires?: BundleMetadata['requires'];
  roles: Record<string, string>;
  chunkSize?: number;
  files: PackFile[];
}

export interface PackOptions {
  publisher: SigningKey;
  /** The sync service's wrap key, or "none" for the public embedded bundles. */
  recipient: PublicKeyInfo | 'none';
  onProgress?: (doneBytes: number, totalBytes: number, path: string) => void;
  /** For tests and the embedded default: a fixed content key. */
  contentKey?: Uint8Array;
}

export interface PackedBundle {
  manifest: Signed<BundleMetadata>;
  keyEnvelope: KeyEnvelope;
}

type ChunkSink = (fileIndex: number, enc: Uint8Array) => Promise<void>;

async function sizeOf(f: PackFile): Promise<number> {
  return typeof f.source === 'string' ? (await stat(f.source)).size : f.source.length;
}

function checkInput(input: PackInput): void {
  const bad = (what: string) => new BundleError(`Cannot pack: ${what}.`);
  if (!isValidBundleId(input.id)) throw bad(`bundle id "${input.id}" must be lower-case letters, digits, ".", "_" or "-"`);
  if (!isValidVersion(input.version)) throw bad(`version "${input.version}" must be dotted numbers like 1.2.0`);
  if (input.minAppVersion && !isValidVersion(input.minAppVersion)) throw bad(`min app version "${input.minAppVersion}" must be dotted numbers`);
  const seen = new Set<string>();
  for (const f of input.files) {
    if (!isSafePath(f.path) || seen.has(f.path)) throw bad(`file path "${f.path}" must be relative, without "..", and unique`);
    seen.add(f.path);
  }
}

/** Encrypts every file chunk by chunk into `sink` and returns the signed manifest. */
export async function encryptBundle(input: PackInput, opts: PackOptions, sink: ChunkSink): Promise<PackedBundle> {
  checkInput(input);
  const chunkSize = input.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const rawKey = opts.contentKey ?? generateContentKey();
  const key = await importContentKey(rawKey);
  const sizes = await Promise.all(input.files.map(sizeOf));
  const total = sizes.reduce((a, b) => a + b, 0);
  let done = 0;
  const files: ManifestFile[] = [];
  for (const [i, f] of input.files.entries()) {
    const size = sizes[i]!;
    const n = chunkCount(size, chunkSize);
    const plainHash = createHash('sha256');
    const blobHash = createHash('sha256');
    const chunks: string[] = [];
    const handle = typeof f.source === 'string' ? await open(f.source, 'r') : undefined;
    try {
      for (let c = 0; c < n; c++) {
        const len = Math.min(chunkSize, size - c * chunkSize);
        let plain: Uint8Array;
        if (handle) {
          plain = new Uint8Array(len);
          const { bytesRead } = await handle.read(plain, 0, len, c * chunkSize);
          if (bytesRead !== len) throw new BundleError(`Cannot pack: ${f.path} changed while it was being read.`);
        } else {
          plain = (f.source as Uint8Array).subarray(c * chunkSize, c * chunkSize + len);
        }
        plainHash.update(plain);
        const enc = await encryptChunk(key, plain, chunkAad(input.id, input.version, f.path, c, n));
        blobHash.update(enc);
        chunks.push(createHash('sha256').update(enc).digest('hex'));
        await sink(i, enc);
        done += len;
        opts.onProgress?.(done, total, f.path);
      }
    } finally {
      await handle?.close();
    }
    files.push({ path: f.path, size, sha256: plainHash.digest('hex'), blob: blobHash.digest('hex'), encSize: size + 28 * n, chunks });
  }
  const signed: BundleMetadata = {
    type: 'bundle',
    spec: 1,
    id: input.id,
    kind: input.kind,
    version: input.version,
    languages: input.languages ?? [],
    created: new Date().toISOString(),
    minAppVersion: input.minAppVersion ?? '0.0.0',
    requires: input.requires ?? {},
    roles: input.roles,
    chunkSize,
    files,
  };
  const manifest = await signEnvelope(signed, [opts.publisher]);
  parseBundleMetadata(manifest);
  const keyEnvelope: KeyEnvelope =
    opts.recipient === 'none' ? { alg: 'none', key: b64u(rawKey) } : await wrapContentKey(rawKey, opts.recipient, input.id, input.version);
  return { manifest, keyEnvelope };
}

async function write(stream: NodeJS.WritableStream, bytes: Uint8Array): Promise<void> {
  if (!stream.write(bytes)) await once(stream, 'drain');
}

async function closeStream(stream: ReturnType<typeof createWriteStream>): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/** Packs into one `.vab` file: blobs go to a temporary file first, because the header (with hashes) comes first. */
export async function packVab(input: PackInput, opts: PackOptions, outFile: string): Promise<PackedBundle> {
  await mkdir(dirname(outFile), { recursive: true });
  const tmpBlobs = `${outFile}.blobs.tmp`;
  const tmpOut = `${outFile}.tmp`;
  try {
    const blobs = createWriteStream(tmpBlobs);
    const packed = await encryptBundle(input, opts, (_i, enc) => write(blobs, enc));
    await closeStream(blobs);
    const out = createWriteStream(tmpOut);
    await write(out, encodeVabHeader({ format: 'vab/1', manifest: packed.manifest, keyEnvelope: packed.keyEnvelope }));
    const { createReadStream } = await import('node:fs');
    for await (const part of createReadStream(tmpBlobs, { highWaterMark: 1 << 20 })) await write(out, part as Uint8Array);
    await closeStream(out);
    await rename(tmpOut, outFile);
    return packed;
  } finally {
    await rm(tmpBlobs, { force: true });
    await rm(tmpOut, { force: true });
  }
}

/** Packs into a folder of content-addressed blobs (`<dir>/<sha256>`): how the embedded default bundles ship. */
export async function packToBlobDir(input: PackInput, opts: PackOptions, dir: string): Promise<PackedBundle> {
  await mkdir(dir, { recursive: true });
  let current: { index: number; stream: ReturnType<typeof createWriteStream>; path: string } | undefined;
  const tmps: string[] = [];
  const packed = await encryptBundle(input, opts, async (i, enc) => {
    if (current?.index !== i) {
      if (current) await closeStream(current.stream);
      const path = join(dir, `.tmp-${process.pid}-${i}`);
      tmps.push(path);
      current = { index: i, stream: createWriteStream(path), path };
    }
    await write(current.stream, enc);
  });
  if (current) await closeStream(current.stream);
  for (const [i, f] of packed.manifest.signed.files.entries()) await rename(tmps[i]!, join(dir, f.blob));
  return packed;
}
