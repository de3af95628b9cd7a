/**
 * The sync service's HTTP API (docs/bundle-format.md, "HTTP API"). Every route has a JSON schema; every
 * error is `{ error, message }` where the message says what happened and what to do; bad input never
 * reaches a 500.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pipeline, Transform } from 'node:stream';
import { buf, fromB64u } from '../../src/bundles/encoding.ts';
import { unwrapContentKeyRaw, wrapContentKey, type KeyEnvelope } from '../../src/bundles/keywrap.ts';
import { PATTERNS, type RootMetadata } from '../../src/bundles/metadata.ts';
import type { Signed, SigningKey } from '../../src/bundles/signing.ts';
import type { BlobStore } from './blob-store.ts';
import { FreshnessIssuer } from './freshness.ts';
import type { DeviceRecord, MetadataStore } from './metadata-store.ts';
import type { SyncMetrics } from './metrics.ts';
import { chooseVersions } from './rollout.ts';
import { generateDeviceId, generateDeviceToken, hashSecret, normalizeEnrollCode } from './secrets.ts';

export interface SyncTuning {
  /** Lifetime of freshness metadata (default 24 h). */
  freshnessLifetimeSeconds?: number;
  /** How long a device should wait before its next update check (it adds jitter; default 1 h). */
  checkAfterSeconds?: number;
  /** Update checks one device may make per minute before 429 (0 = no limit; default 30). */
  updatesPerDevicePerMinute?: number;
  /** Failed enrolment codes one address may try per 10 minutes before 429 (0 = no limit; default 20). */
  enrollFailuresPerAddress?: number;
  now?: () => Date;
}

export interface SyncRouteOptions extends SyncTuning {
  store: MetadataStore;
  blobs: BlobStore;
  timestampKey: SigningKey;
  wrapPrivate: CryptoKey;
  root: Signed<RootMetadata>;
  metrics?: SyncMetrics;
}

/** An error the client caused or should know about: sent as `{ error, message }` with its status. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const { version: VERSION_PATTERN, bundleId: BUNDLE_ID_PATTERN, sha256: SHA256_PATTERN } = PATTERNS;
const BUNDLE_PARAMS = {
  type: 'object',
  required: ['id', 'version'],
  properties: { id: { type: 'string', pattern: BUNDLE_ID_PATTERN }, version: { type: 'string', pattern: VERSION_PATTERN } },
} as const;
const ERROR_SCHEMA = { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } } as const;

/** What Fastify's own errors mean to someone calling the API. */
function describeFrameworkError(err: FastifyError): { status: number; error: string; message: string } | undefined {
  if (err.validation) {
    const where = err.validationContext ?? 'request';
    return {
      status: 400,
      error: 'bad_request',
      message: `The ${where === 'body' ? 'request body' : where === 'params' ? 'address' : where} is invalid: ${err.message}. ` +
        'See docs/bundle-format.md ("HTTP API") for the expected format.',
    };
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, error: 'malformed_json', message: `The request body is not valid JSON (${err.message}). Send a JSON object.` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, error: 'unsupported_media_type', message: 'The request body must be JSON: send it with "Content-Type: application/json".' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, error: 'body_too_large', message: 'The request body is larger than this endpoint accepts. Send only the documented fields.' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, error: 'bad_content_length', message: 'The Content-Length header does not match the body. Resend the request.' };
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    const error = { 404: 'not_found', 405: 'method_not_allowed', 414: 'uri_too_long' }[err.statusCode] ?? 'bad_request';
    return { status: err.statusCode, error, message: `${err.message}. Check the request against docs/bundle-format.md ("HTTP API").` };
  }
  return undefined;
}

/** The one error handler of the API (also used by app.ts for the rest of the server). */
export function apiErrorHandler(err: FastifyError | ApiError | Error, req: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof ApiError) {
    void reply.code(err.statusCode).headers(err.headers).send({ error: err.error, message: err.message });
    return;
  }
  const known = describeFrameworkError(err as FastifyError);
  if (known) {
    void reply.code(known.status).send({ error: known.error, message: known.message });
    return;
  }
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    req.log.warn({ err }, 'database busy');
    void reply
      .code(503)
      .header('Retry-After', '5')
      .send({ error: 'unavailable', message: 'The sync service is busy. Try again in a few seconds (see Retry-After).' });
    return;
  }
  req.log.error({ err }, 'request failed');
  void reply.code(500).send({
    error: 'internal',
    message: 'The sync service failed on this request. Try again later; if it keeps happening, IT should check the server log.',
  });
}

/** A fixed-window counter per key, in this process. Enough to stop a misbehaving device or a code-guessing script. */
class WindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Seconds to wait when `key` is over the limit, else undefined. `count` false only checks. */
  hit(key: string, now: number, count = true): number | undefined {
    if (this.limit <= 0) return undefined;
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (this.windows.size > 100_000) this.windows.clear();
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= this.limit) return Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
    if (count) w.count++;
    return undefined;
  }
}

/** Parses a single `bytes=` range against a blob of `size` bytes (RFC 9110 §14.1.2). */
export function parseRange(header: string, size: number): { start: number; end: number } | 'invalid' | 'unsatisfiable' {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (!Number.isSafeInteger(suffix)) return 'invalid';
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return 'invalid';
  if (m[2] !== '' && Number(m[2]) < start) return 'invalid';
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** RFC 9110 §13.1.2: `*` or a comma-separated list of entity tags, compared weakly (a `W/` prefix is ignored). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => bare(t) === bare(etag));
}

function isValidP256Point(b64: string): Promise<boolean> {
  let raw: Uint8Array;
  try {
    raw = fromB64u(b64);
  } catch {
    return Promise.resolve(false);
  }
  if (raw.length !== 65 || raw[0] !== 4) return Promise.resolve(false);
  return crypto.subtle.importKey('raw', buf(raw), { name: 'ECDH', namedCurve: 'P-256' }, true, []).then(
    () => true,
    () => false,
  );
}

export async function syncRoutes(app: FastifyInstance, opts: SyncRouteOptions): Promise<void> {
  const { store, blobs, metrics } = opts;
  const now = opts.now ?? (() => new Date());
  const checkAfterSeconds = opts.checkAfterSeconds ?? 3600;
  const issuer = new FreshnessIssuer(store, opts.timestampKey, { lifetimeSeconds: opts.freshnessLifetimeSeconds, now });
  const updateLimiter = new WindowLimiter(opts.updatesPerDevicePerMinute ?? 30, 60_000);
  const enrollLimiter = new WindowLimiter(opts.enrollFailuresPerAddress ?? 20, 600_000);
  const rootJson = JSON.stringify(opts.root);

  // The API speaks JSON only: without Fastify's text/plain parser a text body is refused with 415 and a reason
  // (FST_ERR_CTP_INVALID_MEDIA_TYPE, see describeFrameworkError) instead of failing schema checks as a string.
  // The plugin is encapsulated, so this does not reach the rest of the server. Errors go through apiErrorHandler,
  // which app.ts installs on the root instance.
  app.removeContentTypeParser('text/plain');

  /** The device behind the bearer token, or an ApiError: 401 without a valid token, 403 when revoked. */
  async function authenticate(req: FastifyRequest): Promise<DeviceRecord> {
    const header = req.headers.authorization;
    const challenge = { 'WWW-Authenticate': 'Bearer realm="voice-agent sync"' };
    if (header === undefined || header === '') {
      throw new ApiError(401, 'missing_token', 'This request has no device token. Enrol this device with a one-time code from IT first.', challenge);
    }
    const m = /^Bearer +([A-Za-z0-9_-]{43})$/i.exec(header);
    const device = m ? await store.findDeviceByTokenHash(hashSecret(m[1]!)) : undefined;
    if (!device) {
      throw new ApiError(
        401,
        'invalid_token',
        'The device token is not one this sync service issued (the device may have been enrolled with another server, or its data was reset). ' +
          'Enrol this device again with a new one-time code from IT.',
        challenge,
      );
    }
    if (device.status === 'revoked') {
      throw new ApiError(
        403,
        'device_revoked',
        `This device (${device.id}) was revoked by the bank's IT team${device.revokedAt ? ` on ${device.revokedAt.slice(0, 10)}` : ''}: ` +
          'it receives no new bundles or keys. Contact your IT team if it should be enrolled again.',
      );
    }
    // last_seen_at is kept to the minute: most checks need no write at all.
    const at = now();
    if (!device.lastSeenAt || at.getTime() - Date.parse(device.lastSeenAt) >= 60_000) await store.touchDevice(device.id, at);
    return device;
  }

  app.get('/api/v1/root', { schema: { response: { 200: { type: 'object', additionalProperties: true } } } }, async (_req, reply) => {
    reply.header('Cache-Control', 'no-cache').type('application/json; charset=utf-8');
    return rootJson;
  });

  app.post(
    '/api/v1/enroll',
    {
      bodyLimit: 16 * 1024,
      schema: {
        body: {
          type: 'object',
          required: ['code', 'publicKey', 'appVersion'],
          properties: {
            code: { type: 'string', minLength: 1, maxLength: 64 },
            publicKey: { type: 'string', pattern: '^[A-Za-z0-9_-]{87}$' },
            label: { type: 'string', maxLength: 120 },
            appVersion: { type: 'string', pattern: VERSION_PATTERN },
            capabilities: {
              type: 'object',
              maxProperties: 32,
              additionalProperties: { anyOf: [{ type: 'boolean' }, { type: 'number' }, { type: 'string', maxLength: 200 }] },
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['deviceId', 'token', 'branch', 'root'],
            properties: { deviceId: { type: 'string' }, token: { type: 'string' }, branch: { type: 'string' }, root: { type: 'object', additionalProperties: true } },
          },
          '4xx': ERROR_SCHEMA,
        },
      },
    },
    async (req) => {
      const body = req.body as { code: string; publicKey: string; label?: string; appVersion: string; capabilities?: Record<string, unknown> };
      const fail = (status: number, error: string, message: string, result: string) => {
        metrics?.enrolments.inc({ result });
        return new ApiError(status, error, message);
      };
      const wait = enrollLimiter.hit(req.ip, now().getTime(), false);
      if (wait !== undefined) {
        metrics?.enrolments.inc({ result: 'rate_limited' });
        throw new ApiError(429, 'too_many_attempts', `Too many wrong enrolment codes from this address. Wait ${wait} seconds, then type the code again carefully.`, {
          'Retry-After': String(wait),
        });
      }
      const code = normalizeEnrollCode(body.code);
      if (!code) {
        throw fail(400, 'invalid_code', 'That is not an enrolment code: codes look like ABCD-EFGH-JKMN (letters and digits 2–9). Check it with IT.', 'malformed');
      }
      if (!(await isValidP256Point(body.publicKey))) {
        throw fail(400, 'bad_public_key', 'publicKey is not a P-256 public key (65 bytes, uncompressed, base64url). Reload the app and enrol again.', 'bad_key');
      }
      const deviceId = generateDeviceId();
      const token = generateDeviceToken();
      const result = await store.enrollDevice({
        codeHash: hashSecret(code),
        deviceId,
        tokenHash: hashSecret(token),
        publicKey: body.publicKey,
        label: body.label,
        appVersion: body.appVersion,
        capabilities: body.capabilities ?? {},
        now: now(),
      });
      if (!result.ok) {
        await store.audit({ actor: `ip:${req.ip}`, action: 'device.enroll-refused', subject: result.code ? `branch:${result.code.branch}` : 'unknown-code', details: { reason: result.reason } });
        if (result.reason === 'unknown') {
          enrollLimiter.hit(req.ip, now().getTime());
          throw fail(400, 'invalid_code', 'This enrolment code is not valid. Check it was typed correctly, or ask IT for a new one.', 'unknown');
        }
        if (result.reason === 'used') throw fail(410, 'code_used', 'This enrolment code was already used: each code enrols one device. Ask IT for a new code.', 'used');
        throw fail(410, 'code_expired', `This enrolment code expired at ${result.code?.expiresAt}. Ask IT for a new code.`, 'expired');
      }
      metrics?.enrolments.inc({ result: 'ok' });
      req.log.info({ deviceId, branch: result.device.branch }, 'device enrolled');
      return { deviceId, token, branch: result.device.branch, root: opts.root };
    },
  );

  app.get(
    '/api/v1/updates',
    {
      schema: {
        querystring: { type: 'object', properties: { appVersion: { type: 'string', pattern: VERSION_PATTERN } } },
      },
    },
    async (req, reply) => {
      let device: DeviceRecord;
      try {
        device = await authenticate(req);
      } catch (e) {
        metrics?.updateChecks.inc({ result: e instanceof ApiError ? e.error : 'error' });
        throw e;
      }
      const wait = updateLimiter.hit(device.id, now().getTime());
      if (wait !== undefined) {
        metrics?.updateChecks.inc({ result: 'rate_limited' });
        throw new ApiError(429, 'too_many_requests', `This device checks for updates too often. Wait ${wait} seconds (see Retry-After).`, {
          'Retry-After': String(wait),
        });
      }
      const { appVersion } = req.query as { appVersion?: string };
      if (appVersion !== undefined && appVersion !== device.appVersion) {
        await store.touchDevice(device.id, now(), appVersion);
        device = { ...device, appVersion };
      }
      const fresh = await issuer.forDevice(device);
      metrics?.updateChecks.inc({ result: 'ok' });
      const etag = `"f${fresh.version}-${fresh.contentHash.slice(0, 16)}"`;
      reply.header('Cache-Control', 'private, no-cache').header('ETag', etag);
      if (matchesIfNoneMatch(req.headers['if-none-match'], etag)) return reply.code(304).send();
      reply.type('application/json; charset=utf-8');
      // The stored bytes as they are: a repeated check returns an identical freshness.
      return `{"freshness":${fresh.body},"checkAfterSeconds":${checkAfterSeconds}}`;
    },
  );

  app.get('/api/v1/bundles/:id/:version/manifest', { schema: { params: BUNDLE_PARAMS } }, async (req, reply) => {
    await authenticate(req);
    const { id, version } = req.params as { id: string; version: string };
    const bundle = await store.getBundle(id, version);
    if (!bundle) {
      throw new ApiError(404, 'unknown_bundle', `Bundle ${id} ${version} is not published on this server. Check for updates to get the current list.`);
    }
    reply.header('Cache-Control', 'private, max-age=31536000, immutable').type('application/json; charset=utf-8');
    return bundle.manifestJson;
  });

  app.get('/api/v1/bundles/:id/:version/key', { schema: { params: BUNDLE_PARAMS } }, async (req, reply) => {
    const device = await authenticate(req);
    const { id, version } = req.params as { id: string; version: string };
    const bundle = await store.getBundle(id, version);
    if (!bundle) {
      throw new ApiError(404, 'unknown_bundle', `Bundle ${id} ${version} is not published on this server. Check for updates to get the current list.`);
    }
    // A key is given only for what is rolled out to this device, so a device cannot open another branch's bundles.
    const offered = chooseVersions(device, await store.listRollouts({ activeOnly: true })).some((c) => c.bundleId === id && c.version === version);
    if (!offered) {
      throw new ApiError(
        403,
        'not_offered',
        `Bundle ${id} ${version} is not rolled out to this device, so its key is not given out. Check for updates to see what this device should install.`,
      );
    }
    let raw: Uint8Array;
    try {
      raw = await unwrapContentKeyRaw(bundle.keyEnvelope as KeyEnvelope, opts.wrapPrivate, id, version);
    } catch (e) {
      // The stored envelope was wrapped to another wrap key (e.g. the data dir's keys were replaced): no device can
      // get this bundle's key until it is packed for this service and published again.
      req.log.error({ err: e, bundle: `${id}@${version}` }, 'cannot open the stored key envelope');
      throw new ApiError(
        500,
        'bundle_key_unusable',
        `The sync service cannot open the key of bundle ${id} ${version}: this bundle was published under other service keys. ` +
          'IT must pack it for this service and publish it again; the device will retry at its next update check.',
      );
    }
    let envelope: KeyEnvelope;
    try {
      envelope = await wrapContentKey(raw, { keytype: 'ecdh-p256', public: device.publicKey }, id, version);
    } finally {
      raw.fill(0);
    }
    await store.audit({ actor: `device:${device.id}`, action: 'key.issue', subject: `${id}@${version}`, details: { branch: device.branch } });
    metrics?.keyIssues.inc();
    reply.header('Cache-Control', 'no-store');
    return envelope;
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/v1/blobs/:sha256',
    schema: { params: { type: 'object', required: ['sha256'], properties: { sha256: { type: 'string', pattern: SHA256_PATTERN } } } },
    handler: async (req, reply) => {
      const device = await authenticate(req);
      const { sha256 } = req.params as { sha256: string };
      const stat = (await store.isPublishedBlob(sha256)) ? await blobs.stat(sha256) : undefined;
      if (!stat) {
        metrics?.downloads.inc({ status_code: '404' });
        throw new ApiError(404, 'unknown_blob', `No published bundle has a blob ${sha256}. Check for updates to get current manifests.`);
      }
      const size = stat.size;
      const etag = `"${sha256}"`;
      reply
        .header('ETag', etag)
        .header('Accept-Ranges', 'bytes')
        .header('Cache-Control', 'private, max-age=31536000, immutable')
        .type('application/octet-stream');
      if (matchesIfNoneMatch(req.headers['if-none-match'], etag)) return reply.code(304).send();
      // If-Range: resume only when the client's partial copy is of this exact blob (strong comparison).
      const rangeHeader = req.headers.range;
      const ifRange = req.headers['if-range'];
      const useRange = rangeHeader !== undefined && (ifRange === undefined || ifRange === etag);
      let range: { start: number; end: number } | undefined;
      if (useRange) {
        const r = parseRange(rangeHeader, size);
        if (r === 'invalid' || r === 'unsatisfiable') {
          metrics?.downloads.inc({ status_code: '416' });
          throw new ApiError(
            416,
            'range_not_satisfiable',
            r === 'invalid'
              ? `The Range header "${rangeHeader.slice(0, 80)}" is not one byte range like "bytes=1048576-". Ask for one range at a time.`
              : `The Range "${rangeHeader.slice(0, 80)}" starts beyond the end of the blob (${size} bytes). The download is complete or the partial copy is of another file: start again from 0.`,
            { 'Content-Range': `bytes */${size}` },
          );
        }
        range = r;
      }
      const length = range ? range.end - range.start + 1 : size;
      reply.header('Content-Length', String(length));
      if (range) reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
      metrics?.downloads.inc({ status_code: range ? '206' : '200' });
      if (req.method === 'HEAD' || length === 0) return reply.send();
      await store.audit({
        actor: `device:${device.id}`,
        action: 'blob.download',
        subject: sha256,
        details: { range: range ? `${range.start}-${range.end}` : null, bytes: length, size },
      });
      const stream = blobs.createReadStream(sha256, range ?? (size > 0 ? { start: 0, end: size - 1 } : undefined));
      if (!metrics) return reply.send(stream);
      const counter = metrics.downloadBytes;
      // Counts bytes as they leave, so an aborted download counts what was really sent.
      const counting = new Transform({
        transform(chunk: Buffer, _enc, done) {
          counter.inc(chunk.length);
          done(null, chunk);
        },
      });
      // pipeline (not pipe): a client that goes away closes the file too.
      return reply.send(pipeline(stream, counting, () => undefined));
    },
  });
}
