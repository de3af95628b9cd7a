/**
 * Chunked AES-256-GCM (docs/bundle-format.md, "Chunk encryption"). WebCrypto has no streaming AES-GCM, so
 * each chunk is sealed on its own; the additional data binds it to its bundle, file and position.
 */
import { buf, hex, sha256, utf8 } from './encoding.ts';
import type { BundleMetadata, ManifestFile } from './metadata.ts';
import { BundleError } from './source.ts';

export const DEFAULT_CHUNK_SIZE = 1 << 20;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const CHUNK_OVERHEAD = IV_BYTES + TAG_BYTES;

/** An empty file still has one (empty) chunk, so its existence is authenticated too. */
export const chunkCount = (size: number, chunkSize: number): number => Math.max(1, Math.ceil(size / chunkSize));

/** Where encrypted chunk `index` sits in the file's blob (end exclusive). */
export function encryptedChunkRange(file: ManifestFile, chunkSize: number, index: number): { start: number; end: number } {
  const start = index * (chunkSize + CHUNK_OVERHEAD);
  const plainLen = Math.min(chunkSize, file.size - index * chunkSize);
  return { start, end: start + Math.max(0, plainLen) + CHUNK_OVERHEAD };
}

export function chunkAad(bundleId: string, version: string, path: string, index: number, count: number): Uint8Array {
  return utf8(`va-bundle/1\n${bundleId}\n${version}\n${path}\n${index}\n${count}`);
}

export function generateContentKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

export function importContentKey(raw: Uint8Array, extractable = false): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', buf(raw), { name: 'AES-GCM' }, extractable, ['encrypt', 'decrypt']);
}

/** iv ‖ ciphertext ‖ tag, with a fresh random 96-bit IV. */
export async function encryptChunk(key: CryptoKey, plain: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: buf(aad) }, key, buf(plain)));
  const out = new Uint8Array(IV_BYTES + sealed.length);
  out.set(iv);
  out.set(sealed, IV_BYTES);
  return out;
}

export async function checkChunkHash(enc: Uint8Array, file: ManifestFile, index: number, bundleId: string): Promise<void> {
  expectChunkHash(hex(await sha256(enc)), file, index, bundleId);
}

/** For a hash computed elsewhere (another thread): it must be the one the signed manifest lists. */
export function expectChunkHash(actual: string, file: ManifestFile, index: number, bundleId: string): void {
  const expected = file.chunks[index];
  if (expected === undefined || actual !== expected) {
    throw new BundleError(
      `Chunk ${index} of "${file.path}" in bundle "${bundleId}" does not match its signed hash: it was damaged or tampered with ` +
        'on the way. It was not used; the download will be retried, and the version you have keeps working.',
    );
  }
}

/** Verifies the chunk's signed hash, then decrypts it (which checks the GCM tag and the bound position). */
export async function openChunk(key: CryptoKey, enc: Uint8Array, bundle: BundleMetadata, file: ManifestFile, index: number): Promise<Uint8Array> {
  await checkChunkHash(enc, file, index, bundle.id);
  return decryptChunk(key, enc, bundle, file, index);
}

/** GCM-decrypts one chunk with its position as additional data; throws if the tag or the position is wrong. */
export async function decryptChunk(key: CryptoKey, enc: Uint8Array, bundle: BundleMetadata, file: ManifestFile, index: number): Promise<Uint8Array> {
  const count = file.chunks.length;
  if (enc.length < CHUNK_OVERHEAD) throw new BundleError(`Chunk ${index} of "${file.path}" is truncated.`);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: buf(enc.subarray(0, IV_BYTES)), additionalData: buf(chunkAad(bundle.id, bundle.version, file.path, index, count)) },
      key,
      buf(enc.subarray(IV_BYTES)),
    );
    return new Uint8Array(plain);
  } catch {
    throw new BundleError(
      `Chunk ${index} of "${file.path}" in bundle "${bundle.id}" ${bundle.version} could not be decrypted: the content key ` +
        'does not match or the chunk was moved. It was not used. Re-enrol this device or ask IT to re-publish the bundle.',
    );
  }
}
