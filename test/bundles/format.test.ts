import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkAad, encryptChunk, encryptedChunkRange, importContentKey, openChunk } from '../../src/bundles/chunks.ts';
import { blobOffsets, encodeVabHeader, readVabHeader, type VabHeader } from '../../src/bundles/container.ts';
import { b64u, canonicalJson, fromB64u } from '../../src/bundles/encoding.ts';
import { exportWrapPublicKey, generateWrapKeyPair, unwrapContentKey, unwrapContentKeyRaw, wrapContentKey } from '../../src/bundles/keywrap.ts';
import { compareVersions, parseBundleMetadata, type BundleMetadata, type RootMetadata } from '../../src/bundles/metadata.ts';
import { encryptBundle, packVab, type PackInput } from '../../src/bundles/node-pack.ts';
import { generateSigningKey, signEnvelope, signedHash, verifyEnvelope, type Signed, type SigningKey } from '../../src/bundles/signing.ts';

let publisher: SigningKey;
let stranger: SigningKey;
let dir: string;

beforeAll(async () => {
  publisher = (await generateSigningKey()).key;
  stranger = (await generateSigningKey()).key;
  dir = await mkdtemp(join(tmpdir(), 'va-format-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const kbBytes = new TextEncoder().encode('{"topics":[]}'.repeat(300));
const input = (version = '1.0.0'): PackInput => ({
  id: 'gold-loan-kb',
  kind: 'kb',
  version,
  languages: ['hi', 'en'],
  roles: { kb: 'kb/gold-loan.json' },
  chunkSize: 1024,
  files: [
    { path: 'kb/gold-loan.json', source: kbBytes },
    { path: 'empty.txt', source: new Uint8Array(0) },
  ],
});

async function packInMemory(version = '1.0.0', contentKey?: Uint8Array) {
  const blobs: Uint8Array[][] = [];
  const packed = await encryptBundle(input(version), { publisher, recipient: 'none', contentKey }, async (i, enc) => {
    (blobs[i] ??= []).push(enc);
  });
  return { ...packed, blobs };
}

const flip = (b: Uint8Array, at: number) => {
  const c = b.slice();
  c[at] = c[at]! ^ 1;
  return c;
};

describe('canonical JSON and encodings', () => {
  it('orders keys and round-trips base64url', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe('{"a":[2,{"c":2,"d":1}],"b":1}');
    const bytes = crypto.getRandomValues(new Uint8Array(1000));
    expect(fromB64u(b64u(bytes))).toEqual(bytes);
    expect(() => fromB64u('ab+/')).toThrow(/base64url/);
  });
  it('compares versions number by number', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBe(1);
    expect(compareVersions('1.2', '1.2.0')).toBe(0);
    expect(compareVersions('0.9', '1')).toBe(-1);
  });
});

describe('signatures', () => {
  const keysOf = (k: SigningKey) => ({ [k.keyid]: k.publicKey });
  it('verifies a signed envelope and rejects any change to it', async () => {
    const env = await signEnvelope({ type: 'x', n: 1 }, [publisher]);
    const role = { keyids: [publisher.keyid], threshold: 1 };
    await verifyEnvelope(env, keysOf(publisher), role, 'test metadata');
    await expect(verifyEnvelope({ ...env, signed: { type: 'x', n: 2 } }, keysOf(publisher), role, 'test metadata')).rejects.toThrow(/valid signature/);
    const sig = fromB64u(env.signatures[0]!.sig);
    const badSig = { ...env, signatures: [{ keyid: publisher.keyid, sig: b64u(flip(sig, 5)) }] };
    await expect(verifyEnvelope(badSig, keysOf(publisher), role, 'test metadata')).rejects.toThrow(/tampered/);
  });
  it('ignores signatures by keys outside the role and counts a key once', async () => {
    const env = await signEnvelope({ type: 'x' }, [stranger, publisher]);
    const keys = { ...keysOf(publisher), ...keysOf(stranger) };
    await verifyEnvelope(env, keys, { keyids: [publisher.keyid], threshold: 1 }, 'm');
    await expect(verifyEnvelope(env, keys, { keyids: [stranger.keyid], threshold: 2 }, 'm')).rejects.toThrow(/1 of 2/);
    const twice = { ...env, signatures: [env.signatures[1]!, env.signatures[1]!] };
    await expect(verifyEnvelope(twice, keys, { keyids: [publisher.keyid, stranger.keyid], threshold: 2 }, 'm')).rejects.toThrow();
  });
  it('counts a signature only under its key\'s own id (one key listed twice does not meet a threshold of 2)', async () => {
    const env = await signEnvelope({ type: 'x' }, [publisher]);
    const alias = 'f'.repeat(64);
    const keys = { ...keysOf(publisher), [alias]: publisher.publicKey };
    const doubled = { ...env, signatures: [env.signatures[0]!, { keyid: alias, sig: env.signatures[0]!.sig }] };
    await expect(verifyEnvelope(doubled, keys, { keyids: [publisher.keyid, alias], threshold: 2 }, 'm')).rejects.toThrow(/1 of 2/);
    await expect(verifyEnvelope({ ...env, signatures: [doubled.signatures[1]!] }, keys, { keyids: [alias], threshold: 1 }, 'm')).rejects.toThrow(/0 of 1/);
    await verifyEnvelope(doubled, keys, { keyids: [publisher.keyid, alias], threshold: 1 }, 'm');
  });
});

describe('chunked encryption', () => {
  it('packs, then opens every chunk back to the original bytes', async () => {
    const { manifest, keyEnvelope, blobs } = await packInMemory();
    const m = manifest.signed;
    expect(m.files[0]!.chunks.length).toBe(Math.ceil(kbBytes.length / 1024));
    expect(m.files[1]!.chunks.length).toBe(1);
    const key = await unwrapContentKey(keyEnvelope, undefined, m.id, m.version);
    const out: number[] = [];
    for (const [i, enc] of blobs[0]!.entries()) out.push(...(await openChunk(key, enc, m, m.files[0]!, i)));
    expect(new Uint8Array(out)).toEqual(kbBytes);
    expect((await openChunk(key, blobs[1]![0]!, m, m.files[1]!, 0)).length).toBe(0);
    const r = encryptedChunkRange(m.files[0]!, 1024, 1);
    expect(r).toEqual({ start: 1052, end: 2104 });
  });
  it('rejects a flipped byte, a swapped chunk and a chunk of another bundle', async () => {
    const { manifest, keyEnvelope, blobs } = await packInMemory();
    const m = manifest.signed;
    const key = await unwrapContentKey(keyEnvelope, undefined, m.id, m.version);
    await expect(openChunk(key, flip(blobs[0]![1]!, 40), m, m.files[0]!, 1)).rejects.toThrow(/does not match its signed hash/);
    await expect(openChunk(key, blobs[0]![2]!, m, m.files[0]!, 1)).rejects.toThrow(/signed hash/);
    // Even with a manifest that listed the swapped chunk, the bound position fails the GCM tag.
    const forged: BundleMetadata = { ...m, files: [{ ...m.files[0]!, chunks: [m.files[0]!.chunks[0]!, m.files[0]!.chunks[2]!] }] };
    await expect(openChunk(key, blobs[0]![2]!, forged, forged.files[0]!, 1)).rejects.toThrow(/could not be decrypted/);
    const other = await packInMemory('1.0.1', fromB64u((keyEnvelope as { key: string }).key));
    await expect(openChunk(key, blobs[0]![0]!, other.manifest.signed, { ...other.manifest.signed.files[0]!, chunks: m.files[0]!.chunks }, 0)).rejects.toThrow(/could not be decrypted/);
  });
  it('uses a fresh IV for every chunk', async () => {
    const key = await importContentKey(new Uint8Array(32));
    const aad = chunkAad('a', '1', 'p', 0, 1);
    const a = await encryptChunk(key, new Uint8Array(10), aad);
    const b = await encryptChunk(key, new Uint8Array(10), aad);
    expect(b64u(a.subarray(0, 12))).not.toBe(b64u(b.subarray(0, 12)));
  });
});

describe('key envelopes', () => {
  it('wraps to one device; another device cannot open it', async () => {
    const device = await generateWrapKeyPair(false);
    const other = await generateWrapKeyPair(false);
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const env = await wrapContentKey(raw, await exportWrapPublicKey(device.publicKey), 'kb', '1.0.0');
    const key = await unwrapContentKey(env, device.privateKey, 'kb', '1.0.0');
    expect(key.extractable).toBe(false);
    expect(key.usages).toEqual(['decrypt']);
    await expect(unwrapContentKey(env, other.privateKey, 'kb', '1.0.0')).rejects.toThrow(/another device/);
    await expect(unwrapContentKey(env, device.privateKey, 'kb', '1.0.1')).rejects.toThrow(/could not be opened/);
    const service = await generateWrapKeyPair(true);
    const toService = await wrapContentKey(raw, await exportWrapPublicKey(service.publicKey), 'kb', '1.0.0');
    expect(await unwrapContentKeyRaw(toService, service.privateKey, 'kb', '1.0.0')).toEqual(raw);
  });
});

describe('manifest shape', () => {
  it('rejects unsafe paths, wrong chunk counts and unknown kinds', async () => {
    const { manifest } = await packInMemory();
    const bad = (patch: Partial<BundleMetadata>) => ({ ...manifest, signed: { ...manifest.signed, ...patch } });
    expect(() => parseBundleMetadata(bad({ files: [{ ...manifest.signed.files[0]!, path: '../etc/passwd' }] }))).toThrow(/relative, safe/);
    expect(() => parseBundleMetadata(bad({ files: [{ ...manifest.signed.files[0]!, chunks: [] }] }))).toThrow(/chunk hashes/);
    expect(() => parseBundleMetadata(bad({ kind: 'virus' as never }))).toThrow(/kind/);
    expect(() => parseBundleMetadata({ signed: 1 })).toThrow(/malformed/);
  });
});

describe('.vab container', () => {
  it('writes a file whose header and blobs read back', async () => {
    const file = join(dir, 'kb.vab');
    const progress: number[] = [];
    const packed = await packVab(input(), { publisher, recipient: 'none', onProgress: (d) => progress.push(d) }, file);
    expect(progress.at(-1)).toBe(kbBytes.length);
    const bytes = new Uint8Array(await readFile(file));
    expect(readVabHeader(bytes.subarray(0, 5))).toEqual({ need: 12 });
    const r = readVabHeader(bytes);
    if (!('header' in r)) throw new Error('header not read');
    expect(await signedHash(r.header.manifest)).toBe(await signedHash(packed.manifest));
    const [off0, off1] = blobOffsets(r.header.manifest.signed, r.dataOffset);
    expect(off1! - off0!).toBe(r.header.manifest.signed.files[0]!.encSize);
    expect(bytes.length).toBe(off1! + r.header.manifest.signed.files[1]!.encSize);
  });
  it('explains a file that is not a bundle or has a damaged header', () => {
    expect(() => readVabHeader(new TextEncoder().encode('PK\u0003\u0004 not a bundle'))).toThrow(/not a voice-agent bundle/);
    const h = encodeVabHeader({ format: 'vab/1', manifest: { signed: {}, signatures: [] } as unknown as Signed<BundleMetadata>, keyEnvelope: { alg: 'none', key: '' } } as VabHeader);
    expect(() => readVabHeader(h)).toThrow(/malformed/);
    const broken = encodeVabHeader({ format: 'vab/1' } as unknown as VabHeader);
    broken[12] = 0x78; // "x" where "{" was
    expect(() => readVabHeader(broken)).toThrow(/not valid JSON/);
  });
});

export type { RootMetadata };
