/** Key files the publisher passes on the command line: the Ed25519 publisher key and the service's wrap key. */
import { readFile } from 'node:fs/promises';
import { b64u, fromB64u } from '../../src/bundles/encoding.ts';
import { parseRoot, type RootMetadata } from '../../src/bundles/metadata.ts';
import { importSigningKey, verifyEnvelope, type PublicKeyInfo, type Signed, type SigningKey } from '../../src/bundles/signing.ts';
import { BundleError } from '../../src/bundles/source.ts';

export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

async function readJsonFile(path: string, what: string, hint: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KeyFileError(code === 'ENOENT' ? `No ${what} at ${path}. ${hint}` : `Cannot read the ${what} ${path}: ${(e as Error).message}.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new KeyFileError(`The ${what} ${path} is not valid JSON. ${hint}`);
  }
}

export async function readPublisherKey(path: string, hint: string): Promise<SigningKey> {
  const jwk = await readJsonFile(path, 'publisher key', hint);
  try {
    return await importSigningKey(jwk as JsonWebKey);
  } catch (e) {
    if (e instanceof BundleError) throw new KeyFileError(`${path}: ${e.message}`);
    throw new KeyFileError(`${path} is not a usable Ed25519 private key: ${(e as Error).message}. ${hint}`);
  }
}

/** A signed root, checked against its own root role (a damaged or edited root.json is refused). */
export async function readRootFile(path: string, hint: string): Promise<Signed<RootMetadata>> {
  const json = await readJsonFile(path, 'root metadata', hint);
  try {
    const root = parseRoot(json);
    await verifyEnvelope(root, root.signed.keys, root.signed.roles.root, `root metadata in ${path}`);
    return root;
  } catch (e) {
    if (e instanceof BundleError) throw new KeyFileError(`${path}: ${e.message}`);
    throw e;
  }
}

/**
 * The public key a packed bundle's content key is wrapped to: a signed root.json (its wrapKey; the root is
 * returned too, to check the publisher key against it), a `{keytype: "ecdh-p256", public}` object, or a
 * P-256 JWK (public or private; only x and y are used).
 */
export async function readWrapRecipient(path: string): Promise<{ recipient: PublicKeyInfo; root?: RootMetadata }> {
  const hint = "Pass the sync service's root.json (from its data dir) with --wrap-key.";
  const json = (await readJsonFile(path, 'wrap key', hint)) as Record<string, unknown> | null;
  if (json && typeof json === 'object' && 'signed' in json) {
    const root = (await readRootFile(path, hint)).signed;
    return { recipient: root.wrapKey, root };
  }
  if (json?.keytype === 'ecdh-p256' && typeof json.public === 'string') return { recipient: { keytype: 'ecdh-p256', public: json.public } };
  if (json?.kty === 'EC' && json.crv === 'P-256' && typeof json.x === 'string' && typeof json.y === 'string') {
    try {
      const x = fromB64u(json.x);
      const y = fromB64u(json.y);
      if (x.length === 32 && y.length === 32) {
        const raw = new Uint8Array(65);
        raw[0] = 4;
        raw.set(x, 1);
        raw.set(y, 33);
        return { recipient: { keytype: 'ecdh-p256', public: b64u(raw) } };
      }
    } catch {
      // fall through to the error below
    }
  }
  throw new KeyFileError(`${path} holds no P-256 public key (expected a root.json, {keytype, public} or a P-256 JWK). ${hint}`);
}
