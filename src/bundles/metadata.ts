/** The three kinds of signed metadata (docs/bundle-format.md): root, bundle (the manifest) and freshness. */
import type { PublicKeyInfo, Signed } from './signing.ts';
import { BundleError } from './source.ts';

export type BundleKind = 'vad' | 'stt' | 'tts' | 'llm' | 'embeddings' | 'kb';
export const BUNDLE_KINDS: readonly BundleKind[] = ['vad', 'stt', 'tts', 'llm', 'embeddings', 'kb'];

export interface RoleKeys {
  keyids: string[];
  threshold: number;
}
export interface RootMetadata {
  type: 'root';
  spec: 1;
  version: number;
  expires: string;
  keys: Record<string, PublicKeyInfo>;
  roles: { root: RoleKeys; targets: RoleKeys; timestamp: RoleKeys };
  wrapKey: PublicKeyInfo;
}
export interface ManifestFile {
  path: string;
  size: number;
  /** Hex SHA-256 of the plain file. */
  sha256: string;
  /** Hex SHA-256 of the encrypted file (its name in the blob store). */
  blob: string;
  encSize: number;
  /** Hex SHA-256 of each encrypted chunk. */
  chunks: string[];
}
export interface BundleMetadata {
  type: 'bundle';
  spec: 1;
  id: string;
  kind: BundleKind;
  version: string;
  languages: string[];
  created: string;
  minAppVersion: string;
  requires: { webgpu?: boolean; memoryMB?: number };
  roles: Record<string, string>;
  chunkSize: number;
  files: ManifestFile[];
}
export interface FreshnessEntry {
  id: string;
  version: string;
  /** Hex SHA-256 of the canonical manifest `signed` object. */
  manifest: string;
  downgrade?: boolean;
}
export interface FreshnessMetadata {
  type: 'freshness';
  spec: 1;
  version: number;
  deviceId: string;
  issued: string;
  expires: string;
  bundles: FreshnessEntry[];
}

/** The shapes of versions, bundle ids and hashes, as pattern strings (the server's JSON schemas use them too). */
export const PATTERNS = {
  version: '^\\d{1,9}(\\.\\d{1,9}){0,3}$',
  bundleId: '^[a-z0-9][a-z0-9._-]{0,63}$',
  sha256: '^[0-9a-f]{64}$',
} as const;
const VERSION_RE = new RegExp(PATTERNS.version);
const BUNDLE_ID_RE = new RegExp(PATTERNS.bundleId);
const HEX64 = new RegExp(PATTERNS.sha256);
export const isValidVersion = (v: string): boolean => typeof v === 'string' && VERSION_RE.test(v);
export const isValidBundleId = (id: string): boolean => typeof id === 'string' && BUNDLE_ID_RE.test(id);

/** Dotted numbers compared part by part; a missing part is 0 ("1.2" == "1.2.0"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Relative, "/"-separated, no empty, "." or ".." segments: a path can never leave the bundle. */
export function isSafePath(p: string): boolean {
  return typeof p === 'string' && p.length > 0 && p.length <= 512 && !p.includes('\\') && !p.includes('\0') &&
    p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

type Check = (ok: unknown, field: string) => void;
function checker(what: string): Check {
  return (ok, field) => {
    if (!ok) throw new BundleError(`The ${what} is malformed: ${field}. It was rejected; re-publish it with "voice-agent bundle pack".`);
  };
}
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTime = (v: unknown): boolean => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function envelope(json: unknown, type: string, check: Check): Record<string, unknown> {
  check(isObj(json) && isObj(json.signed) && Array.isArray(json.signatures), 'expected {"signed": {...}, "signatures": [...]}');
  const signed = (json as { signed: Record<string, unknown> }).signed;
  check(signed.type === type, `"type" must be "${type}"`);
  check(signed.spec === 1, '"spec" must be 1 (this app reads version 1 of the format; update the app for newer bundles)');
  return signed;
}

function checkKey(k: unknown, check: Check, field: string): void {
  check(isObj(k) && (k.keytype === 'ed25519' || k.keytype === 'ecdh-p256') && typeof k.public === 'string', `${field} must be {keytype, public}`);
}

export function parseRoot(json: unknown): Signed<RootMetadata> {
  const check = checker('trusted root metadata');
  const s = envelope(json, 'root', check);
  check(isCount(s.version) && s.version >= 1, '"version" must be a positive integer');
  check(isTime(s.expires), '"expires" must be a date');
  check(isObj(s.keys), '"keys" must be an object');
  for (const [id, k] of Object.entries(s.keys as object)) checkKey(k, check, `keys.${id}`);
  check(isObj(s.roles), '"roles" must be an object');
  for (const r of ['root', 'targets', 'timestamp']) {
    const role = (s.roles as Record<string, unknown>)[r];
    check(isObj(role) && Array.isArray(role.keyids) && role.keyids.every((x) => typeof x === 'string') &&
      isCount(role.threshold) && role.threshold >= 1, `roles.${r} must have keyids and a threshold ≥ 1`);
  }
  checkKey(s.wrapKey, check, '"wrapKey"');
  return json as Signed<RootMetadata>;
}

export function parseBundleMetadata(json: unknown): Signed<BundleMetadata> {
  const check = checker('bundle manifest');
  const s = envelope(json, 'bundle', check);
  check(isValidBundleId(s.id as string), '"id" must be lower-case letters, digits, ".", "_" or "-"');
  check(BUNDLE_KINDS.includes(s.kind as BundleKind), `"kind" must be one of ${BUNDLE_KINDS.join(', ')}`);
  check(isValidVersion(s.version as string), '"version" must be dotted numbers like 1.2.0');
  check(Array.isArray(s.languages) && s.languages.every((l) => typeof l === 'string'), '"languages" must be a list');
  check(isTime(s.created), '"created" must be a date');
  check(isValidVersion(s.minAppVersion as string), '"minAppVersion" must be dotted numbers');
  check(isObj(s.requires), '"requires" must be an object');
  check(isObj(s.roles) && Object.values(s.roles).every((v) => typeof v === 'string'), '"roles" must map roles to paths');
  check(isCount(s.chunkSize) && s.chunkSize >= 1024 && s.chunkSize <= 64 << 20, '"chunkSize" must be 1 KiB to 64 MiB');
  check(Array.isArray(s.files), '"files" must be a list');
  const seen = new Set<string>();
  for (const f of s.files as unknown[]) {
    check(isObj(f) && isSafePath(f.path as string) && !seen.has(f.path as string), `file path ${JSON.stringify(isObj(f) ? f.path : f)} must be relative, safe and unique`);
    const file = f as unknown as ManifestFile;
    seen.add(file.path);
    check(isCount(file.size) && HEX64.test(file.sha256) && HEX64.test(file.blob), `file "${file.path}" needs size, sha256 and blob`);
    const n = Math.max(1, Math.ceil(file.size / (s.chunkSize as number)));
    check(Array.isArray(file.chunks) && file.chunks.length === n && file.chunks.every((c) => HEX64.test(c)), `file "${file.path}" must list ${n} chunk hashes`);
    check(file.encSize === file.size + 28 * n, `file "${file.path}" has the wrong encSize`);
  }
  return json as Signed<BundleMetadata>;
}

export function parseFreshness(json: unknown): Signed<FreshnessMetadata> {
  const check = checker('update information (freshness metadata)');
  const s = envelope(json, 'freshness', check);
  check(isCount(s.version) && s.version >= 1, '"version" must be a positive integer');
  check(typeof s.deviceId === 'string', '"deviceId" must be a string');
  check(isTime(s.issued) && isTime(s.expires), '"issued" and "expires" must be dates');
  check(Array.isArray(s.bundles), '"bundles" must be a list');
  for (const b of s.bundles as unknown[]) {
    check(isObj(b) && isValidBundleId(b.id as string) && isValidVersion(b.version as string) && HEX64.test(b.manifest as string),
      'each bundle entry needs id, version and manifest hash');
  }
  return json as Signed<FreshnessMetadata>;
}
