/**
 * Full verification of a packed `.vab` file, as `voice-agent bundle verify` and `bundle publish` do it:
 * header and length, the manifest's signature under the root's targets role, the key envelope, then every
 * chunk's signed hash, every blob's hash and — when the service's wrap key is at hand — every GCM tag and
 * each file's plain SHA-256. Chunk by chunk, so memory stays at about one chunk whatever the file's size.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { decryptChunk, encryptedChunkRange } from '../../src/bundles/chunks.ts';
import { unwrapContentKey } from '../../src/bundles/keywrap.ts';
import type { BundleMetadata, RootMetadata } from '../../src/bundles/metadata.ts';
import { keyIdOf, signedHash, verifyEnvelope } from '../../src/bundles/signing.ts';
import { BundleError } from '../../src/bundles/source.ts';
import { openVabFile, VabFileError, type VabFile } from './vab-file.ts';

export { VabFileError };

export interface TrustAnchor {
  /** The root whose targets role must sign the manifest. */
  root: RootMetadata;
  /** The service's wrap private key: without it, GCM tags and plain hashes cannot be checked. */
  wrapPrivate?: CryptoKey;
}

export interface VerifySummary {
  id: string;
  kind: string;
  version: string;
  languages: string[];
  files: number;
  chunks: number;
  plainBytes: number;
  blobBytes: number;
  fileBytes: number;
  /** Hex SHA-256 of the canonical manifest `signed` object (what freshness metadata pins). */
  manifestSha: string;
  signedBy: string[];
  /** 'wrapped' (to the service key), or 'none' (a public bundle). */
  keyEnvelope: 'wrapped' | 'none';
  /** True when every chunk was decrypted (GCM tags and plain hashes checked). */
  decrypted: boolean;
}

const short = (keyid: string) => keyid.slice(0, 16);

/** An opened, header- and signature-checked `.vab` file whose blobs can be read verified, one at a time. */
export class VabVerifier {
  private constructor(
    readonly vab: VabFile,
    readonly manifestSha: string,
    private readonly key: CryptoKey | undefined,
    private readonly handle: FileHandle,
  ) {}

  get manifest(): BundleMetadata {
    return this.vab.header.manifest.signed;
  }

  get decrypts(): boolean {
    return this.key !== undefined;
  }

  static async open(path: string, trust: TrustAnchor): Promise<VabVerifier> {
    const vab = await openVabFile(path);
    const { manifest, keyEnvelope } = vab.header;
    const m = manifest.signed;
    const what = `bundle ${m.id} ${m.version}`;
    const targets = trust.root.roles.targets;
    try {
      await verifyEnvelope(manifest, trust.root.keys, targets, what);
    } catch (e) {
      if (!(e instanceof BundleError)) throw e;
      const ids = manifest.signatures.map((s) => (s && typeof s.keyid === 'string' ? s.keyid : '?'));
      const trusted = ids.filter((id) => targets.keyids.includes(id));
      throw new BundleError(
        trusted.length > 0
          ? `${path}: the manifest's signature does not match the manifest (key ${short(trusted[0]!)}…): the manifest or its ` +
              'signature was changed after packing. Copy the file again, or pack it again.'
          : `${path}: the manifest is signed by ${ids.length ? ids.map((id) => `${short(id)}…`).join(', ') : 'no key'}, not by this ` +
              `service's publisher key (${targets.keyids.map((id) => `${short(id)}…`).join(', ')}). Pack it with the publisher key ` +
              'of this data dir (--publisher-key), or verify against the right root (--root).',
      );
    }
    let key: CryptoKey | undefined;
    if (keyEnvelope.alg !== 'none') {
      const serviceKid = await keyIdOf(trust.root.wrapKey);
      if (keyEnvelope.kid !== serviceKid) {
        throw new BundleError(
          `${path}: the content key is wrapped for another sync service (key ${short(String(keyEnvelope.kid))}…), not this one ` +
            `(${short(serviceKid)}…), so this service could not hand it to devices. Pack it again with --wrap-key pointing at this ` +
            "service's root.json.",
        );
      }
      if (trust.wrapPrivate) {
        try {
          key = await unwrapContentKey(keyEnvelope, trust.wrapPrivate, m.id, m.version);
        } catch (e) {
          if (!(e instanceof BundleError)) throw e;
          throw new BundleError(
            `${path}: the content key envelope cannot be opened with this service's wrap key: the envelope was damaged. Pack it again.`,
          );
        }
      }
    } else if (trust.wrapPrivate) {
      key = await unwrapContentKey(keyEnvelope, undefined, m.id, m.version);
    }
    const handle = await open(path, 'r');
    return new VabVerifier(vab, await signedHash(manifest), key, handle);
  }

  /**
   * The encrypted chunks of file `index`, each yielded only after its signed hash (and GCM tag) checked out;
   * throws naming the first problem. At the end, the blob hash and the plain SHA-256 are checked too.
   */
  async *blob(index: number, onBytes?: (n: number) => void): AsyncGenerator<Uint8Array> {
    const m = this.manifest;
    const file = m.files[index]!;
    const base = this.vab.offsets[index]!;
    const count = file.chunks.length;
    const blobHash = createHash('sha256');
    const plainHash = createHash('sha256');
    let plainBytes = 0;
    for (let c = 0; c < count; c++) {
      const { start, end } = encryptedChunkRange(file, m.chunkSize, c);
      const enc = new Uint8Array(end - start);
      const { bytesRead } = await this.handle.read(enc, 0, enc.length, base + start);
      if (bytesRead !== enc.length) throw new BundleError(`${this.vab.path} changed while it was being read (chunk ${c} of ${file.path}). Try again.`);
      if (createHash('sha256').update(enc).digest('hex') !== file.chunks[c]) {
        throw new BundleError(
          `Chunk ${c} of ${file.path} does not match its signed hash: ${this.vab.path} was damaged or tampered with after packing. ` +
            'Copy the file again, or pack it again.',
        );
      }
      blobHash.update(enc);
      if (this.key) {
        let plain: Uint8Array;
        try {
          plain = await decryptChunk(this.key, enc, m, file, c);
        } catch {
          throw new BundleError(
            `Chunk ${c} of ${file.path} fails its GCM check: it was not encrypted with the content key in the file's envelope, or ` +
              'for another position. The packer went wrong; pack the bundle again.',
          );
        }
        plainHash.update(plain);
        plainBytes += plain.length;
      }
      onBytes?.(enc.length);
      yield enc;
    }
    if (blobHash.digest('hex') !== file.blob) {
      throw new BundleError(`The blob of ${file.path} does not match its signed hash although each chunk does: the manifest is inconsistent. Pack it again.`);
    }
    if (this.key && (plainBytes !== file.size || plainHash.digest('hex') !== file.sha256)) {
      throw new BundleError(`${file.path} decrypts to bytes that do not match its signed SHA-256 and size. Pack the bundle again.`);
    }
  }

  summary(): VerifySummary {
    const m = this.manifest;
    return {
      id: m.id,
      kind: m.kind,
      version: m.version,
      languages: m.languages,
      files: m.files.length,
      chunks: m.files.reduce((s, f) => s + f.chunks.length, 0),
      plainBytes: m.files.reduce((s, f) => s + f.size, 0),
      blobBytes: this.vab.blobBytes,
      fileBytes: this.vab.size,
      manifestSha: this.manifestSha,
      signedBy: this.vab.header.manifest.signatures.map((s) => s.keyid),
      keyEnvelope: this.vab.header.keyEnvelope.alg === 'none' ? 'none' : 'wrapped',
      decrypted: this.key !== undefined,
    };
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Verifies everything; resolves with a summary or throws naming the first problem. */
export async function verifyVab(path: string, trust: TrustAnchor, onProgress?: (done: number, total: number) => void): Promise<VerifySummary> {
  const v = await VabVerifier.open(path, trust);
  try {
    let done = 0;
    const total = v.vab.blobBytes;
    for (let i = 0; i < v.manifest.files.length; i++) {
      for await (const _ of v.blob(i, (n) => onProgress?.((done += n), total))) {
        // Checking is the point; the bytes are not kept.
      }
    }
    return v.summary();
  } finally {
    await v.close();
  }
}
