/**
 * One-time enrolment codes and device tokens. Both are secrets that reach a person or a device once and are
 * stored only as SHA-256 hashes, so a copied database cannot enrol a device or impersonate one.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';

/** No 0/O, 1/I/L or U/V look-alikes: codes are read aloud over the phone and typed on kiosks. */
export const ENROLL_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTWXYZ23456789';
const GROUPS = 3;
const GROUP_LENGTH = 4;

/** `XXXX-XXXX-XXXX` from the alphabet above (29^12 ≈ 2^58 possibilities). */
export function generateEnrollCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let s = '';
    for (let i = 0; i < GROUP_LENGTH; i++) s += ENROLL_CODE_ALPHABET[randomInt(ENROLL_CODE_ALPHABET.length)];
    groups.push(s);
  }
  return groups.join('-');
}

/**
 * The canonical form of a code as a person typed it (lower case, spaces or missing dashes), or undefined
 * when it cannot be one of ours.
 */
export function normalizeEnrollCode(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[\s-]/g, '');
  if (compact.length !== GROUPS * GROUP_LENGTH) return undefined;
  for (const ch of compact) if (!ENROLL_CODE_ALPHABET.includes(ch)) return undefined;
  return compact.match(new RegExp(`.{${GROUP_LENGTH}}`, 'g'))!.join('-');
}

/** A device's bearer token: 32 random bytes, base64url. */
export function generateDeviceToken(): string {
  return randomBytes(32).toString('base64url');
}

/** `dev_` + 20 hex digits: short enough to read in `device list`, random enough never to collide. */
export function generateDeviceId(): string {
  return `dev_${randomBytes(10).toString('hex')}`;
}

export const DEVICE_ID_PATTERN = '^dev_[0-9a-f]{20}$';
export const isDeviceId = (s: string): boolean => new RegExp(DEVICE_ID_PATTERN).test(s);

/** Hex SHA-256: secrets are high-entropy, so a plain hash (no salt, no stretching) is enough at rest. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
