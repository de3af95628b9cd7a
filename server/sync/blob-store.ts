/**
 * Encrypted blobs, named by the SHA-256 of their bytes. Content addressing makes them immutable: a name is
 * written once and never changes, so any cache (a CDN, a branch proxy, the browser) may keep a blob forever.
 * The interface is what the routes use, so S3-compatible object storage can replace the disk later.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface BlobStore {
  has(sha256: string): Promise<boolean>;
  stat(sha256: string): Promise<{ size: number } | undefined>;
  /**
   * Stores bytes and returns their hash. With `expectedSha`, bytes that hash differently are refused and
   * nothing is stored. Storing a blob that exists already is a no-op.
   */
  put(source: AsyncIterable<Uint8Array> | Readable, expectedSha?: string): Promise<{ sha256: string; size: number }>;
  createReadStream(sha256: string, range?: ByteRange): Readable;
  delete(sha256: string): Promise<void>;
  /** Throws with a reason when the store cannot be used (for the health check). */
  check(): Promise<void>;
}

export class BlobStoreError extends Error {
  override name = 'BlobStoreError';
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256Hex(s: string): boolean {
  return SHA256_HEX.test(s);
}

function assertSha(sha: string): void {
  if (!SHA256_HEX.test(sha)) throw new BlobStoreError(`"${sha}" is not a blob name: expected 64 lower-case hex digits.`);
}

/** `<root>/ab/<sha256>`: two-level fan-out keeps directories small with hundreds of thousands of blobs. */
export class DiskBlobStore implements BlobStore {
  private readonly tmpDir: string;

  constructor(readonly root: string) {
    this.tmpDir = join(root, 'tmp');
  }

  pathOf(sha256: string): string {
    assertSha(sha256);
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== undefined;
  }

  async stat(sha256: string): Promise<{ size: number } | undefined> {
    try {
      const s = await stat(this.pathOf(sha256));
      return s.isFile() ? { size: s.size } : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async put(source: AsyncIterable<Uint8Array> | Readable, expectedSha?: string): Promise<{ sha256: string; size: number }> {
    if (expectedSha !== undefined) assertSha(expectedSha);
    await mkdir(this.tmpDir, { recursive: true });
    // A temporary name in the same file system, then an atomic rename: readers never see half a blob.
    const tmp = join(this.tmpDir, `${Date.now()}-${randomBytes(6).toString('hex')}.part`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      const handle = await open(tmp, 'wx', 0o640);
      try {
        for await (const chunk of source as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          size += chunk.byteLength;
          // write() may write less than asked; loop until the chunk is all on its way to disk.
          for (let at = 0; at < chunk.byteLength; ) at += (await handle.write(chunk, at, chunk.byteLength - at)).bytesWritten;
        }
        // On disk before the rename: after a power cut the name never points at a blob with missing bytes.
        await handle.sync();
      } finally {
        await handle.close();
      }
      const sha256 = hash.digest('hex');
      if (expectedSha !== undefined && sha256 !== expectedSha) {
        throw new BlobStoreError(
          `The blob's bytes hash to ${sha256}, not the expected ${expectedSha}: it was changed or cut short. ` +
            'Nothing was stored; re-pack or re-copy the bundle and publish it again.',
        );
      }
      const dest = this.pathOf(sha256);
      await mkdir(join(this.root, sha256.slice(0, 2)), { recursive: true });
      await rename(tmp, dest);
      return { sha256, size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  createReadStream(sha256: string, range?: ByteRange): Readable {
    // 256 KiB reads: fewer syscalls and socket writes than the 64 KiB default on multi-gigabyte blobs.
    return createReadStream(this.pathOf(sha256), { highWaterMark: 256 * 1024, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  async delete(sha256: string): Promise<void> {
    try {
      await unlink(this.pathOf(sha256));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await readdir(this.root);
  }
}

/** Bytes in memory as a stream source for `put` (tests, small files). */
export function bytesSource(bytes: Uint8Array): Readable {
  return Readable.from([bytes]);
}
