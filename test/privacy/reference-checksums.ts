/**
 * Independent reference implementations for the tests: Verhoeff computed from the dihedral group D5 and
 * its permutation cycles (no lookup tables), Luhn by the textbook "double every second digit" rule.
 */

/** Product in D5: 0-4 are rotations r^k, 5-9 are reflections s·r^k. */
function d5(j: number, k: number): number {
  const mod5 = (x: number) => ((x % 5) + 5) % 5;
  if (j < 5 && k < 5) return mod5(j + k);
  if (j < 5) return 5 + mod5(k - 5 + j);
  if (k < 5) return 5 + mod5(j - 5 - k);
  return mod5(j - 5 - (k - 5));
}

/** σ = (0 1 5 8 9 4 2 7)(3 6), applied `times` times. */
function sigma(digit: number, times: number): number {
  const cycle8 = [0, 1, 5, 8, 9, 4, 2, 7];
  const cycle2 = [3, 6];
  const at8 = cycle8.indexOf(digit);
  if (at8 >= 0) return cycle8[(at8 + times) % 8]!;
  return cycle2[(cycle2.indexOf(digit) + times) % 2]!;
}

export function refVerhoeffValid(num: string): boolean {
  let c = 0;
  [...num].reverse().forEach((ch, i) => {
    c = d5(c, sigma(Number(ch), i));
  });
  return c === 0;
}

export function refVerhoeffCheck(num: string): number {
  const found = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((c) => refVerhoeffValid(num + c));
  if (found.length !== 1) throw new Error(`expected exactly one Verhoeff check digit for ${num}, found ${found.length}`);
  return found[0]!;
}

export function refLuhnValid(num: string): boolean {
  const sum = [...num]
    .reverse()
    .map((ch, i) => (i % 2 === 1 ? String(Number(ch) * 2) : ch))
    .join('')
    .split('')
    .reduce((s, ch) => s + Number(ch), 0);
  return sum % 10 === 0;
}

export function refLuhnCheck(num: string): number {
  const found = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((c) => refLuhnValid(num + c));
  if (found.length !== 1) throw new Error(`expected exactly one Luhn check digit for ${num}, found ${found.length}`);
  return found[0]!;
}

/** A valid Aadhaar number built from 11 leading digits (first digit 2-9). */
export const aadhaarFrom = (first11: string) => first11 + refVerhoeffCheck(first11);
/** The same 11 digits with a wrong check digit: 12 digits that are not an Aadhaar number. */
export const notAadhaarFrom = (first11: string) => first11 + ((refVerhoeffCheck(first11) + 1) % 10);
/** A valid card number from its leading digits. */
export const cardFrom = (prefix: string) => prefix + refLuhnCheck(prefix);
/** Digits that fail Luhn, for account numbers that must not be mistaken for cards. */
export const notLuhnFrom = (prefix: string) => prefix + ((refLuhnCheck(prefix) + 1) % 10);

const DEVANAGARI_ZERO = 0x0966;
export const toDevanagari = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(DEVANAGARI_ZERO + Number(d)));

/** "234567890124" → "2345 6789 0124" (or with another separator / group size). */
export const grouped = (digits: string, size = 4, sep = ' ') => digits.match(new RegExp(`.{1,${size}}`, 'g'))!.join(sep);

/** Deterministic pseudo-random digits (LCG), so failures reproduce. */
export function seededDigits(seed: number): (length: number, firstMin?: number) => string {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return (length, firstMin = 0) => {
    let s = String(firstMin + Math.floor(next() * (10 - firstMin)));
    while (s.length < length) s += String(Math.floor(next() * 10));
    return s;
  };
}
