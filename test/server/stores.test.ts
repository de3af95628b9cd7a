/** The storage behind the sync service: content-addressed blobs on disk, SQLite metadata, the data directory. */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesSource, DiskBlobStore } from '../../server/sync/blob-store.ts';
import { dataDirPaths, initDataDir, openDataDir } from '../../server/sync/data-dir.ts';
import { MetadataStoreError, SqliteMetadataStore, type NewBundle } from '../../server/sync/metadata-store.ts';
import { chooseVersions, markDowngrades, rolloutBucket } from '../../server/sync/rollout.ts';
import { hashSecret, normalizeEnrollCode } from '../../server/sync/secrets.ts';
import { verifyEnvelope } from '../../src/bundles/signing.ts';
import { randomBytes, tempDir } from './helpers.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const readAll = async (r: Readable) => {
  const parts: Buffer[] = [];
  for await (const p of r) parts.push(p as Buffer);
  return new Uint8Array(Buffer.concat(parts));
};

let dir: string;
beforeEach(async () => {
  dir = await tempDir('va-store-test-');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DiskBlobStore', () => {
  it('stores by SHA-256 under ab/<sha>, reads whole and ranges, and deletes', async () => {
    const blobs = new DiskBlobStore(join(dir, 'blobs'));
    const bytes = randomBytes(300_000);
    const { sha256, size } = await blobs.put(bytesSource(bytes));
    expect(sha256).toBe(sha(bytes));
    expect(size).toBe(bytes.length);
    expect(existsSync(join(dir, 'blobs', sha256.slice(0, 2), sha256))).toBe(true);
    expect(await blobs.has(sha256)).toBe(true);
    expect(await blobs.stat(sha256)).toEqual({ size: bytes.length });
    expect(sha(await readAll(blobs.createReadStream(sha256)))).toBe(sha256);
    expect(await readAll(blobs.createReadStream(sha256, { start: 1000, end: 1999 }))).toEqual(bytes.subarray(1000, 2000));
    await blobs.delete(sha256);
    expect(await blobs.has(sha256)).toBe(false);
    await blobs.delete(sha256); // idempotent
  });

  it('refuses bytes that do not hash to the expected name and leaves nothing behind', async () => {
    const blobs = new DiskBlobStore(join(dir, 'blobs'));
    const bytes = randomBytes(5000);
    const wrong = sha(randomBytes(10));
    await expect(blobs.put(bytesSource(bytes), wrong)).rejects.toThrow(/not the expected .*Nothing was stored/);
    expect(await blobs.has(wrong)).toBe(false);
    expect(await blobs.has(sha(bytes))).toBe(false);
    expect(await readdir(join(dir, 'blobs', 'tmp'))).toEqual([]);
  });

  it('accepts a stream in many pieces, and a repeated put of the same bytes', async () => {
    const blobs = new DiskBlobStore(join(dir, 'blobs'));
    const bytes = randomBytes(1 << 20);
    const pieces = Readable.from(Array.from({ length: 16 }, (_, i) => bytes.subarray(i << 16, (i + 1) << 16)));
    expect((await blobs.put(pieces, sha(bytes))).size).toBe(bytes.length);
    expect((await blobs.put(bytesSource(bytes), sha(bytes))).sha256).toBe(sha(bytes));
  });

  it('rejects names that are not 64 hex digits (no path tricks)', async () => {
    const blobs = new DiskBlobStore(join(dir, 'blobs'));
    await expect(blobs.stat('../../etc/passwd')).rejects.toThrow(/64 lower-case hex digits/);
    expect(() => blobs.createReadStream('ABC')).toThrow(/not a blob name/);
  });
});

const bundle = (id: string, version: string, blobs: string[] = [sha(new Uint8Array([1]))]): NewBundle => ({
  id,
  version,
  kind: 'kb',
  manifestJson: JSON.stringify({ signed: { id, version }, signatures: [] }),
  manifestSha: sha(new TextEncoder().encode(`${id}@${version}`)),
  keyEnvelope: { alg: 'none', key: 'AAAA' },
  size: 100,
  blobs,
});

describe('SqliteMetadataStore', () => {
  it('migrates a new file (WAL) and reopens it without redoing migrations', async () => {
    const file = join(dir, 'sync.db');
    const a = new SqliteMetadataStore(file);
    await a.putBundle(bundle('kb', '1.0'));
    await a.close();
    const b = new SqliteMetadataStore(file);
    expect((await b.listBundles()).map((x) => x.version)).toEqual(['1.0']);
    expect(existsSync(`${file}-wal`)).toBe(true);
    await b.close();
  });

  it('enrol codes are one-time, expire, and stored only as hashes', async () => {
    const store = new SqliteMetadataStore(join(dir, 'sync.db'));
    const { code, expiresAt } = await store.createEnrollCode({ branch: 'pune', now: new Date('2026-01-01T00:00:00Z') });
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(normalizeEnrollCode(code.toLowerCase().replace(/-/g, ' '))).toBe(code);
    expect(expiresAt).toBe('2026-01-02T00:00:00.000Z');
    expect(await readFile(join(dir, 'sync.db')).then((b) => b.includes(Buffer.from(code)))).toBe(false);
    const dev = (n: number, now: string) => ({
      codeHash: hashSecret(code),
      deviceId: `dev_${String(n).padStart(20, '0')}`,
      tokenHash: hashSecret(`t${n}`),
      publicKey: 'pk',
      appVersion: '0.1.0',
      capabilities: {},
      now: new Date(now),
    });
    expect(await store.enrollDevice({ ...dev(1, '2026-01-01T01:00:00Z'), codeHash: hashSecret('XXXX-XXXX-XXXX') })).toEqual({ ok: false, reason: 'unknown' });
    const ok = await store.enrollDevice(dev(1, '2026-01-01T01:00:00Z'));
    expect(ok.ok && ok.device.branch).toBe('pune');
    expect((await store.enrollDevice(dev(2, '2026-01-01T01:00:00Z'))).ok).toBe(false);
    expect(await store.enrollDevice(dev(2, '2026-01-01T01:00:00Z'))).toMatchObject({ reason: 'used' });
    const late = await store.createEnrollCode({ branch: 'pune', ttlSeconds: 60, now: new Date('2026-01-01T00:00:00Z') });
    expect(await store.enrollDevice({ ...dev(3, '2026-01-01T00:01:00Z'), codeHash: hashSecret(late.code) })).toMatchObject({ ok: false, reason: 'expired' });
    expect(await store.listDevices()).toHaveLength(1);
    expect(await store.findDeviceByTokenHash(hashSecret('t1'))).toMatchObject({ id: dev(1, '').deviceId, status: 'active' });
    await store.close();
  });

  it('revoking is audited and idempotent; an unknown device gets a clear error', async () => {
    const store = new SqliteMetadataStore(join(dir, 'sync.db'));
    const { code } = await store.createEnrollCode({ branch: 'pune' });
    const id = 'dev_00000000000000000001';
    await store.enrollDevice({ codeHash: hashSecret(code), deviceId: id, tokenHash: 'h', publicKey: 'pk', appVersion: '0.1.0', capabilities: {} });
    const revoked = await store.revokeDevice(id, 'lost tablet', { actor: 'it-admin' });
    expect(revoked).toMatchObject({ status: 'revoked', revokedReason: 'lost tablet' });
    await store.revokeDevice(id, 'again');
    expect((await store.listAudit({ action: 'device.revoke' })).map((a) => [a.actor, a.subject, a.details.reason])).toEqual([['it-admin', id, 'lost tablet']]);
    await expect(store.revokeDevice('dev_nope', 'x')).rejects.toThrow(/No device "dev_nope" was ever enrolled.*device list/);
    expect(await store.listDevices({ status: 'revoked' })).toHaveLength(1);
    await store.close();
  });

  it('published versions are immutable; blobs are known only through a published bundle', async () => {
    const store = new SqliteMetadataStore(join(dir, 'sync.db'));
    const blob = sha(new Uint8Array([9]));
    await store.putBundle(bundle('kb', '1.0', [blob]));
    await expect(store.putBundle(bundle('kb', '1.0'))).rejects.toMatchObject({ code: 'bundle_exists' });
    await store.putBundle(bundle('kb', '1.10'));
    await store.putBundle(bundle('kb', '1.9'));
    expect((await store.listBundles({ id: 'kb' })).map((b) => b.version)).toEqual(['1.0', '1.9', '1.10']);
    expect(await store.isPublishedBlob(blob)).toBe(true);
    expect(await store.isPublishedBlob(sha(new Uint8Array([8])))).toBe(false);
    expect((await store.getBundle('kb', '1.0'))?.blobs).toEqual([blob]);
    expect((await store.listAudit({ action: 'bundle.publish' })).length).toBe(3);
    await store.close();
  });

  it('rollouts: set replaces, a partial keeps the baseline, rollback restores the previous lower version once', async () => {
    const store = new SqliteMetadataStore(join(dir, 'sync.db'));
    for (const v of ['1.0', '1.1', '1.2']) await store.putBundle(bundle('kb', v));
    await expect(store.setRollout({ bundleId: 'kb', version: '9.9', target: 'all', percent: 100 })).rejects.toMatchObject({ code: 'unknown_bundle' });
    await store.setRollout({ bundleId: 'kb', version: '1.0', target: 'all', percent: 100 });
    await store.setRollout({ bundleId: 'kb', version: '1.1', target: 'all', percent: 10 });
    const active = () => store.listRollouts({ activeOnly: true }).then((rs) => rs.map((r) => `${r.version}@${r.percent}`));
    expect(await active()).toEqual(['1.0@100', '1.1@10']);
    await store.setRollout({ bundleId: 'kb', version: '1.1', target: 'all', percent: 50 });
    expect(await active()).toEqual(['1.0@100', '1.1@50']);
    await store.setRollout({ bundleId: 'kb', version: '1.1', target: 'all', percent: 100 });
    expect(await active()).toEqual(['1.1@100']);
    // Staged rollback: only the partial goes, the baseline stays.
    await store.setRollout({ bundleId: 'kb', version: '1.2', target: 'all', percent: 20 });
    const staged = await store.rollbackRollout('kb', 'all');
    expect(staged.removed).toMatchObject({ version: '1.2', active: false, rolledBack: true });
    expect(await active()).toEqual(['1.1@100']);
    // Full rollback: the previous lower 100% version comes back; rolling back again has nowhere to go.
    const full = await store.rollbackRollout('kb', 'all');
    expect(full.active.map((r) => r.version)).toEqual(['1.0']);
    await expect(store.rollbackRollout('kb', 'all')).rejects.toThrow(/no earlier version/);
    await expect(store.rollbackRollout('kb', 'branch:x')).rejects.toThrow(/nothing to roll back/);
    const stopped = await store.stopRollout(full.active[0]!.id);
    expect(stopped.active).toBe(false);
    expect(await active()).toEqual([]);
    expect((await store.listAudit({ action: 'rollout.rollback' })).length).toBe(2);
    await store.close();
  });

  it('staged partial rollouts of different versions nest by bucket: a new stage downgrades nobody', async () => {
    const store = new SqliteMetadataStore(join(dir, 'sync.db'));
    for (const v of ['1.0', '1.1', '1.2']) await store.putBundle(bundle('kb', v));
    const devices = Array.from({ length: 200 }, (_, i) => ({ id: `dev_${i.toString(16).padStart(20, '0')}`, branch: 'b' }));
    const offered = new Map<string, Record<string, string>>(devices.map((d) => [d.id, {}]));
    /** One update check by every device: its version now, and whether it was told to downgrade. */
    const checkAll = async () => {
      const rollouts = await store.listRollouts({ activeOnly: true });
      return devices.map((d) => {
        const marked = markDowngrades(chooseVersions(d, rollouts), offered.get(d.id)!);
        offered.set(d.id, marked.offered);
        return { bucket: rolloutBucket(d.id, 'kb'), version: marked.choices[0]?.version, downgrade: marked.choices[0]?.downgrade };
      });
    };
    await store.setRollout({ bundleId: 'kb', version: '1.0', target: 'all', percent: 100 });
    await checkAll();
    await store.setRollout({ bundleId: 'kb', version: '1.1', target: 'all', percent: 50 });
    const before = await checkAll();
    expect(before.filter((d) => d.version === '1.1').length).toBeGreaterThan(50);
    await store.setRollout({ bundleId: 'kb', version: '1.2', target: 'all', percent: 10 });
    const active = await store.listRollouts({ activeOnly: true });
    expect(active.map((r) => `${r.version}@${r.percent}`)).toEqual(['1.0@100', '1.1@50', '1.2@10']);
    const after = await checkAll();
    expect(after.filter((d) => d.downgrade)).toEqual([]);
    for (const d of after) expect(d.version, `bucket ${d.bucket}`).toBe(d.bucket < 10 ? '1.2' : d.bucket < 50 ? '1.1' : '1.0');
    // Raising 1.1 to 60% replaces only 1.1's stage; the 1.2 devices stay on 1.2.
    await store.setRollout({ bundleId: 'kb', version: '1.1', target: 'all', percent: 60 });
    expect((await store.listRollouts({ activeOnly: true })).map((r) => `${r.version}@${r.percent}`)).toEqual(['1.0@100', '1.2@10', '1.1@60']);
    const raised = await checkAll();
    expect(raised.filter((d) => d.downgrade)).toEqual([]);
    for (const d of raised) expect(d.version).toBe(d.bucket < 10 ? '1.2' : d.bucket < 60 ? '1.1' : '1.0');
    await store.close();
  });

  it('freshness is saved with compare-and-set on the previous version', async () => {
    const store = new SqliteMetadataStore(join(dir, 'sync.db'));
    const { code } = await store.createEnrollCode({ branch: 'b' });
    const id = 'dev_00000000000000000001';
    await store.enrollDevice({ codeHash: hashSecret(code), deviceId: id, tokenHash: 'h', publicKey: 'pk', appVersion: '0.1.0', capabilities: {} });
    const rec = (version: number) => ({ deviceId: id, version, contentHash: 'c', issued: 'i', expires: 'e', body: `{"v":${version}}` });
    expect(await store.saveFreshness(rec(1), undefined)).toBe(true);
    expect(await store.saveFreshness(rec(1), undefined)).toBe(false);
    expect(await store.saveFreshness(rec(2), 1)).toBe(true);
    expect(await store.saveFreshness(rec(3), 1)).toBe(false);
    expect((await store.getFreshness(id))?.body).toBe('{"v":2}');
    await store.setOffered(id, { kb: '1.1' });
    await store.setOffered(id, { kb: '1.2', tts: '3' });
    expect(await store.getOffered(id)).toEqual({ kb: '1.2', tts: '3' });
    await store.close();
  });

  it('a database from a newer schema is refused with a clear message', async () => {
    const file = join(dir, 'sync.db');
    const a = new SqliteMetadataStore(file);
    await a.close();
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => new SqliteMetadataStore(file)).toThrow(/newer version of voice-agent.*Upgrade/);
  });

  it('MetadataStoreError carries a code', () => {
    expect(new MetadataStoreError('unknown_bundle', 'm').code).toBe('unknown_bundle');
  });
});

describe('data directory', () => {
  it('init writes owner-only keys and a root signed by the publisher naming the timestamp and wrap keys', async () => {
    const data = join(dir, 'data');
    const result = await initDataDir(data, { now: new Date('2026-01-01T00:00:00Z') });
    const p = dataDirPaths(data);
    for (const f of [p.publisherKey, p.timestampKey, p.wrapKey]) expect((await stat(f)).mode & 0o777).toBe(0o600);
    const root = result.root.signed;
    expect(root.expires).toBe('2027-01-01T00:00:00.000Z');
    expect(root.roles.root.keyids).toEqual([result.keyids.publisher]);
    expect(root.roles.targets.keyids).toEqual([result.keyids.publisher]);
    expect(root.roles.timestamp.keyids).toEqual([result.keyids.timestamp]);
    expect(root.wrapKey.keytype).toBe('ecdh-p256');
    await verifyEnvelope(result.root, root.keys, root.roles.root, 'root');
    const opened = await openDataDir(data);
    expect(opened.timestampKey.keyid).toBe(result.keyids.timestamp);
    expect(opened.root).toEqual(result.root);
    // The server does not need the publisher key.
    await rm(p.publisherKey);
    await expect(openDataDir(data)).resolves.toBeTruthy();
  });

  it('refuses to overwrite keys unless forced', async () => {
    const data = join(dir, 'data');
    const first = await initDataDir(data);
    await expect(initDataDir(data)).rejects.toThrow(/Keys already exist.*--force/);
    const second = await initDataDir(data, { force: true });
    expect(second.keyids.publisher).not.toBe(first.keyids.publisher);
    expect(second.movedAside).toEqual([]);
  });

  it('forced new keys move the old database and blobs aside: they belong to the old keys', async () => {
    const data = join(dir, 'data');
    await initDataDir(data);
    const p = dataDirPaths(data);
    const store = new SqliteMetadataStore(p.db);
    await store.close();
    await writeFile(`${p.db}-wal`, '');
    const blob = await new DiskBlobStore(p.blobs).put(bytesSource(new Uint8Array([1, 2, 3])));
    const now = new Date('2026-03-04T05:06:07.890Z');
    const forced = await initDataDir(data, { force: true, now });
    const stamp = '2026-03-04T05-06-07-890Z';
    expect(forced.movedAside).toEqual([
      [p.db, `${p.db}.replaced-${stamp}`],
      [`${p.db}-wal`, `${p.db}-wal.replaced-${stamp}`],
      [p.blobs, `${p.blobs}.replaced-${stamp}`],
    ]);
    expect(existsSync(p.db)).toBe(false);
    expect(await readdir(p.blobs)).toEqual([]);
    expect(existsSync(join(`${p.blobs}.replaced-${stamp}`, blob.sha256.slice(0, 2), blob.sha256))).toBe(true);
    await expect(openDataDir(data)).resolves.toBeTruthy();
  });

  it('opening an empty or damaged directory says what to do', async () => {
    const data = join(dir, 'data');
    await expect(openDataDir(data)).rejects.toThrow(`No keys in ${data}: run \`voice-agent keys init --data ${data}\``);
    await initDataDir(data);
    const p = dataDirPaths(data);
    const wrap = await readFile(p.wrapKey, 'utf8');
    // A wrap key from another installation: no bundle could be opened.
    const other = join(dir, 'other');
    await initDataDir(other);
    await writeFile(p.wrapKey, await readFile(dataDirPaths(other).wrapKey));
    await expect(openDataDir(data)).rejects.toThrow(/does not match the wrap key in root.json/);
    await writeFile(p.wrapKey, wrap);
    await writeFile(p.timestampKey, await readFile(dataDirPaths(other).timestampKey));
    await expect(openDataDir(data)).rejects.toThrow(/not the timestamp key named in root.json/);
    await writeFile(p.root, '{ not json');
    await expect(openDataDir(data)).rejects.toThrow(/root.*not valid JSON.*backup/);
  });
});
