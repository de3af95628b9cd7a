/** Ed25519 signed envelopes (docs/bundle-format.md, "Signed envelope"), WebCrypto only. */
import { b64u, buf, canonicalJson, fromB64u, hex, sha256, utf8 } from './encoding.ts';
import { BundleError } from './source.ts';

export interface PublicKeyInfo {
  keytype: 'ed25519' | 'ecdh-p256';
  /** b64u raw public key. */
  public: string;
}
export interface Signature {
  keyid: string;
  sig: string;
}
export interface Signed<T> {
  signed: T;
  signatures: Signature[];
}
export interface SigningKey {
  keyid: string;
  privateKey: CryptoKey;
  publicKey: PublicKeyInfo;
}

const ED25519 = { name: 'Ed25519' } as const;

export async function keyIdOf(pub: PublicKeyInfo): Promise<string> {
  return hex(await sha256(fromB64u(pub.public)));
}

export async function generateSigningKey(): Promise<{ key: SigningKey; privateJwk: JsonWebKey }> {
  const pair = (await crypto.subtle.generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair;
  const privateJwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  return { key: await importSigningKey(privateJwk), privateJwk };
}

/** An Ed25519 private JWK (with `x` and `d`), as written by `voice-agent keys init`. */
export async function importSigningKey(privateJwk: JsonWebKey): Promise<SigningKey> {
  if (privateJwk.kty !== 'OKP' || privateJwk.crv !== 'Ed25519' || !privateJwk.d || !privateJwk.x) {
    throw new BundleError('The key file is not an Ed25519 private key (JWK with kty OKP, crv Ed25519, x and d). Use the file written by "voice-agent keys init".');
  }
  const privateKey = await crypto.subtle.importKey('jwk', { ...privateJwk, key_ops: ['sign'] }, ED25519, false, ['sign']);
  const publicKey: PublicKeyInfo = { keytype: 'ed25519', public: privateJwk.x };
  return { keyid: await keyIdOf(publicKey), privateKey, publicKey };
}

export async function signEnvelope<T>(signed: T, keys: SigningKey[]): Promise<Signed<T>> {
  const bytes = buf(utf8(canonicalJson(signed)));
  const signatures: Signature[] = [];
  for (const k of keys) {
    signatures.push({ keyid: k.keyid, sig: b64u(new Uint8Array(await crypto.subtle.sign(ED25519, k.privateKey, bytes))) });
  }
  return { signed, signatures };
}

/**
 * Counts distinct trusted key ids of the role with a valid signature over the canonical `signed` bytes;
 * throws unless the threshold is met. `what` names the metadata in the error ("bundle gold-loan-kb 1.2.0").
 */
export async function verifyEnvelope(
  env: Signed<unknown>,
  keys: Record<string, PublicKeyInfo>,
  role: { keyids: string[]; threshold: number },
  what: string,
): Promise<void> {
  if (!env || typeof env !== 'object' || !Array.isArray(env.signatures) || env.signed === undefined) {
    throw new BundleError(`The ${what} is not a signed envelope. It was rejected; re-publish it.`);
  }
  const bytes = buf(utf8(canonicalJson(env.signed)));
  const good = new Set<string>();
  for (const s of env.signatures) {
    if (!s || typeof s.keyid !== 'string' || typeof s.sig !== 'string') continue;
    const pub = keys[s.keyid];
    if (!pub || pub.keytype !== 'ed25519' || !role.keyids.includes(s.keyid) || good.has(s.keyid)) continue;
    // A key counts only under its own id: one key listed under two ids must not meet a threshold of 2.
    if ((await keyIdOf(pub).catch(() => undefined)) !== s.keyid) continue;
    try {
      const key = await crypto.subtle.importKey('raw', buf(fromB64u(pub.public)), ED25519, false, ['verify']);
      if (await crypto.subtle.verify(ED25519, key, buf(fromB64u(s.sig)), bytes)) good.add(s.keyid);
    } catch {
      // A malformed key or signature counts as no signature.
    }
  }
  if (good.size < Math.max(1, role.threshold)) {
    throw new BundleError(
      `The ${what} does not carry a valid signature from a trusted key (${good.size} of ${role.threshold} needed). ` +
        'It may have been tampered with; it was rejected and nothing was installed. Ask IT to re-publish it.',
    );
  }
}

/** Hex SHA-256 of the canonical `signed` object: how freshness metadata pins a manifest. */
export async function signedHash(env: Signed<unknown>): Promise<string> {
  return hex(await sha256(utf8(canonicalJson(env.signed))));
}
