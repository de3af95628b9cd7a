/** Freshness metadata as the service issues it, checked with the device's own acceptance rules (src/bundles/trust.ts). */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskBlobStore } from '../../server/sync/blob-store.ts';
import { initDataDir, openDataDir, type OpenedDataDir } from '../../server/sync/data-dir.ts';
import { FreshnessIssuer } from '../../server/sync/freshness.ts';
import { SqliteMetadataStore, type DeviceRecord } from '../../server/sync/metadata-store.ts';
import { hashSecret } from '../../server/sync/secrets.ts';
import { parseFreshness, type FreshnessMetadata } from '../../src/bundles/metadata.ts';
import { importSigningKey, verifyEnvelope } from '../../src/bundles/signing.ts';
import { acceptFreshness, acceptManifest, TrustError, type TrustState } from '../../src/bundles/trust.ts';
import { publish, tempDir, type PublishTarget } from './helpers.ts';

let dir: string;
let opened: OpenedDataDir;
let store: SqliteMetadataStore;
let target: PublishTarget;
let clock: Date;
let issuer: FreshnessIssuer;
let device: DeviceRecord;
const T0 = new Date('2026-03-01T10:00:00.000Z');
const minutes = (m: number) => new Date(T0.getTime() + m * 60_000);

async function enrol(branch: string, capabilities: Record<string, unknown> = { webgpu: false }): Promise<DeviceRecord> {
  const { code } = await store.createEnrollCode({ branch, now: T0 });
  const id = `dev_${crypto.getRandomValues(new Uint8Array(10)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '')}`;
  const r = await store.enrollDevice({ codeHash: hashSecret(code), deviceId: id, tokenHash: hashSecret(id), publicKey: 'pk', appVersion: '0.1.0', capabilities, now: T0 });
  if (!r.ok) throw new Error(r.reason);
  return r.device;
}

beforeEach(async () => {
  dir = await tempDir('va-fresh-test-');
  const init = await initDataDir(join(dir, 'data'));
  opened = await openDataDir(join(dir, 'data'));
  store = new SqliteMetadataStore(init.paths.db);
  const publisher = await importSigningKey(JSON.parse(await readFile(init.paths.publisherKey, 'utf8')) as JsonWebKey);
  target = { publisher, store, blobs: new DiskBlobStore(init.paths.blobs), data: { root: init.root } };
  clock = T0;
  issuer = new FreshnessIssuer(store, opened.timestampKey, { lifetimeSeconds: 3600, now: () => clock });
  device = await enrol('mumbai-fort');
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const signedOf = (body: string) => (JSON.parse(body) as { signed: FreshnessMetadata }).signed;

describe('freshness issuing', () => {
  it('is signed by the timestamp role for this device, and a device accepts it', async () => {
    const rec = await issuer.forDevice(device);
    const env = parseFreshness(JSON.parse(rec.body));
    const root = opened.root.signed;
    await verifyEnvelope(env, root.keys, root.roles.timestamp, 'freshness');
    expect(env.signed).toMatchObject({ type: 'freshness', spec: 1, version: 1, deviceId: device.id, issued: T0.toISOString(), expires: minutes(60).toISOString(), bundles: [] });
    const state: TrustState = { root: opened.root, freshnessVersion: 0 };
    const accepted = await acceptFreshness(JSON.parse(rec.body), state, device.id, T0);
    expect(accepted.freshness.version).toBe(1);
    await expect(acceptFreshness(JSON.parse(rec.body), state, 'dev_someone_else', T0)).rejects.toMatchObject({ code: 'device' });
  });

  it('returns the same bytes until the content changes or half the lifetime has passed', async () => {
    const first = await issuer.forDevice(device);
    clock = minutes(29);
    expect((await issuer.forDevice(device)).body).toBe(first.body);
    clock = minutes(31);
    const renewed = await issuer.forDevice(device);
    expect(renewed.version).toBe(2);
    expect(signedOf(renewed.body).issued).toBe(minutes(31).toISOString());
    // The device takes the renewed one, accepts a repeat of it (same bytes), and rejects the old one as a replay.
    let state: TrustState = { root: opened.root, freshnessVersion: 0 };
    state = (await acceptFreshness(JSON.parse(first.body), state, device.id, T0)).state;
    state = (await acceptFreshness(JSON.parse(renewed.body), state, device.id, minutes(31))).state;
    state = (await acceptFreshness(JSON.parse(renewed.body), state, device.id, minutes(32))).state;
    await expect(acceptFreshness(JSON.parse(first.body), state, device.id, minutes(32))).rejects.toBeInstanceOf(TrustError);
    // Content changes: a new version at once, with the manifest pinned by hash.
    clock = minutes(33);
    const kb = await publish(target, { id: 'gold-loan-kb', version: '1.0.0' });
    await store.setRollout({ bundleId: 'gold-loan-kb', version: '1.0.0', target: 'all', percent: 100 });
    const changed = await issuer.forDevice(device);
    expect(changed.version).toBe(3);
    expect(signedOf(changed.body).bundles).toEqual([{ id: 'gold-loan-kb', version: '1.0.0', manifest: kb.manifestSha, downgrade: false }]);
    expect((await issuer.forDevice(device)).body).toBe(changed.body);
  });

  it('a rollback lists the lower version with downgrade: true, which the device installs over the newer one', async () => {
    await publish(target, { id: 'gold-loan-kb', version: '1.0.0' });
    const v11 = await publish(target, { id: 'gold-loan-kb', version: '1.1.0' });
    await store.setRollout({ bundleId: 'gold-loan-kb', version: '1.0.0', target: 'all', percent: 100 });
    await store.setRollout({ bundleId: 'gold-loan-kb', version: '1.1.0', target: 'all', percent: 100 });
    expect(signedOf((await issuer.forDevice(device)).body).bundles[0]).toMatchObject({ version: '1.1.0', downgrade: false });
    await store.rollbackRollout('gold-loan-kb', 'all');
    const back = signedOf((await issuer.forDevice(device)).body).bundles[0]!;
    expect(back).toMatchObject({ version: '1.0.0', downgrade: true });
    const v10 = (await store.getBundle('gold-loan-kb', '1.0.0'))!;
    const caps = { webgpu: false, appVersion: '0.1.0' };
    const m = await acceptManifest(JSON.parse(v10.manifestJson), opened.root.signed, back, '1.1.0', caps);
    expect(m.version).toBe('1.0.0');
    // Without the flag the same manifest would be refused as a rollback.
    await expect(acceptManifest(JSON.parse(v10.manifestJson), opened.root.signed, { ...back, downgrade: false }, '1.1.0', caps)).rejects.toMatchObject({ code: 'rollback' });
    // A device that never had 1.1.0 gets 1.0.0 without the flag.
    const fresh = await enrol('pune');
    expect(signedOf((await issuer.forDevice(fresh)).body).bundles[0]).toMatchObject({ version: '1.0.0', downgrade: false });
    expect(v11.manifestSha).not.toBe(v10.manifestSha);
  });

  it('leaves out bundles the device cannot run (app too old, no WebGPU, too little memory)', async () => {
    await publish(target, { id: 'kb-a', version: '1.0.0' });
    await publish(target, { id: 'llm-b', version: '1.0.0', kind: 'llm', requires: { webgpu: true } });
    await publish(target, { id: 'kb-c', version: '1.0.0', minAppVersion: '9.0.0' });
    await publish(target, { id: 'kb-d', version: '1.0.0', requires: { memoryMB: 8000 } });
    for (const id of ['kb-a', 'llm-b', 'kb-c', 'kb-d']) await store.setRollout({ bundleId: id, version: '1.0.0', target: 'all', percent: 100 });
    const ids = async (d: DeviceRecord) => signedOf((await issuer.forDevice(d)).body).bundles.map((b) => b.id);
    expect(await ids(device)).toEqual(['kb-a', 'kb-d']);
    const strong = await enrol('x', { webgpu: true, memoryMB: 16000 });
    expect(await ids(strong)).toEqual(['kb-a', 'kb-d', 'llm-b']);
    const small = await enrol('x', { webgpu: true, memoryMB: 4000 });
    expect(await ids(small)).toEqual(['kb-a', 'llm-b']);
  });

  it('two servers answering one device at once agree on one version and the same bytes', async () => {
    const other = new FreshnessIssuer(store, opened.timestampKey, { lifetimeSeconds: 3600, now: () => clock });
    const [a, b] = await Promise.all([issuer.forDevice(device), other.forDevice(device)]);
    expect(a.version).toBe(1);
    expect(b.body).toBe(a.body);
  });
});
