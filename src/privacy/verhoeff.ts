/**
 * Verhoeff check digit (dihedral group D5), used by Aadhaar: it catches every single-digit error and
 * every swap of adjacent digits.
 */

/** Multiplication table of D5. */
const D: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];

/** Permutation applied to a digit according to its position from the right (period 8). */
const P: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** Inverse of each element of D5. */
const INV: readonly number[] = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

function assertDigits(digits: string): void {
  if (!/^[0-9]+$/.test(digits)) {
    throw new Error(`Verhoeff needs a non-empty string of ASCII digits 0-9, got "${digits}"; normalise the number first.`);
  }
}

/** Runs the Verhoeff accumulator over `digits`; `shift` is 1 when a check digit is still to be appended. */
function accumulate(digits: string, shift: number): number {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    c = D[c]![P[(i + shift) % 8]![digit]!]!;
  }
  return c;
}

/** True when `digits` (check digit last) passes Verhoeff. */
export function isValidVerhoeff(digits: string): boolean {
  assertDigits(digits);
  return accumulate(digits, 0) === 0;
}

/** The check digit to append to `digits` so that the result passes Verhoeff. */
export function verhoeffCheckDigit(digits: string): number {
  assertDigits(digits);
  return INV[accumulate(digits, 1)]!;
}
