import { beforeAll, describe, expect, it } from 'vitest';
import { exportWrapPublicKey, generateWrapKeyPair } from '../../src/bundles/keywrap.ts';
import type { FreshnessMetadata, RootMetadata } from '../../src/bundles/metadata.ts';
import { encryptBundle } from '../../src/bundles/node-pack.ts';
import { generateSigningKey, signEnvelope, signedHash, type Signed, type SigningKey } from '../../src/bundles/signing.ts';
import { acceptFreshness, acceptManifest, acceptRootUpdate, TrustError, trustedNow, type TrustState } from '../../src/bundles/trust.ts';

let publisher: SigningKey;
let timestamp: SigningKey;
let root: Signed<RootMetadata>;
const NOW = new Date('2026-11-26T10:00:00.000Z');
const caps = { webgpu: false, appVersion: '0.2.0', memoryMB: 4096 };

async function makeRoot(version: number, rootKeys: SigningKey[], signers: SigningKey[], expires = '2027-11-26T00:00:00.000Z'): Promise<Signed<RootMetadata>> {
  const keys = Object.fromEntries([...rootKeys, timestamp].map((k) => [k.keyid, k.publicKey]));
  return signEnvelope<RootMetadata>(
    {
      type: 'root',
      spec: 1,
      version,
      expires,
      keys,
      roles: {
        root: { keyids: rootKeys.map((k) => k.keyid), threshold: 1 },
        targets: { keyids: rootKeys.map((k) => k.keyid), threshold: 1 },
        timestamp: { keyids: [timestamp.keyid], threshold: 1 },
      },
      wrapKey: await exportWrapPublicKey((await generateWrapKeyPair(false)).publicKey),
    },
    signers,
  );
}

beforeAll(async () => {
  publisher = (await generateSigningKey()).key;
  timestamp = (await generateSigningKey()).key;
  root = await makeRoot(1, [publisher], [publisher]);
});

const fresh = (patch: Partial<FreshnessMetadata> = {}, key = timestamp) =>
  signEnvelope<FreshnessMetadata>(
    { type: 'freshness', spec: 1, version: 5, deviceId: 'dev_1', issued: '2026-11-26T09:00:00.000Z', expires: '2026-11-27T09:00:00.000Z', bundles: [], ...patch },
    [key],
  );
const state = (patch: Partial<TrustState> = {}): TrustState => ({ root, freshnessVersion: 0, ...patch });

async function manifest(version: string, extra: { minAppVersion?: string; requires?: { webgpu?: boolean; memoryMB?: number } } = {}) {
  const { manifest } = await encryptBundle(
    { id: 'kb', kind: 'kb', version, roles: { kb: 'kb.json' }, files: [{ path: 'kb.json', source: new Uint8Array([1, 2, 3]) }], ...extra },
    { publisher, recipient: 'none' },
    async () => {},
  );
  return { env: manifest, entry: { id: 'kb', version, manifest: await signedHash(manifest) } };
}

const code = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TrustError);
    return (e as TrustError).code;
  }
  return 'accepted';
};

describe('freshness metadata', () => {
  it('is accepted once and advances the state', async () => {
    const { freshness, state: next } = await acceptFreshness(await fresh(), state(), 'dev_1', NOW);
    expect(freshness.version).toBe(5);
    expect(next.freshnessVersion).toBe(5);
    expect(next.lastIssued).toBe('2026-11-26T09:00:00.000Z');
    // The same bytes again are fine (repeated checks); other content under the same number is not.
    const same = await fresh();
    expect(await code(acceptFreshness(same, next, 'dev_1', NOW))).toBe('accepted');
    expect(await code(acceptFreshness(await fresh({ bundles: [{ id: 'kb', version: '1.0.0', manifest: 'a'.repeat(64) }] }), next, 'dev_1', NOW))).toBe('replay');
  });
  it('rejects replayed older metadata, another device, and other signers', async () => {
    expect(await code(acceptFreshness(await fresh({ version: 4 }), state({ freshnessVersion: 5, freshnessHash: 'x' }), 'dev_1', NOW))).toBe('replay');
    expect(await code(acceptFreshness(await fresh(), state(), 'dev_2', NOW))).toBe('device');
    expect(await code(acceptFreshness(await fresh({}, publisher), state(), 'dev_1', NOW))).toBe('signature');
    const tampered = await fresh();
    tampered.signed.expires = '2030-01-01T00:00:00.000Z';
    expect(await code(acceptFreshness(tampered, state(), 'dev_1', NOW))).toBe('signature');
    expect(await code(acceptFreshness({ nope: true }, state(), 'dev_1', NOW))).toBe('malformed');
  });
  it('treats a clock that runs ahead as expiry and explains it; a clock set back cannot revive old metadata', async () => {
    const ahead = new Date('2027-03-01T00:00:00.000Z');
    const err = await acceptFreshness(await fresh(), state(), 'dev_1', ahead).catch((e: TrustError) => e);
    expect((err as TrustError).code).toBe('expired');
    expect((err as Error).message).toMatch(/date and time/);
    // Clock behind by a year: trusted time is the latest issued time seen, so expired metadata stays expired.
    const behind = new Date('2025-11-26T00:00:00.000Z');
    const seen = state({ freshnessVersion: 3, freshnessHash: 'h', lastIssued: '2026-11-28T00:00:00.000Z' });
    expect(trustedNow(seen, behind).toISOString()).toBe('2026-11-28T00:00:00.000Z');
    expect(await code(acceptFreshness(await fresh(), seen, 'dev_1', behind))).toBe('expired');
    // But fresh metadata is accepted with a clock that is behind (it is newer than anything seen).
    expect(await code(acceptFreshness(await fresh(), state(), 'dev_1', behind))).toBe('accepted');
  });
});

describe('manifests', () => {
  it('accepts the listed manifest and rejects mix-and-match', async () => {
    const a = await manifest('1.1.0');
    const b = await manifest('1.2.0');
    expect((await acceptManifest(a.env, root.signed, a.entry, '1.0.0', caps)).version).toBe('1.1.0');
    expect(await code(acceptManifest(b.env, root.signed, a.entry, '1.0.0', caps))).toBe('mismatch');
  });
  it('rejects a tampered manifest or one signed by another key', async () => {
    const a = await manifest('1.1.0');
    const tampered = structuredClone(a.env);
    tampered.signed.files[0]!.size = 4;
    tampered.signed.files[0]!.encSize = 32;
    expect(await code(acceptManifest(tampered, root.signed, a.entry, undefined, caps))).toBe('signature');
    const foreign = { ...a.env, signatures: (await signEnvelope(a.env.signed, [timestamp])).signatures };
    expect(await code(acceptManifest(foreign, root.signed, a.entry, undefined, caps))).toBe('signature');
  });
  it('rejects an older version offered as an update unless a downgrade is ordered', async () => {
    const old = await manifest('0.9.0');
    expect(await code(acceptManifest(old.env, root.signed, old.entry, '1.0.0', caps))).toBe('rollback');
    expect(await code(acceptManifest(old.env, root.signed, { ...old.entry, downgrade: true }, '1.0.0', caps))).toBe('accepted');
  });
  it('checks the app version and device capabilities', async () => {
    const newer = await manifest('1.0.0', { minAppVersion: '0.3.0' });
    expect(await code(acceptManifest(newer.env, root.signed, newer.entry, undefined, caps))).toBe('incompatible');
    const gpu = await manifest('1.0.0', { requires: { webgpu: true } });
    expect(await code(acceptManifest(gpu.env, root.signed, gpu.entry, undefined, caps))).toBe('incompatible');
    expect(await code(acceptManifest(gpu.env, root.signed, gpu.entry, undefined, { ...caps, webgpu: true }))).toBe('accepted');
    const big = await manifest('1.0.0', { requires: { memoryMB: 8192 } });
    expect(await code(acceptManifest(big.env, root.signed, big.entry, undefined, caps))).toBe('incompatible');
    // navigator.deviceMemory stops at 8 GB: a device reporting 8192 MB may have more, so it is not refused.
    const huge = await manifest('1.0.0', { requires: { memoryMB: 16384 } });
    expect(await code(acceptManifest(huge.env, root.signed, huge.entry, undefined, { ...caps, memoryMB: 8192 }))).toBe('accepted');
    expect(await code(acceptManifest(huge.env, root.signed, huge.entry, undefined, { ...caps, memoryMB: 4096 }))).toBe('incompatible');
  });
});

describe('root rotation', () => {
  it('accepts the next root signed by old and new keys only', async () => {
    const next = (await generateSigningKey()).key;
    const good = await makeRoot(2, [next], [publisher, next]);
    expect((await acceptRootUpdate(root, good, NOW)).signed.version).toBe(2);
    expect(await code(acceptRootUpdate(root, await makeRoot(2, [next], [next]), NOW))).toBe('signature');
    expect(await code(acceptRootUpdate(root, await makeRoot(2, [next], [publisher]), NOW))).toBe('signature');
    expect(await code(acceptRootUpdate(root, await makeRoot(3, [next], [publisher, next]), NOW))).toBe('rollback');
  });
  it('rejects a correctly signed next root that has already expired', async () => {
    const next = (await generateSigningKey()).key;
    const stale = await makeRoot(2, [next], [publisher, next], '2026-11-26T09:59:59.000Z');
    expect(await code(acceptRootUpdate(root, stale, NOW))).toBe('expired');
    expect((await acceptRootUpdate(root, stale, new Date('2026-11-26T09:00:00.000Z'))).signed.version).toBe(2);
  });
});
