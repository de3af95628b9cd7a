/**
 * Content-key envelopes (docs/bundle-format.md, "Key envelope"): ECDH P-256 with an ephemeral key, HKDF-SHA256
 * bound to the bundle and recipient, AES-KW. P-256 rather than X25519 because every current browser has it.
 */
import { b64u, buf, fromB64u, utf8 } from './encoding.ts';
import { keyIdOf, type PublicKeyInfo } from './signing.ts';
import { BundleError } from './source.ts';

export const WRAP_ALG = 'ECDH-ES+HKDF-SHA256+A256KW';
export type KeyEnvelope =
  | { alg: typeof WRAP_ALG; kid: string; epk: string; wrapped: string }
  | { alg: 'none'; key: string };

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;

export async function generateWrapKeyPair(extractable: boolean): Promise<CryptoKeyPair> {
  // The public half is always exportable; `extractable` applies to the private key.
  return (await crypto.subtle.generateKey(ECDH, extractable, ['deriveBits'])) as CryptoKeyPair;
}

export async function exportWrapPublicKey(pub: CryptoKey): Promise<PublicKeyInfo> {
  return { keytype: 'ecdh-p256', public: b64u(new Uint8Array(await crypto.subtle.exportKey('raw', pub))) };
}

export async function exportWrapPrivateJwk(priv: CryptoKey): Promise<JsonWebKey> {
  return crypto.subtle.exportKey('jwk', priv);
}

export function importWrapPrivateJwk(jwk: JsonWebKey): Promise<CryptoKey> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) {
    throw new BundleError('The wrap key file is not a P-256 private key (JWK). Use the file written by "voice-agent keys init".');
  }
  return crypto.subtle.importKey('jwk', { ...jwk, key_ops: ['deriveBits'] }, ECDH, false, ['deriveBits']);
}

async function importPublic(info: PublicKeyInfo): Promise<CryptoKey> {
  if (info.keytype !== 'ecdh-p256') throw new BundleError(`Key type ${info.keytype} cannot receive content keys; a P-256 key is needed.`);
  try {
    return await crypto.subtle.importKey('raw', buf(fromB64u(info.public)), ECDH, true, []);
  } catch {
    throw new BundleError('The recipient public key is not a valid P-256 point. Re-enrol the device.');
  }
}

async function kek(priv: CryptoKey, pub: CryptoKey, kid: string, bundleId: string, version: string, usage: KeyUsage): Promise<CryptoKey> {
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: pub }, priv, 256);
  const ikm = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: buf(utf8(`va-key-wrap/1\n${bundleId}\n${version}\n${kid}`)) },
    ikm,
    { name: 'AES-KW', length: 256 },
    false,
    [usage],
  );
}

export async function wrapContentKey(raw: Uint8Array, recipient: PublicKeyInfo, bundleId: string, version: string): Promise<KeyEnvelope> {
  const recipientKey = await importPublic(recipient);
  const kid = await keyIdOf(recipient);
  const eph = await generateWrapKeyPair(false);
  const wrapKey = await kek(eph.privateKey, recipientKey, kid, bundleId, version, 'wrapKey');
  const content = await crypto.subtle.importKey('raw', buf(raw), { name: 'AES-GCM' }, true, ['encrypt', 'decrypt']);
  const wrapped = new Uint8Array(await crypto.subtle.wrapKey('raw', content, wrapKey, 'AES-KW'));
  return { alg: WRAP_ALG, kid, epk: (await exportWrapPublicKey(eph.publicKey)).public, wrapped: b64u(wrapped) };
}

async function unwrap(env: KeyEnvelope, priv: CryptoKey | undefined, bundleId: string, version: string, extractable: boolean): Promise<CryptoKey> {
  const usages: KeyUsage[] = extractable ? ['encrypt', 'decrypt'] : ['decrypt'];
  if (env?.alg === 'none') {
    return crypto.subtle.importKey('raw', buf(fromB64u(env.key)), { name: 'AES-GCM' }, extractable, usages);
  }
  if (env?.alg !== WRAP_ALG || typeof env.epk !== 'string' || typeof env.wrapped !== 'string' || typeof env.kid !== 'string') {
    throw new BundleError(`The content key for bundle "${bundleId}" ${version} is in an unknown envelope. Update the app or ask IT to re-publish.`);
  }
  if (!priv) throw new BundleError(`Bundle "${bundleId}" ${version} is encrypted for an enrolled device, and this device has no key. Enrol it first.`);
  try {
    const epk = await importPublic({ keytype: 'ecdh-p256', public: env.epk });
    const unwrapKey = await kek(priv, epk, env.kid, bundleId, version, 'unwrapKey');
    return await crypto.subtle.unwrapKey('raw', buf(fromB64u(env.wrapped)), unwrapKey, 'AES-KW', { name: 'AES-GCM' }, extractable, usages);
  } catch {
    throw new BundleError(
      `The content key for bundle "${bundleId}" ${version} could not be opened with this device's key: it was wrapped for ` +
        'another device or damaged. Nothing was installed. Check for updates again, or re-enrol this device.',
    );
  }
}

/** Device side: straight into a non-extractable AES-GCM key that can only decrypt. */
export const unwrapContentKey = (env: KeyEnvelope, priv: CryptoKey | undefined, bundleId: string, version: string): Promise<CryptoKey> =>
  unwrap(env, priv, bundleId, version, false);

/** Service side: the raw key, to re-wrap it for each enrolled device. */
export async function unwrapContentKeyRaw(env: KeyEnvelope, priv: CryptoKey, bundleId: string, version: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('raw', await unwrap(env, priv, bundleId, version, true)));
}
