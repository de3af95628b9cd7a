/**
 * The sync service's data directory: keys, the signed root, the SQLite database and the blob store.
 *
 *   <data>/keys/publisher.json   Ed25519 private JWK (publisher: root + targets; keep it offline in production)
 *   <data>/keys/timestamp.json   Ed25519 private JWK (signs freshness; the server needs it)
 *   <data>/keys/wrap.json        ECDH P-256 private JWK (opens the key envelopes of packed bundles)
 *   <data>/root.json             the signed root every device pins at enrolment
 *   <data>/sync.db               SQLite (WAL)
 *   <data>/blobs/ab/<sha256>     encrypted blobs
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromB64u } from '../../src/bundles/encoding.ts';
import {
  exportWrapPrivateJwk,
  exportWrapPublicKey,
  generateWrapKeyPair,
  importWrapPrivateJwk,
} from '../../src/bundles/keywrap.ts';
import { parseRoot, type RootMetadata } from '../../src/bundles/metadata.ts';
import { generateSigningKey, importSigningKey, signEnvelope, verifyEnvelope, type Signed, type SigningKey } from '../../src/bundles/signing.ts';

export interface DataDirPaths {
  dir: string;
  keysDir: string;
  publisherKey: string;
  timestampKey: string;
  wrapKey: string;
  root: string;
  db: string;
  blobs: string;
}

export interface OpenedDataDir {
  paths: DataDirPaths;
  timestampKey: SigningKey;
  wrapPrivate: CryptoKey;
  root: Signed<RootMetadata>;
}

export class DataDirError extends Error {
  override name = 'DataDirError';
}

const PROJECT_DIR = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const ROOT_LIFETIME_DAYS = 365;

/** `--data` default: `$VOICE_AGENT_DATA`, else `<project>/.data` (gitignored). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.VOICE_AGENT_DATA || join(PROJECT_DIR, '.data'));
}

export function dataDirPaths(dir: string, publisherKeyPath?: string): DataDirPaths {
  const abs = resolve(dir);
  const keysDir = join(abs, 'keys');
  return {
    dir: abs,
    keysDir,
    publisherKey: publisherKeyPath ? resolve(publisherKeyPath) : join(keysDir, 'publisher.json'),
    timestampKey: join(keysDir, 'timestamp.json'),
    wrapKey: join(keysDir, 'wrap.json'),
    root: join(abs, 'root.json'),
    db: join(abs, 'sync.db'),
    blobs: join(abs, 'blobs'),
  };
}

/** True when the directory has the keys and root the server needs. */
export function hasServerKeys(dir: string): boolean {
  const p = dataDirPaths(dir);
  return existsSync(p.timestampKey) && existsSync(p.wrapKey) && existsSync(p.root);
}

/** Private keys are written owner-only, through a temporary file so a crash never leaves half a key. */
async function writeSecret(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

export interface InitOptions {
  /** Replace existing keys (every enrolled device must then be enrolled again: their pinned root no longer matches). */
  force?: boolean;
  /** Where to write the publisher's private key (default `<data>/keys/publisher.json`). */
  publisherKeyPath?: string;
  now?: Date;
}

export interface InitResult {
  paths: DataDirPaths;
  root: Signed<RootMetadata>;
  keyids: { publisher: string; timestamp: string };
  /** With `force`: the database and blob files moved aside (`<name>.replaced-<timestamp>`), as [from, to]. */
  movedAside: Array<[string, string]>;
}

/**
 * New keys make the old database and blobs useless (bundles are wrapped to the old wrap key, devices pinned the
 * old root), so `--force` renames them out of the way instead of leaving a server that fails on every device.
 */
async function moveAsideOldState(paths: DataDirPaths, now: Date): Promise<Array<[string, string]>> {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const moved: Array<[string, string]> = [];
  for (const from of [paths.db, `${paths.db}-wal`, `${paths.db}-shm`, paths.blobs]) {
    if (!existsSync(from)) continue;
    if (from === paths.blobs && (await readdir(from)).length === 0) continue; // nothing published yet: keep it
    const to = `${from}.replaced-${stamp}`;
    await rename(from, to);
    moved.push([from, to]);
  }
  return moved;
}

/** Creates the three keys and the root signed by the publisher key: `voice-agent keys init`, and `serve` on a fresh machine. */
export async function initDataDir(dir: string, opts: InitOptions = {}): Promise<InitResult> {
  const paths = dataDirPaths(dir, opts.publisherKeyPath);
  if (!opts.force) {
    const existing = [paths.publisherKey, paths.timestampKey, paths.wrapKey, paths.root].filter((p) => existsSync(p));
    if (existing.length > 0) {
      throw new DataDirError(
        `Keys already exist in ${paths.dir} (${existing.join(', ')}). They were not replaced: devices enrolled with them would stop ` +
          'trusting this server. To start over anyway, run "voice-agent keys init --force" and enrol every device again.',
      );
    }
  }
  const publisher = await generateSigningKey();
  const timestamp = await generateSigningKey();
  const wrap = await generateWrapKeyPair(true);
  const now = opts.now ?? new Date();
  const root: RootMetadata = {
    type: 'root',
    spec: 1,
    version: 1,
    expires: new Date(now.getTime() + ROOT_LIFETIME_DAYS * 86_400_000).toISOString(),
    keys: { [publisher.key.keyid]: publisher.key.publicKey, [timestamp.key.keyid]: timestamp.key.publicKey },
    roles: {
      root: { keyids: [publisher.key.keyid], threshold: 1 },
      targets: { keyids: [publisher.key.keyid], threshold: 1 },
      timestamp: { keyids: [timestamp.key.keyid], threshold: 1 },
    },
    wrapKey: await exportWrapPublicKey(wrap.publicKey),
  };
  const signedRoot = await signEnvelope(root, [publisher.key]);
  const movedAside = opts.force ? await moveAsideOldState(paths, now) : [];
  await mkdir(paths.blobs, { recursive: true });
  await writeSecret(paths.publisherKey, publisher.privateJwk);
  await writeSecret(paths.timestampKey, timestamp.privateJwk);
  await writeSecret(paths.wrapKey, await exportWrapPrivateJwk(wrap.privateKey));
  await writeFile(paths.root, `${JSON.stringify(signedRoot, null, 2)}\n`);
  return { paths, root: signedRoot, keyids: { publisher: publisher.key.keyid, timestamp: timestamp.key.keyid }, movedAside };
}

async function readJson(path: string, what: string, dir: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DataDirError(`No keys in ${dir}: ${what} (${path}) is missing. Run \`voice-agent keys init --data ${dir}\`.`);
    }
    throw new DataDirError(`Cannot read ${what} (${path}): ${(e as Error).message}. Check the file's permissions.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DataDirError(`${what} (${path}) is not valid JSON: the file is damaged. Restore it from your backup of ${dir}.`);
  }
}

/** Loads what the running server needs. The publisher's private key is not read: the server never signs manifests. */
export async function openDataDir(dir: string): Promise<OpenedDataDir> {
  const paths = dataDirPaths(dir);
  if (!existsSync(paths.timestampKey) && !existsSync(paths.wrapKey) && !existsSync(paths.root)) {
    throw new DataDirError(`No keys in ${paths.dir}: run \`voice-agent keys init --data ${paths.dir}\`.`);
  }
  const damaged = (what: string, e: unknown) =>
    new DataDirError(`${what} in ${paths.dir} is unusable: ${(e as Error).message} Restore it from your backup, or run \`voice-agent keys init --force\`.`);

  let root: Signed<RootMetadata>;
  try {
    root = parseRoot(await readJson(paths.root, 'the signed root', paths.dir));
    await verifyEnvelope(root, root.signed.keys, root.signed.roles.root, 'trusted root metadata');
  } catch (e) {
    if (e instanceof DataDirError) throw e;
    throw damaged('root.json', e);
  }
  let timestampKey: SigningKey;
  try {
    timestampKey = await importSigningKey((await readJson(paths.timestampKey, 'the timestamp key', paths.dir)) as JsonWebKey);
  } catch (e) {
    if (e instanceof DataDirError) throw e;
    throw damaged('keys/timestamp.json', e);
  }
  if (!root.signed.roles.timestamp.keyids.includes(timestampKey.keyid)) {
    throw new DataDirError(
      `keys/timestamp.json in ${paths.dir} is not the timestamp key named in root.json, so devices would reject every update. ` +
        'Restore the matching key, or sign a new root that names it.',
    );
  }
  const wrapJwk = (await readJson(paths.wrapKey, 'the wrap key', paths.dir)) as JsonWebKey;
  let wrapPrivate: CryptoKey;
  try {
    wrapPrivate = await importWrapPrivateJwk(wrapJwk);
  } catch (e) {
    throw damaged('keys/wrap.json', e);
  }
  if (!sameP256Point(wrapJwk, root.signed.wrapKey.public)) {
    throw new DataDirError(
      `keys/wrap.json in ${paths.dir} does not match the wrap key in root.json, so no published bundle could be opened. ` +
        'Restore the matching key from your backup.',
    );
  }
  return { paths, timestampKey, wrapPrivate, root };
}

/** The JWK's x and y against the root's raw uncompressed point (0x04 ‖ x ‖ y). */
function sameP256Point(jwk: JsonWebKey, rawB64u: string): boolean {
  try {
    const raw = fromB64u(rawB64u);
    const x = fromB64u(jwk.x ?? '');
    const y = fromB64u(jwk.y ?? '');
    if (raw.length !== 65 || raw[0] !== 4 || x.length !== 32 || y.length !== 32) return false;
    return raw.subarray(1, 33).every((b, i) => b === x[i]) && raw.subarray(33).every((b, i) => b === y[i]);
  } catch {
    return false;
  }
}
