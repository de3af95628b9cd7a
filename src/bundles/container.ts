/** The packed `.vab` file (docs/bundle-format.md, "Packed file"): magic ‖ u32 header length ‖ header JSON ‖ blobs. */
import type { KeyEnvelope } from './keywrap.ts';
import { parseBundleMetadata, type BundleMetadata } from './metadata.ts';
import type { PublicKeyInfo, Signed } from './signing.ts';
import { BundleError } from './source.ts';

export const VAB_MAGIC = 'VABUNDLE';
const PREFIX = VAB_MAGIC.length + 4;
/** A header beyond this is not a bundle (a 1 GB model at 1 MiB chunks needs about 70 KB). */
const MAX_HEADER = 64 << 20;

export interface VabHeader {
  format: 'vab/1';
  manifest: Signed<BundleMetadata>;
  keyEnvelope: KeyEnvelope;
}

export function encodeVabHeader(h: VabHeader): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(h));
  const out = new Uint8Array(PREFIX + json.length);
  out.set(new TextEncoder().encode(VAB_MAGIC));
  new DataView(out.buffer).setUint32(VAB_MAGIC.length, json.length);
  out.set(json, PREFIX);
  return out;
}

/** Reads the header from the start of a file; `{ need }` says how many leading bytes to read first. */
export function readVabHeader(prefix: Uint8Array): { header: VabHeader; dataOffset: number } | { need: number } {
  if (prefix.length < PREFIX) return { need: PREFIX };
  if (new TextDecoder().decode(prefix.subarray(0, VAB_MAGIC.length)) !== VAB_MAGIC) {
    throw new BundleError('This is not a voice-agent bundle file (.vab): its first bytes are wrong. Use a file made by "voice-agent bundle pack".');
  }
  const len = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength).getUint32(VAB_MAGIC.length);
  if (len > MAX_HEADER) throw new BundleError(`The bundle file's header claims ${len} bytes, more than any bundle needs: the file is damaged.`);
  if (prefix.length < PREFIX + len) return { need: PREFIX + len };
  let header: VabHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(prefix.subarray(PREFIX, PREFIX + len))) as VabHeader;
  } catch {
    throw new BundleError('The bundle file header is not valid JSON: the file is damaged or truncated. Copy it again or re-pack it.');
  }
  if (header?.format !== 'vab/1') throw new BundleError(`Unknown bundle file format ${JSON.stringify(header?.format)}; this app reads vab/1.`);
  parseBundleMetadata(header.manifest);
  if (!header.keyEnvelope || typeof header.keyEnvelope !== 'object') throw new BundleError('The bundle file has no key envelope; re-pack it.');
  return { header, dataOffset: PREFIX + len };
}

/**
 * The app's embedded bundles (`models/default/index.json`, docs/bundle-format.md "Key envelope"): the publisher
 * key that signs them and each bundle's manifest with its (public) key envelope; blobs sit at `blobs/<sha256>`.
 */
export interface EmbeddedIndex {
  publisher: PublicKeyInfo;
  bundles: Array<{ manifest: Signed<BundleMetadata>; keyEnvelope: KeyEnvelope }>;
}

/** Where each file's blob starts in the packed file. */
export function blobOffsets(manifest: BundleMetadata, dataOffset: number): number[] {
  let at = dataOffset;
  return manifest.files.map((f) => {
    const start = at;
    at += f.encSize;
    return start;
  });
}
