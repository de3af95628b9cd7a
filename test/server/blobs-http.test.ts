/** Blob downloads over a real socket: Range, If-Range, ETag, 416, HEAD, resume after an abort and after a server restart. */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesSource } from '../../server/sync/blob-store.ts';
import { enrollDevice, listen, publish, randomBytes, startSyncServer, type Published, type SyncServer, type TestDevice } from './helpers.ts';

let s: SyncServer;
let device: TestDevice;
let bundle: Published;
let sha: string;
let blob: Uint8Array;
const hashOf = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  s = await startSyncServer({ updatesPerDevicePerMinute: 0 });
  bundle = await publish(s, { id: 'stt-model', kind: 'stt', version: '1.0.0', chunkSize: 64 * 1024, files: { 'stt/model.onnx': randomBytes(3 * 1024 * 1024 + 123) } });
  sha = bundle.manifest.signed.files[0]!.blob;
  blob = bundle.blobBytes.get(sha)!;
  device = await enrollDevice(s);
});
afterAll(async () => {
  await s.close();
});

const blobUrl = (base = s.baseUrl) => `${base}/api/v1/blobs/${sha}`;
const getBlob = (headers: Record<string, string> = {}, base?: string) => fetch(blobUrl(base), { headers: { ...device.auth, ...headers } });
const bytes = async (res: Response) => new Uint8Array(await res.arrayBuffer());

describe('GET /api/v1/blobs/:sha256', () => {
  it('sends the whole blob with a strong ETag, Accept-Ranges, Content-Length and immutable caching', async () => {
    const res = await getBlob();
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`"${sha}"`);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-length')).toBe(String(blob.length));
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(hashOf(await bytes(res))).toBe(sha);
  });

  it('answers byte ranges with 206 and Content-Range (start-end, open end, suffix, clamped end)', async () => {
    const cases: Array<[string, number, number]> = [
      ['bytes=0-99', 0, 99],
      ['bytes=1048576-', 1048576, blob.length - 1],
      ['bytes=-50', blob.length - 50, blob.length - 1],
      [`bytes=${blob.length - 10}-${blob.length + 1000}`, blob.length - 10, blob.length - 1],
      [`bytes=-${blob.length * 2}`, 0, blob.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await getBlob({ range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/${blob.length}`);
      expect(res.headers.get('content-length'), range).toBe(String(end - start + 1));
      // Compared by hash: vitest's deep equality over megabytes of bytes takes seconds.
      expect(hashOf(await bytes(res)), range).toBe(hashOf(blob.subarray(start, end + 1)));
    }
  });

  it('If-Range: the range is honoured only for this exact blob (strong ETag); otherwise the whole blob', async () => {
    const ok = await getBlob({ range: 'bytes=10-19', 'if-range': `"${sha}"` });
    expect(ok.status).toBe(206);
    expect(await bytes(ok)).toEqual(blob.subarray(10, 20));
    for (const ifRange of [`"${'0'.repeat(64)}"`, `W/"${sha}"`, 'Wed, 21 Oct 2015 07:28:00 GMT']) {
      const full = await getBlob({ range: 'bytes=10-19', 'if-range': ifRange });
      expect(full.status, ifRange).toBe(200);
      expect((await bytes(full)).length).toBe(blob.length);
    }
  });

  it('416 with Content-Range */size and a reason for ranges it cannot serve', async () => {
    for (const range of [`bytes=${blob.length}-`, `bytes=${blob.length + 5}-${blob.length + 10}`, 'bytes=-0', 'bytes=abc', 'bytes=5-1', 'bytes=0-1,5-6', 'items=0-1', 'bytes=-']) {
      const res = await getBlob({ range });
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range'), range).toBe(`bytes */${blob.length}`);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe('range_not_satisfiable');
      expect(body.message).toMatch(/range/i);
    }
  });

  it('If-None-Match with the ETag gives 304; HEAD gives the size without a body', async () => {
    expect((await getBlob({ 'if-none-match': `"${sha}"` })).status).toBe(304);
    const head = await fetch(blobUrl(), { method: 'HEAD', headers: device.auth });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(blob.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('404 for a blob no published bundle names, even if the bytes are in the store', async () => {
    const stray = randomBytes(100);
    const { sha256 } = await s.blobs.put(bytesSource(stray));
    const res = await fetch(`${s.baseUrl}/api/v1/blobs/${sha256}`, { headers: device.auth });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe('unknown_blob');
  });

  it('audits each download once, with its range', async () => {
    await (await getBlob({ range: 'bytes=100-199' })).arrayBuffer();
    const rows = await s.store.listAudit({ action: 'blob.download', subject: sha, limit: 1 });
    expect(rows[0]).toMatchObject({ actor: `device:${device.deviceId}`, details: { range: '100-199', bytes: 100, size: blob.length } });
  });
});

/** Reads a response until `stopAfter` bytes arrived, then cuts the connection (as a device losing the network). */
function partialDownload(url: string, headers: Record<string, string>, stopAfter: number, onCut?: () => Promise<void>): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const req = request(url, { headers }, (res) => {
      res.on('data', (chunk: Buffer) => {
        parts.push(chunk);
        got += chunk.length;
        if (got >= stopAfter && !req.destroyed) {
          const done = () => resolve(new Uint8Array(Buffer.concat(parts)));
          if (onCut) void onCut().then(done, reject);
          else {
            req.destroy();
            done();
          }
        }
      });
      res.on('error', () => undefined);
      res.on('end', () => resolve(new Uint8Array(Buffer.concat(parts))));
    });
    req.on('error', () => undefined);
    req.end();
  });
}

describe('resuming', () => {
  it('a cut download resumes with Range + If-Range from the bytes received, and the result is the exact blob', async () => {
    const first = await partialDownload(blobUrl(), device.auth, 700_000);
    expect(first.length).toBeGreaterThanOrEqual(700_000);
    expect(first.length).toBeLessThan(blob.length);
    const rest = await getBlob({ range: `bytes=${first.length}-`, 'if-range': `"${sha}"` });
    expect(rest.status).toBe(206);
    const whole = Buffer.concat([first, await bytes(rest)]);
    expect(whole.length).toBe(blob.length);
    expect(hashOf(whole)).toBe(sha);
  });

  it('the server killed mid-download: a new server on the same data dir serves the rest', async () => {
    const a = await listen(s.dirs.appDir, s.dirs.dataDir);
    const first = await partialDownload(blobUrl(a.baseUrl), device.auth, 500_000, async () => {
      a.app.server.closeAllConnections();
      await a.app.close();
    });
    expect(first.length).toBeLessThan(blob.length);
    const b = await listen(s.dirs.appDir, s.dirs.dataDir);
    try {
      const rest = await getBlob({ range: `bytes=${first.length}-`, 'if-range': `"${sha}"` }, b.baseUrl);
      expect(rest.status).toBe(206);
      expect(hashOf(Buffer.concat([first, await bytes(rest)]))).toBe(sha);
    } finally {
      await b.app.close();
    }
  });

  it('20 devices downloading at once all get the exact blob', async () => {
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 20 }, async () => hashOf(await bytes(await getBlob()))));
    const seconds = (performance.now() - started) / 1000;
    expect(new Set(results)).toEqual(new Set([sha]));
    console.log(`[blobs] 20 parallel downloads of ${(blob.length / 1e6).toFixed(1)} MB: ${((20 * blob.length) / 1e6 / seconds).toFixed(0)} MB/s aggregate over localhost`);
  });
});
