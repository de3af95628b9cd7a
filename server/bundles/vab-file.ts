/** Reading a packed `.vab` file from disk (docs/bundle-format.md, "Packed file") with errors that name the file. */
import { open, stat } from 'node:fs/promises';
import { blobOffsets, readVabHeader, type VabHeader } from '../../src/bundles/container.ts';
import { BundleError } from '../../src/bundles/source.ts';

export class VabFileError extends Error {
  override name = 'VabFileError';
}

export interface VabFile {
  path: string;
  header: VabHeader;
  dataOffset: number;
  /** Where each manifest file's blob starts, in manifest order. */
  offsets: number[];
  /** Size of the file on disk. */
  size: number;
  /** Sum of the blobs' encrypted sizes. */
  blobBytes: number;
}

/**
 * Reads and checks the header and the file's length (which catches truncation before any hashing).
 * It does not check the signature: see verify-vab.ts.
 */
export async function openVabFile(path: string): Promise<VabFile> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new VabFileError(`${path} is not a file. Give the path of a .vab file made by "voice-agent bundle pack".`);
    size = s.size;
  } catch (e) {
    if (e instanceof VabFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new VabFileError(code === 'ENOENT' ? `No such file: ${path}. Check the path.` : `Cannot read ${path}: ${(e as Error).message}.`);
  }
  const handle = await open(path, 'r');
  try {
    let prefix = new Uint8Array(0);
    for (;;) {
      let parsed;
      try {
        parsed = readVabHeader(prefix);
      } catch (e) {
        if (e instanceof BundleError) throw new VabFileError(`${path}: ${e.message}`);
        throw e;
      }
      if ('header' in parsed) {
        const blobBytes = parsed.header.manifest.signed.files.reduce((s, f) => s + f.encSize, 0);
        const expected = parsed.dataOffset + blobBytes;
        if (size < expected) {
          throw new VabFileError(
            `${path} is truncated: it has ${size} bytes, and its manifest needs ${expected}. Copy the file again, or pack it again.`,
          );
        }
        if (size > expected) {
          throw new VabFileError(
            `${path} has ${size - expected} bytes after the last blob its manifest names: it was damaged or appended to. ` +
              'Copy the file again, or pack it again.',
          );
        }
        return { path, header: parsed.header, dataOffset: parsed.dataOffset, offsets: blobOffsets(parsed.header.manifest.signed, parsed.dataOffset), size, blobBytes };
      }
      if (parsed.need > size) {
        throw new VabFileError(
          prefix.length === 0
            ? `${path} is not a voice-agent bundle file (.vab): it is only ${size} bytes long. Use a file made by "voice-agent bundle pack".`
            : `${path} is truncated inside its header (${size} bytes, the header needs ${parsed.need}). Copy the file again, or pack it again.`,
        );
      }
      const next = new Uint8Array(parsed.need);
      const { bytesRead } = await handle.read(next, 0, parsed.need, 0);
      if (bytesRead !== parsed.need) throw new VabFileError(`${path} changed while it was being read. Try again.`);
      prefix = next;
    }
  } finally {
    await handle.close();
  }
}
