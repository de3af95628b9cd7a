/**
 * The client's decisions as pure functions (no I/O), so they are tested in Node: which version is active
 * after an install or a rollback, what garbage collection may delete, and when to try again.
 */
import type { BundleKind } from '../metadata.ts';
import { BundleError } from '../source.ts';

/** Which version of a bundle id engines use, and the one kept to roll back to. */
export interface ActivePointer {
  id: string;
  kind: BundleKind;
  version: string;
  previous?: string;
  /** Set by a local rollback: this version is not re-activated until the server offers a different one. */
  rolledBackFrom?: string;
  since: number;
}

/** The pointer after `version` is verified and stored: the old active version becomes the previous one. */
export function activatePointer(current: ActivePointer | undefined, id: string, kind: BundleKind, version: string, now: number): ActivePointer {
  if (current && current.version === version) return current;
  const next: ActivePointer = { id, kind, version, since: now };
  if (current) next.previous = current.version;
  return next;
}

/** Rollback swaps active and previous, and remembers what it rolled back from. */
export function rollbackPointer(current: ActivePointer | undefined, id: string, now: number): ActivePointer {
  if (!current) throw new BundleError(`Bundle "${id}" is not installed, so there is nothing to roll back.`);
  if (!current.previous) {
    throw new BundleError(`Bundle "${id}" has no previous version on this device to roll back to (only ${current.version} is kept).`);
  }
  return { id, kind: current.kind, version: current.previous, previous: current.version, rolledBackFrom: current.version, since: now };
}

export interface GcInput {
  versions: Array<{ id: string; version: string; blobs: string[] }>;
  pointers: ActivePointer[];
  storedBlobs: string[];
  /** Partial downloads recorded in the registry. */
  partials: Array<{ blob: string; id: string; version: string }>;
  /** Versions the server still wants installed: their partial downloads are kept for resuming. */
  wanted: Array<{ id: string; version: string }>;
}

export interface GcPlan {
  deleteVersions: Array<{ id: string; version: string }>;
  deleteBlobs: string[];
  deletePartials: string[];
}

const vkey = (id: string, version: string) => `${id}\n${version}`;

/** Keeps the active and previous version of every id; everything else (and unwanted partials) goes. */
export function planGc(input: GcInput): GcPlan {
  const kept = new Set<string>();
  for (const p of input.pointers) {
    kept.add(vkey(p.id, p.version));
    if (p.previous) kept.add(vkey(p.id, p.previous));
  }
  const keepBlobs = new Set<string>();
  const deleteVersions: GcPlan['deleteVersions'] = [];
  for (const v of input.versions) {
    if (kept.has(vkey(v.id, v.version))) for (const b of v.blobs) keepBlobs.add(b);
    else deleteVersions.push({ id: v.id, version: v.version });
  }
  const wanted = new Set(input.wanted.map((w) => vkey(w.id, w.version)));
  const deletePartials: string[] = [];
  for (const p of input.partials) {
    if (keepBlobs.has(p.blob)) continue;
    if (wanted.has(vkey(p.id, p.version))) keepBlobs.add(p.blob);
    else deletePartials.push(p.blob);
  }
  const deleteBlobs = input.storedBlobs.filter((b) => !keepBlobs.has(b));
  return { deleteVersions, deleteBlobs, deletePartials };
}

/**
 * Exponential back-off with "equal jitter": between half and all of min(max, base·2^attempt), so retries
 * from many devices spread out but never collapse to zero.
 */
export function backoffDelayMs(attempt: number, opts: { baseMs?: number; maxMs?: number; random?: () => number } = {}): number {
  const base = opts.baseMs ?? 1000;
  const max = opts.maxMs ?? 60_000;
  const random = opts.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export interface CheckOutcome {
  ok: boolean;
  /** Consecutive failed checks, counting this one. */
  failures: number;
  /** From the server's answer (`checkAfterSeconds`). */
  checkAfterSeconds?: number;
  /** From a `Retry-After` header. */
  retryAfterSeconds?: number;
}

export const DEFAULT_CHECK_INTERVAL_S = 6 * 3600;
const MIN_CHECK_INTERVAL_S = 30;
const MAX_FAILURE_BACKOFF_S = 6 * 3600;

/**
 * Seconds until the next update check: the server's interval ±10 % after a success; exponential back-off
 * from 1 minute (cap 6 h) after failures; never sooner than Retry-After or 30 s.
 */
export function nextCheckDelaySeconds(o: CheckOutcome, random: () => number = Math.random): number {
  let delay: number;
  if (o.ok) {
    const interval = o.checkAfterSeconds && o.checkAfterSeconds > 0 ? o.checkAfterSeconds : DEFAULT_CHECK_INTERVAL_S;
    delay = interval * (0.9 + 0.2 * random());
  } else {
    delay = backoffDelayMs(Math.max(0, o.failures - 1), { baseMs: 60_000, maxMs: MAX_FAILURE_BACKOFF_S * 1000, random }) / 1000;
  }
  if (o.retryAfterSeconds && o.retryAfterSeconds > delay) delay = o.retryAfterSeconds * (1 + 0.1 * random());
  return Math.max(MIN_CHECK_INTERVAL_S, Math.round(delay));
}

/** `Retry-After` as seconds (a number of seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.round((at - now) / 1000));
}

/** Bytes needed free before an install: what is left to download plus a margin for the browser's own overhead. */
export function storageNeeded(remainingBytes: number): number {
  return remainingBytes + Math.max(16 * 1024 * 1024, Math.round(remainingBytes * 0.05));
}

export const MB = (bytes: number): string => `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`;
