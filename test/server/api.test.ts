/** The sync service's HTTP API over a real socket: enrolment, updates, manifests, keys, revocation, bad input, health, metrics. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../server/app.ts';
import { hashSecret } from '../../server/sync/secrets.ts';
import { openChunk } from '../../src/bundles/chunks.ts';
import { exportWrapPublicKey, generateWrapKeyPair, unwrapContentKey, unwrapContentKeyRaw, type KeyEnvelope } from '../../src/bundles/keywrap.ts';
import { parseFreshness } from '../../src/bundles/metadata.ts';
import { enrollDevice, publish, startSyncServer, tempDir, type Published, type SyncServer, type TestDevice } from './helpers.ts';

let s: SyncServer;
let kb: Published;
let device: TestDevice;

beforeAll(async () => {
  s = await startSyncServer({ updatesPerDevicePerMinute: 0 });
  kb = await publish(s, { id: 'gold-loan-kb', version: '1.0.0', chunkSize: 1024, files: { 'kb/a.json': new TextEncoder().encode('{"hello":"नमस्ते"}'.repeat(200)) } });
  await s.store.setRollout({ bundleId: 'gold-loan-kb', version: '1.0.0', target: 'all', percent: 100 });
  device = await enrollDevice(s);
});
afterAll(async () => {
  await s.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${s.baseUrl}${path}`, { headers });
const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${s.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** Every error is JSON { error, message } with a message a person can act on. */
async function expectError(res: Response, status: number, error?: string): Promise<{ error: string; message: string }> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  const body = JSON.parse(text) as { error: string; message: string };
  expect(typeof body.error).toBe('string');
  expect(body.message.length, body.message).toBeGreaterThan(30);
  if (error) expect(body.error).toBe(error);
  return body;
}

async function newKeyPair() {
  const pair = await generateWrapKeyPair(false);
  return { pair, publicKey: (await exportWrapPublicKey(pair.publicKey)).public };
}

describe('enrolment', () => {
  it('a good code enrols: device id, token, branch and the signed root; only hashes are stored; audited', async () => {
    const { code } = await s.store.createEnrollCode({ branch: 'pune-camp' });
    const { publicKey } = await newKeyPair();
    const res = await postJson('/api/v1/enroll', { code: code.toLowerCase(), publicKey, appVersion: '0.1.0', label: 'Counter 2', capabilities: { webgpu: true, memoryMB: 8192 } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { deviceId: string; token: string; branch: string; root: unknown };
    expect(body.deviceId).toMatch(/^dev_[0-9a-f]{20}$/);
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.branch).toBe('pune-camp');
    expect(body.root).toEqual(s.data.root);
    const stored = await s.store.getDevice(body.deviceId);
    expect(stored).toMatchObject({ branch: 'pune-camp', label: 'Counter 2', publicKey, status: 'active', capabilities: { webgpu: true, memoryMB: 8192 } });
    expect(await s.store.findDeviceByTokenHash(hashSecret(body.token))).toMatchObject({ id: body.deviceId });
    const audit = await s.store.listAudit({ action: 'device.enroll', subject: body.deviceId });
    expect(audit[0]).toMatchObject({ actor: `device:${body.deviceId}`, details: { branch: 'pune-camp' } });
  });

  it('a used code is refused (410) and does not enrol a second device', async () => {
    const { code } = await s.store.createEnrollCode({ branch: 'b1' });
    const { publicKey } = await newKeyPair();
    expect((await postJson('/api/v1/enroll', { code, publicKey, appVersion: '0.1.0' })).status).toBe(200);
    const before = (await s.store.listDevices()).length;
    const again = await expectError(await postJson('/api/v1/enroll', { code, publicKey, appVersion: '0.1.0' }), 410, 'code_used');
    expect(again.message).toMatch(/already used.*new code/);
    expect((await s.store.listDevices()).length).toBe(before);
    expect((await s.store.listAudit({ action: 'device.enroll-refused' }))[0]?.details).toEqual({ reason: 'used' });
  });

  it('an expired code is refused (410); an unknown one (400)', async () => {
    const { code } = await s.store.createEnrollCode({ branch: 'b1', ttlSeconds: 60, now: new Date(Date.now() - 3600_000) });
    const { publicKey } = await newKeyPair();
    expect((await expectError(await postJson('/api/v1/enroll', { code, publicKey, appVersion: '0.1.0' }), 410, 'code_expired')).message).toMatch(/expired.*new code/);
    await expectError(await postJson('/api/v1/enroll', { code: 'ABCD-EFGH-JKMN', publicKey, appVersion: '0.1.0' }), 400, 'invalid_code');
  });

  it('malformed enrolment requests get 4xx with a reason', async () => {
    const { code } = await s.store.createEnrollCode({ branch: 'b1' });
    const { publicKey } = await newKeyPair();
    const good = { code, publicKey, appVersion: '0.1.0' };
    const notOnCurve = `BA${'A'.repeat(85)}`;
    const cases: Array<[string, RequestInit, number, string?]> = [
      ['not JSON', { body: '{"code": ', headers: { 'content-type': 'application/json' } }, 400, 'malformed_json'],
      ['empty body', { body: '', headers: { 'content-type': 'application/json' } }, 400],
      ['text/plain', { body: 'hello', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
      ['form data', { body: 'code=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type'],
      ['an array', { body: '[]', headers: { 'content-type': 'application/json' } }, 400, 'bad_request'],
      ['no code', { body: JSON.stringify({ publicKey, appVersion: '0.1.0' }), headers: { 'content-type': 'application/json' } }, 400, 'bad_request'],
      ['no public key', { body: JSON.stringify({ code, appVersion: '0.1.0' }), headers: { 'content-type': 'application/json' } }, 400, 'bad_request'],
      ['short public key', { body: JSON.stringify({ ...good, publicKey: 'abc' }), headers: { 'content-type': 'application/json' } }, 400, 'bad_request'],
      ['point not on the curve', { body: JSON.stringify({ ...good, publicKey: notOnCurve }), headers: { 'content-type': 'application/json' } }, 400, 'bad_public_key'],
      ['code of the wrong shape', { body: JSON.stringify({ ...good, code: 'hello' }), headers: { 'content-type': 'application/json' } }, 400, 'invalid_code'],
      ['bad app version', { body: JSON.stringify({ ...good, appVersion: 'latest' }), headers: { 'content-type': 'application/json' } }, 400, 'bad_request'],
      ['nested capabilities', { body: JSON.stringify({ ...good, capabilities: { gpu: { a: 1 } } }), headers: { 'content-type': 'application/json' } }, 400, 'bad_request'],
      ['huge body', { body: JSON.stringify({ ...good, label: 'x'.repeat(100_000) }), headers: { 'content-type': 'application/json' } }, 413, 'body_too_large'],
    ];
    for (const [name, init, status, error] of cases) {
      const res = await fetch(`${s.baseUrl}/api/v1/enroll`, { method: 'POST', ...init });
      await expectError(res, status, error).catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      });
    }
    // None of that used the code.
    expect((await postJson('/api/v1/enroll', good)).status).toBe(200);
  });
});

describe('updates', () => {
  it('needs a device token: none → 401 missing_token, wrong → 401 invalid_token', async () => {
    const none = await get('/api/v1/updates');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await expectError(none, 401, 'missing_token')).message).toMatch(/Enrol this device/);
    await expectError(await get('/api/v1/updates', { authorization: `Bearer ${'A'.repeat(43)}` }), 401, 'invalid_token');
    await expectError(await get('/api/v1/updates', { authorization: 'Basic dXNlcjpwYXNz' }), 401, 'invalid_token');
    await expectError(await get('/api/v1/updates', { authorization: `Bearer ${device.token}x` }), 401, 'invalid_token');
  });

  it('answers signed freshness for this device and checkAfterSeconds; a repeat is byte-identical and 304 with the ETag', async () => {
    const res = await get('/api/v1/updates', device.auth);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    const text = await res.text();
    const body = JSON.parse(text) as { freshness: unknown; checkAfterSeconds: number };
    expect(body.checkAfterSeconds).toBe(3600);
    const f = parseFreshness(body.freshness).signed;
    expect(f.deviceId).toBe(device.deviceId);
    expect(f.bundles).toEqual([{ id: 'gold-loan-kb', version: '1.0.0', manifest: kb.manifestSha, downgrade: false }]);
    const again = await get('/api/v1/updates', device.auth);
    expect(await again.text()).toBe(text);
    const etag = again.headers.get('etag')!;
    expect((await get('/api/v1/updates', { ...device.auth, 'if-none-match': etag })).status).toBe(304);
    expect((await get('/api/v1/updates', { ...device.auth, 'if-none-match': `"other", ${etag}` })).status).toBe(304);
    expect((await get('/api/v1/updates', { ...device.auth, 'if-none-match': '*' })).status).toBe(304);
    expect((await get('/api/v1/updates', { ...device.auth, 'if-none-match': '"other"' })).status).toBe(200);
    await expectError(await get('/api/v1/updates?appVersion=newest', device.auth), 400, 'bad_request');
  });

  it('records the app version a device reports', async () => {
    expect((await get('/api/v1/updates?appVersion=0.2.0', device.auth)).status).toBe(200);
    expect((await s.store.getDevice(device.deviceId))?.appVersion).toBe('0.2.0');
  });
});

describe('manifests and keys', () => {
  it('serves the signed manifest as published; unknown or malformed ids get 404/400', async () => {
    const res = await get('/api/v1/bundles/gold-loan-kb/1.0.0/manifest', device.auth);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(JSON.stringify(kb.manifest));
    expect((await expectError(await get('/api/v1/bundles/gold-loan-kb/9.9.9/manifest', device.auth), 404, 'unknown_bundle')).message).toMatch(/not published/);
    await expectError(await get('/api/v1/bundles/Gold_Loan/1.0.0/manifest', device.auth), 400, 'bad_request');
    await expectError(await get('/api/v1/bundles/gold-loan-kb/v1/manifest', device.auth), 400, 'bad_request');
    await expectError(await get('/api/v1/bundles/..%2f/1.0.0/manifest', device.auth), 400, 'bad_request');
  });

  it("wraps the content key to this device: its private key opens it, and it decrypts the bundle's chunks", async () => {
    const res = await get('/api/v1/bundles/gold-loan-kb/1.0.0/key', device.auth);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const env = (await res.json()) as KeyEnvelope;
    expect(env.alg).toBe('ECDH-ES+HKDF-SHA256+A256KW');
    expect(await unwrapContentKeyRaw(env, device.privateKey, 'gold-loan-kb', '1.0.0')).toEqual(kb.contentKey);
    const key = await unwrapContentKey(env, device.privateKey, 'gold-loan-kb', '1.0.0');
    const file = kb.manifest.signed.files[0]!;
    const blob = kb.blobBytes.get(file.blob)!;
    const first = await openChunk(key, blob.subarray(0, 1024 + 28), kb.manifest.signed, file, 0);
    expect(new TextDecoder().decode(first).startsWith('{"hello":"नमस्ते"}')).toBe(true);
    // Bound to bundle and version, and useless to another device.
    await expect(unwrapContentKeyRaw(env, device.privateKey, 'gold-loan-kb', '1.0.1')).rejects.toThrow();
    const other = await newKeyPair();
    await expect(unwrapContentKeyRaw(env, other.pair.privateKey, 'gold-loan-kb', '1.0.0')).rejects.toThrow(/another device/);
    const audit = await s.store.listAudit({ action: 'key.issue', actor: `device:${device.deviceId}` });
    expect(audit[0]?.subject).toBe('gold-loan-kb@1.0.0');
  });

  it('gives no key for a bundle not rolled out to the device', async () => {
    await publish(s, { id: 'branch-kb', version: '2.0.0' });
    await s.store.setRollout({ bundleId: 'branch-kb', version: '2.0.0', target: 'branch:other-branch', percent: 100 });
    expect((await expectError(await get('/api/v1/bundles/branch-kb/2.0.0/key', device.auth), 403, 'not_offered')).message).toMatch(/not rolled out to this device/);
    await expectError(await get('/api/v1/bundles/branch-kb/3.0.0/key', device.auth), 404, 'unknown_bundle');
  });

  it('a bundle wrapped to other service keys gets a clear 500 telling IT to publish it again', async () => {
    const foreign = (await exportWrapPublicKey((await generateWrapKeyPair(false)).publicKey));
    const root = { ...s.data.root, signed: { ...s.data.root.signed, wrapKey: foreign } };
    await publish({ ...s, data: { root } }, { id: 'foreign-kb', version: '1.0.0' });
    await s.store.setRollout({ bundleId: 'foreign-kb', version: '1.0.0', target: 'all', percent: 100 });
    const body = await expectError(await get('/api/v1/bundles/foreign-kb/1.0.0/key', device.auth), 500, 'bundle_key_unusable');
    expect(body.message).toMatch(/published under other service keys.*publish it again/);
    await s.store.stopRollout((await s.store.listRollouts({ bundleId: 'foreign-kb', activeOnly: true }))[0]!.id);
  });
});

describe('a revoked device', () => {
  it('is refused everywhere with 403 device_revoked and told to contact IT', async () => {
    const d = await enrollDevice(s, 'thane');
    expect((await get('/api/v1/updates', d.auth)).status).toBe(200);
    await s.store.revokeDevice(d.deviceId, 'stolen', { actor: 'it-admin' });
    const blob = kb.manifest.signed.files[0]!.blob;
    for (const path of ['/api/v1/updates', '/api/v1/bundles/gold-loan-kb/1.0.0/manifest', '/api/v1/bundles/gold-loan-kb/1.0.0/key', `/api/v1/blobs/${blob}`]) {
      const body = await expectError(await get(path, d.auth), 403, 'device_revoked');
      expect(body.message).toMatch(/revoked by the bank's IT team.*Contact your IT team/);
    }
    const res = await fetch(`${s.baseUrl}/api/v1/blobs/${blob}`, { method: 'HEAD', headers: d.auth });
    expect(res.status).toBe(403);
  });
});

describe('bad input to every endpoint', () => {
  it('gets a 4xx with {error, message}, never a 500', async () => {
    const sha = 'a'.repeat(64);
    const cases: Array<[string, string, RequestInit?]> = [
      ['GET', '/api/v1/enroll'],
      ['POST', '/api/v1/root'],
      ['PUT', '/api/v1/updates'],
      ['DELETE', `/api/v1/blobs/${sha}`],
      ['GET', '/api/v1/nothing-here'],
      ['GET', '/api/v1/bundles/gold-loan-kb/1.0.0'],
      ['GET', '/api/v1/bundles/gold-loan-kb/1.0.0/other'],
      ['GET', `/api/v1/blobs/${'z'.repeat(64)}`],
      ['GET', '/api/v1/blobs/abc'],
      ['GET', `/api/v1/blobs/${'a'.repeat(300)}`],
      ['GET', `/api/v1/blobs/${sha.toUpperCase()}`],
      ['GET', `/api/v1/blobs/${sha}`],
      ['GET', '/api/v1/bundles/x/1/key'],
      ['GET', `/api/v1/bundles/${'a'.repeat(65)}/1.0/key`],
      ['GET', '/api/v1/bundles/kb/1.2.3.4.5/manifest'],
      ['GET', '/api/v1/updates?appVersion=1.x'],
      ['GET', '/api/v1/updates?appVersion=1&appVersion=2'],
      ['POST', '/api/v1/enroll', { body: '\u0000\u0001', headers: { 'content-type': 'application/json' } }],
      ['POST', '/api/v1/enroll', { body: '{"code":"ABCD-EFGH-JKMN","publicKey":null,"appVersion":"1"}', headers: { 'content-type': 'application/json' } }],
      ['POST', '/api/v1/enroll', { body: 'x', headers: { 'content-type': 'application/octet-stream' } }],
    ];
    for (const [method, path, init] of cases) {
      const res = await fetch(`${s.baseUrl}${path}`, { method, ...init, headers: { ...device.auth, ...(init?.headers as Record<string, string>) } });
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      const body = (await res.json()) as { error: string; message: string };
      expect(typeof body.error, `${method} ${path}`).toBe('string');
      expect(body.message.length, `${method} ${path}: ${body.message}`).toBeGreaterThan(20);
    }
  });

  it('keeps COOP/COEP/CORP on API answers, errors included', async () => {
    for (const res of [await get('/api/v1/root'), await get('/api/v1/updates'), await get('/api/health')]) {
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('cross-origin-embedder-policy')).toBeTruthy();
      expect(res.headers.get('cross-origin-resource-policy')).toBeTruthy();
    }
  });
});

describe('root, health and metrics', () => {
  it('GET /api/v1/root is the signed root, without a token', async () => {
    const res = await get('/api/v1/root');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(s.data.root);
  });

  it('/api/health reports the database, the blob store and counts', async () => {
    const body = (await (await get('/api/health')).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', db: 'ok', blobs: 'ok' });
    expect(body.bundles).toBeGreaterThanOrEqual(1);
    expect(body.devices).toBeGreaterThanOrEqual(1);
  });

  it('/metrics exposes request durations, enrolments, update checks, key envelopes, downloads and process metrics', async () => {
    const blob = kb.manifest.signed.files[0]!.blob;
    await (await get(`/api/v1/blobs/${blob}`, device.auth)).arrayBuffer();
    const text = await (await get('/metrics')).text();
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
    expect(value(/^sync_enrolments_total\{result="ok"\} (\d+)/m)).toBeGreaterThanOrEqual(3);
    expect(value(/^sync_enrolments_total\{result="used"\} (\d+)/m)).toBe(1);
    expect(value(/^sync_update_checks_total\{result="ok"\} (\d+)/m)).toBeGreaterThanOrEqual(2);
    expect(value(/^sync_update_checks_total\{result="missing_token"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^sync_key_envelopes_total (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^sync_download_bytes_total (\d+)/m)).toBeGreaterThanOrEqual(kb.manifest.signed.files[0]!.encSize);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/updates",status_code="200"\} \d+/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/blobs\/:sha256",status_code="200"\} \d+/);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });
});

describe('rate limits', () => {
  it('a device checking too often gets 429 with Retry-After; so does an address guessing codes', async () => {
    const limited = await startSyncServer({ updatesPerDevicePerMinute: 2, enrollFailuresPerAddress: 2 });
    try {
      const d = await enrollDevice(limited);
      const check = () => fetch(`${limited.baseUrl}/api/v1/updates`, { headers: d.auth });
      expect((await check()).status).toBe(200);
      expect((await check()).status).toBe(200);
      const third = await check();
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      await expectError(third, 429, 'too_many_requests');
      const { publicKey } = await newKeyPair();
      const guess = () =>
        fetch(`${limited.baseUrl}/api/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'ABCD-EFGH-JKMN', publicKey, appVersion: '0.1.0' }) });
      expect((await guess()).status).toBe(400);
      expect((await guess()).status).toBe(400);
      const blocked = await guess();
      expect(blocked.headers.get('retry-after')).toBeTruthy();
      await expectError(blocked, 429, 'too_many_attempts');
    } finally {
      await limited.close();
    }
  });
});

describe('without a data directory', () => {
  it('serves only the app and a plain health check (as the e2e harness uses it)', async () => {
    const appDir = await tempDir('va-app-');
    await writeFile(join(appDir, 'index.html'), '<!doctype html>');
    const app = await createServer({ appDir });
    try {
      expect((await app.inject('/api/health')).json()).toMatchObject({ status: 'ok' });
      const res = await app.inject('/api/v1/root');
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: 'not_found' });
      expect((await app.inject('/some/page')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
