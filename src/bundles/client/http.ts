/** Talking to the sync service: bearer auth, its JSON errors ({ error, message }) and Retry-After. */
import { BundleError } from '../source.ts';
import { parseRetryAfter } from './policy.ts';

export class SyncHttpError extends BundleError {
  override name = 'SyncHttpError';
  constructor(
    message: string,
    readonly status: number,
    /** The service's error code, e.g. "device_revoked"; "network" when there was no answer. */
    readonly code: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** Worth trying again later: no answer, a server error, or "slow down". */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** Turns a non-2xx answer into a SyncHttpError carrying the service's own message when it sent one. */
export async function httpError(res: Response, what: string): Promise<SyncHttpError> {
  let code = `http_${res.status}`;
  let message = '';
  try {
    const body = (await res.json()) as { error?: unknown; message?: unknown };
    if (typeof body.error === 'string') code = body.error;
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
  if (!message) {
    message = res.status >= 500 || res.status === 429
      ? `The sync service could not ${what} (HTTP ${res.status}). It will be tried again automatically.`
      : `The sync service refused to ${what} (HTTP ${res.status}).`;
  }
  return new SyncHttpError(message, res.status, code, retryAfter);
}

export function networkError(e: unknown, what: string, server: string): SyncHttpError {
  return new SyncHttpError(
    `Could not reach the sync service at ${server} to ${what} (${(e as Error).message ?? String(e)}). ` +
      'Check the network connection; it will be tried again automatically.',
    0,
    'network',
  );
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** GET or POST JSON with the device's token. */
export async function requestJson(
  fetchFn: FetchLike,
  url: string,
  what: string,
  opts: { token?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: opts.body === undefined ? 'GET' : 'POST',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      cache: 'no-store',
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw networkError(e, what, new URL(url).origin);
  }
  if (!res.ok) throw await httpError(res, what);
  try {
    return await res.json();
  } catch {
    throw new SyncHttpError(`The sync service sent an unreadable answer when asked to ${what}. It will be tried again automatically.`, 502, 'bad_response');
  }
}
