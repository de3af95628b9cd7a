/**
 * The sync admin CLI as IT runs it: real `voice-agent` processes (bin/voice-agent.mjs) on a temporary data dir,
 * and a real sync server on localhost on the same data dir to check that what the CLI does reaches devices.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../server/app.ts';
import { SqliteMetadataStore } from '../../server/sync/metadata-store.ts';
import { openChunk, encryptedChunkRange } from '../../src/bundles/chunks.ts';
import { readVabHeader } from '../../src/bundles/container.ts';
import { b64u } from '../../src/bundles/encoding.ts';
import { unwrapContentKey, type KeyEnvelope } from '../../src/bundles/keywrap.ts';
import type { BundleMetadata, FreshnessEntry } from '../../src/bundles/metadata.ts';
import type { Signed } from '../../src/bundles/signing.ts';

const BIN = fileURLToPath(new URL('../../bin/voice-agent.mjs', import.meta.url));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

let work: string;
let dataDir: string;
const env = () => ({ ...process.env, VOICE_AGENT_DATA: dataDir });

/** One CLI process; the data dir comes from $VOICE_AGENT_DATA unless the args say --data. */
const run = (args: string[]): Run => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, env: env(), encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** The same, concurrently (independent checks such as the tampered files). */
const runAsync = (args: string[]): Promise<Run> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: work, env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });

/** A copy of a file with one bit flipped at `offset` (negative: from the end). */
async function flipped(src: string, name: string, offset: number): Promise<string> {
  const bytes = new Uint8Array(await readFile(src));
  const at = offset < 0 ? bytes.length + offset : offset;
  bytes[at]! ^= 0x01;
  const out = join(work, name);
  await writeFile(out, bytes);
  return out;
}

/** Byte offset (in the file) of the first occurrence of `needle` inside the .vab header's JSON. */
async function headerOffset(file: string, needle: string): Promise<number> {
  const bytes = new Uint8Array(await readFile(file));
  const at = Buffer.from(bytes).indexOf(needle, 12, 'utf8');
  if (at < 0) throw new Error(`${needle} not in ${file}`);
  return at;
}

const blobFiles = () => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(e.name);
    }
  };
  walk(join(dataDir, 'blobs'));
  return out.filter((n) => /^[0-9a-f]{64}$/.test(n)).sort();
};

const MODEL_BYTES = 100_000;
const CHUNK = '16K';

describe('voice-agent sync admin CLI', () => {
  let modelDir: string;
  let model: Uint8Array;
  let server: { app: FastifyInstance; baseUrl: string };
  let device: { id: string; token: string; privateKey: CryptoKey };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'va-cli-test-'));
    dataDir = join(work, 'data');
    modelDir = join(work, 'hinglish');
    await mkdir(join(modelDir, 'vocab'), { recursive: true });
    model = new Uint8Array(randomBytes(MODEL_BYTES));
    await writeFile(join(modelDir, 'model.onnx'), model);
    await writeFile(join(modelDir, 'vocab', 'tokens.txt'), 'a\nb\nc\n');
    await writeFile(join(modelDir, '.DS_Store'), 'not packed');
  });

  afterAll(async () => {
    await server?.app.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      ...init,
      headers: { ...(device ? { authorization: `Bearer ${device.token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}) },
    });
    return res;
  };
  const freshnessBundles = async (): Promise<FreshnessEntry[]> => {
    const res = await api('/api/v1/updates');
    expect(res.status).toBe(200);
    return ((await res.json()) as { freshness: { signed: { bundles: FreshnessEntry[] } } }).freshness.signed.bundles;
  };

  it('keys init creates the keys once and refuses to overwrite them', async () => {
    const init = run(['keys', 'init']);
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/publisher\s+[0-9a-f]{64}/);
    expect(init.stdout).toMatch(/timestamp\s+[0-9a-f]{64}/);
    expect(init.stderr).toMatch(/belongs offline/);

    const [again, show] = await Promise.all([runAsync(['keys', 'init', '--data', dataDir]), runAsync(['keys', 'show', '--json'])]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exist.*--force/s);
    expect(show.status, show.stderr).toBe(0);
    const shown = JSON.parse(show.stdout) as { keys: Array<{ keyid: string; roles: string }> };
    const publisherId = /publisher\s+([0-9a-f]{64})/.exec(init.stdout)![1];
    expect(shown.keys.find((k) => k.roles.includes('targets'))?.keyid).toBe(publisherId);
  });

  it('keys init --force moves the old database and blobs aside and says so', async () => {
    const other = join(work, 'forced');
    expect(run(['keys', 'init', '--data', other]).status).toBe(0);
    await writeFile(join(other, 'sync.db'), 'old');
    await mkdir(join(other, 'blobs', 'ab'));
    const forced = run(['keys', 'init', '--force', '--data', other]);
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/Replaced the keys/);
    expect(forced.stdout).toMatch(/Moved the old database and blobs aside/);
    expect(forced.stdout).toMatch(/sync\.db -> .*sync\.db\.replaced-\S+/);
    expect(forced.stdout).toMatch(/blobs -> .*blobs\.replaced-\S+/);
    const names = readdirSync(other);
    expect(names.some((n) => n.startsWith('sync.db.replaced-'))).toBe(true);
    expect(names).not.toContain('sync.db');
  });

  it('packs a folder and verifies it: signature, chunk hashes and GCM tags', async () => {
    const pack = run(['bundle', 'pack', 'hinglish', '--kind', 'stt', '--version', '1.0.0', '--lang', 'hi,en', '--chunk-size', CHUNK]);
    expect(pack.status, pack.stderr).toBe(0);
    const vab = join(work, 'hinglish-1.0.0.vab');
    expect(statSync(vab).size).toBeGreaterThan(MODEL_BYTES);
    const bytes = new Uint8Array(await readFile(vab));
    const parsed = readVabHeader(bytes);
    if (!('header' in parsed)) throw new Error('no header');
    const m = parsed.header.manifest.signed;
    expect(m.id).toBe('stt-hinglish');
    expect(m.roles).toEqual({ stt: 'stt/' });
    expect(m.files.map((f) => f.path)).toEqual(['stt/model.onnx', 'stt/vocab/tokens.txt']); // sorted, no dotfiles
    expect(m.languages).toEqual(['hi', 'en']);

    const verify = run(['bundle', 'verify', 'hinglish-1.0.0.vab']);
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^OK: stt-hinglish 1\.0\.0/);
    expect(verify.stdout).toMatch(/GCM tags and each file's SHA-256 match/);
  });

  it('verify exits non-zero naming the problem for every kind of damage', async () => {
    const good = join(work, 'hinglish-1.0.0.vab');
    const other = join(work, 'other-data');
    const [chunk, manifest, signature, envelope, truncated, notVab, otherRoot] = await Promise.all([
      flipped(good, 'chunk.vab', -20_000),
      headerOffset(good, '"created":"').then((at) => flipped(good, 'manifest.vab', at + 13)),
      headerOffset(good, '"sig":"').then((at) => flipped(good, 'sig.vab', at + 10)),
      headerOffset(good, '"wrapped":"').then((at) => flipped(good, 'envelope.vab', at + 14)),
      readFile(good).then(async (b) => {
        await writeFile(join(work, 'cut.vab'), b.subarray(0, b.length - 5000));
        return join(work, 'cut.vab');
      }),
      writeFile(join(work, 'notes.vab'), 'just some text, not a bundle\n').then(() => join(work, 'notes.vab')),
      runAsync(['keys', 'init', '--data', other]).then(() => join(other, 'root.json')),
    ]);
    const results = await Promise.all([
      runAsync(['bundle', 'verify', chunk]),
      runAsync(['bundle', 'verify', manifest]),
      runAsync(['bundle', 'verify', signature]),
      runAsync(['bundle', 'verify', envelope]),
      runAsync(['bundle', 'verify', truncated]),
      runAsync(['bundle', 'verify', notVab]),
      runAsync(['bundle', 'verify', good, '--root', otherRoot]),
    ]);
    const expected = [
      /Chunk \d+ of stt\/model\.onnx does not match its signed hash/,
      /signature does not match the manifest/,
      /signature does not match the manifest/,
      /content key envelope cannot be opened/,
      /truncated/,
      /not a voice-agent bundle file/,
      /not by this service's publisher key/,
    ];
    for (const [i, r] of results.entries()) {
      expect(r.status, `case ${i}: ${r.stdout}`).toBe(1);
      expect(r.stderr).toMatch(expected[i]!);
      expect(r.stdout).toBe('');
    }
  });

  it('publishes once per version; list shows it; a tampered file stores nothing', async () => {
    const publish = run(['bundle', 'publish', 'hinglish-1.0.0.vab']);
    expect(publish.status, publish.stderr).toBe(0);
    expect(publish.stdout).toMatch(/Published stt-hinglish 1\.0\.0/);
    expect(publish.stdout).toMatch(/voice-agent rollout set stt-hinglish 1\.0\.0 --percent 100/);
    const stored = blobFiles();
    expect(stored).toHaveLength(2);

    const [list, listText, again, pack105] = await Promise.all([
      runAsync(['bundle', 'list', '--json']),
      runAsync(['bundle', 'list']),
      runAsync(['bundle', 'publish', 'hinglish-1.0.0.vab']),
      runAsync(['bundle', 'pack', 'hinglish', '--kind', 'stt', '--version', '1.0.5', '--chunk-size', CHUNK, '--out', 'v105.vab']),
    ]);
    expect(list.status, list.stderr).toBe(0);
    const bundles = JSON.parse(list.stdout) as Array<{ id: string; kind: string; versions: Array<{ version: string; rollouts: unknown[] }> }>;
    expect(bundles).toEqual([
      expect.objectContaining({ id: 'stt-hinglish', kind: 'stt', versions: [expect.objectContaining({ version: '1.0.0', rollouts: [] })] }),
    ]);
    expect(listText.stdout).toMatch(/stt-hinglish\s+stt\s+1\.0\.0/);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already published.*higher than 1\.0\.0/s);

    // A higher version with one damaged chunk: refused after streaming, and the blobs it began are gone.
    expect(pack105.status, pack105.stderr).toBe(0);
    const bad = await flipped(join(work, 'v105.vab'), 'v105-bad.vab', -10);
    const refused = run(['bundle', 'publish', bad]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/Chunk \d+ of stt\/vocab\/tokens\.txt does not match its signed hash/);
    expect(blobFiles()).toEqual(stored);
  });

  it('an enrolment code from the CLI enrols a device once, through the HTTP API', async () => {
    const appDir = join(work, 'app');
    await mkdir(appDir, { recursive: true });
    await writeFile(join(appDir, 'index.html'), '<!doctype html><title>test</title>');
    const app = await createServer({ appDir, dataDir, logger: false, sync: { updatesPerDevicePerMinute: 0 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    server = { app, baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };

    const [code, plainCode] = await Promise.all([
      runAsync(['device', 'enroll-code', '--branch', 'mumbai-fort', '--expires-hours', '2', '--json']),
      runAsync(['device', 'enroll-code']),
    ]);
    expect(code.status, code.stderr).toBe(0);
    const { code: secret, branch, expiresAt } = JSON.parse(code.stdout) as { code: string; branch: string; expiresAt: string };
    expect(secret).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(branch).toBe('mumbai-fort');
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(1.9 * 3600_000);
    expect(plainCode.stdout).toMatch(/Enrolment code: \S{4}-\S{4}-\S{4}\n\s+branch\s+main/);

    const pair = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits'])) as CryptoKeyPair;
    const publicKey = b64u(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)));
    const body = JSON.stringify({ code: secret.toLowerCase(), publicKey, label: 'kiosk 1', appVersion: '0.1.0' });
    const enrol = await fetch(`${server.baseUrl}/api/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(enrol.status).toBe(200);
    const enrolled = (await enrol.json()) as { deviceId: string; token: string; branch: string };
    expect(enrolled.branch).toBe('mumbai-fort');
    device = { id: enrolled.deviceId, token: enrolled.token, privateKey: pair.privateKey };
    const reused = await fetch(`${server.baseUrl}/api/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(reused.status).toBe(410);

    const list = run(['device', 'list', '--json']);
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: device.id, label: 'kiosk 1', branch: 'mumbai-fort', status: 'active' })]);
  });

  it('rollout set, pin, unpin and rollback reach the device, with downgrade on rollback', async () => {
    expect(await freshnessBundles()).toEqual([]);
    const [set, pack110] = await Promise.all([
      runAsync(['rollout', 'set', 'stt-hinglish', '1.0.0', '--percent', '100']),
      runAsync(['bundle', 'pack', 'hinglish', '--kind', 'stt', '--version', '1.1.0', '--out', 'v110.vab']),
    ]);
    expect(set.status, set.stderr).toBe(0);
    expect(pack110.status, pack110.stderr).toBe(0);
    expect((await freshnessBundles()).map((b) => [b.id, b.version, b.downgrade])).toEqual([['stt-hinglish', '1.0.0', false]]);

    const publish = run(['bundle', 'publish', 'v110.vab', '--rollout', '100']);
    expect(publish.status, publish.stderr).toBe(0);
    expect((await freshnessBundles()).map((b) => b.version)).toEqual(['1.1.0']);

    // What the device downloads decrypts to the folder's bytes: manifest, re-wrapped key, blob.
    const manifest = (await (await api('/api/v1/bundles/stt-hinglish/1.1.0/manifest')).json()) as Signed<BundleMetadata>;
    const env = (await (await api('/api/v1/bundles/stt-hinglish/1.1.0/key')).json()) as KeyEnvelope;
    const key = await unwrapContentKey(env, device.privateKey, 'stt-hinglish', '1.1.0');
    const file = manifest.signed.files.find((f) => f.path === 'stt/model.onnx')!;
    const blob = new Uint8Array(await (await api(`/api/v1/blobs/${file.blob}`)).arrayBuffer());
    const { start, end } = encryptedChunkRange(file, manifest.signed.chunkSize, 0);
    const plain = await openChunk(key, blob.subarray(start, end), manifest.signed, file, 0);
    expect(plain).toEqual(model.subarray(0, plain.length));

    const rollback = run(['rollout', 'rollback', 'stt-hinglish']);
    expect(rollback.status, rollback.stderr).toBe(0);
    expect(rollback.stdout).toMatch(/1\.1\.0 -> 1\.0\.0/);
    expect((await freshnessBundles()).map((b) => [b.version, b.downgrade])).toEqual([['1.0.0', true]]);
    const active = JSON.parse(run(['rollout', 'list', '--json']).stdout) as Array<{ version: string; target: string; active: boolean }>;
    expect(active.map((r) => [r.version, r.target])).toEqual([['1.0.0', 'all']]);

    const pin = run(['rollout', 'pin', device.id, 'stt-hinglish', '1.1.0']);
    expect(pin.status, pin.stderr).toBe(0);
    expect(run(['rollout', 'list']).stdout).toMatch(new RegExp(`stt-hinglish\\s+1\\.1\\.0\\s+device:${device.id}\\s+100%\\s+yes`));
    expect((await freshnessBundles()).map((b) => b.version)).toEqual(['1.1.0']);
    expect(run(['rollout', 'unpin', device.id, 'stt-hinglish']).status).toBe(0);
    expect((await freshnessBundles()).map((b) => [b.version, b.downgrade])).toEqual([['1.0.0', true]]);

    const nothing = run(['rollout', 'rollback', 'stt-hinglish', '--branch', 'mumbai-fort']);
    expect(nothing.status).toBe(1);
    expect(nothing.stderr).toMatch(/Nothing of stt-hinglish is rolled out to branch mumbai-fort/);
  });

  it('device revoke: the device is refused and listed as revoked; the audit log has it all', async () => {
    const revoke = run(['device', 'revoke', device.id, '--reason', 'lost at branch']);
    expect(revoke.status, revoke.stderr).toBe(0);
    expect(revoke.stdout).toMatch(/Revoked dev_/);
    const refused = await api('/api/v1/updates');
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toBe('device_revoked');
    const [list, unknown, audit] = await Promise.all([
      runAsync(['device', 'list', '--json']),
      runAsync(['device', 'revoke', 'dev_00000000000000000000']),
      runAsync(['audit', '--json', '--limit', '100']),
    ]);
    const listed = JSON.parse(list.stdout) as Array<{ status: string; revokedReason: string }>;
    expect(listed[0]).toMatchObject({ status: 'revoked', revokedReason: 'lost at branch' });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/No device "dev_0+" was ever enrolled/);
    expect(audit.status, audit.stderr).toBe(0);
    const actions = (JSON.parse(audit.stdout) as Array<{ action: string }>).map((a) => a.action);
    for (const a of ['bundle.publish', 'enroll-code.create', 'device.enroll', 'rollout.set', 'rollout.rollback', 'key.issue', 'device.revoke']) {
      expect(actions).toContain(a);
    }
    const store = new SqliteMetadataStore(join(dataDir, 'sync.db'));
    try {
      expect((await store.getDevice(device.id))?.status).toBe('revoked');
    } finally {
      await store.close();
    }
  });

  it('malformed arguments exit 2 with a usage hint', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['bundle', 'pack', 'hinglish', '--version', '1.0.0'], /--kind is required/],
      [['bundle', 'pack', 'hinglish', '--kind', 'movie', '--version', '1.0.0'], /--kind must be one of/],
      [['bundle', 'pack', 'hinglish', '--kind', 'stt', '--version', 'latest'], /--version must be dotted numbers/],
      [['bundle', 'verify'], /exactly one \.vab file/],
      [['bundle', 'frobnicate'], /unknown sub-command "frobnicate"/],
      [['device', 'list', '--bogus'], /Unknown option '--bogus'/],
      [['device', 'enroll-code', '--expires-hours', 'soon'], /--expires-hours must be a whole number/],
      [['rollout', 'set', 'stt-hinglish'], /give <bundle-id> and <version>/],
      [['rollout', 'set', 'stt-hinglish', '1.0.0', '--percent', '150'], /--percent must be a whole number from 1 to 100/],
      [['rollout', 'pin', 'kiosk-1', 'stt-hinglish', '1.0.0'], /not a device id/],
    ];
    const results = await Promise.all(cases.map(([args]) => runAsync(args)));
    for (const [i, r] of results.entries()) {
      expect(r.status, `${cases[i]![0].join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(cases[i]![1]);
      expect(r.stderr).toMatch(/Usage: voice-agent/);
    }
  });
});
