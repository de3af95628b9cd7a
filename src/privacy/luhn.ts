/** Luhn (mod 10) check used by payment card numbers: catches every single-digit error. */

function assertDigits(digits: string): void {
  if (!/^[0-9]+$/.test(digits)) {
    throw new Error(`Luhn needs a non-empty string of ASCII digits 0-9, got "${digits}"; normalise the number first.`);
  }
}

/** Sum of the Luhn-weighted digits; `doubleFirst` says whether the rightmost digit is doubled. */
function luhnSum(digits: string, doubleFirst: boolean): number {
  let sum = 0;
  let double = doubleFirst;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum;
}

/** True when `digits` (check digit last) passes Luhn. */
export function isValidLuhn(digits: string): boolean {
  assertDigits(digits);
  return luhnSum(digits, false) % 10 === 0;
}

/** The check digit to append to `digits` so that the result passes Luhn. */
export function luhnCheckDigit(digits: string): number {
  assertDigits(digits);
  return (10 - (luhnSum(digits, true) % 10)) % 10;
}
