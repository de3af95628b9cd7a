import { describe, expect, it } from 'vitest';
import { isValidLuhn, luhnCheckDigit } from '../../src/privacy/luhn.ts';
import { isValidVerhoeff, verhoeffCheckDigit } from '../../src/privacy/verhoeff.ts';
import { refLuhnCheck, refVerhoeffCheck, seededDigits } from './reference-checksums.ts';

/** Every number that differs from `num` in exactly one digit. */
function oneDigitChanges(num: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < num.length; i++) {
    for (let d = 0; d <= 9; d++) {
      if (String(d) !== num[i]) out.push(num.slice(0, i) + d + num.slice(i + 1));
    }
  }
  return out;
}

describe('Verhoeff', () => {
  it('matches published examples', () => {
    expect(verhoeffCheckDigit('236')).toBe(3); // the worked example: 2363 is valid
    expect(isValidVerhoeff('2363')).toBe(true);
    expect(verhoeffCheckDigit('12345')).toBe(1);
    expect(isValidVerhoeff('123451')).toBe(true);
    expect(verhoeffCheckDigit('123456789012')).toBe(0);
    expect(isValidVerhoeff('1234567890120')).toBe(true);
  });

  it('agrees with an independent group-theory implementation on 300 random numbers', () => {
    const random = seededDigits(42);
    for (let k = 0; k < 300; k++) {
      const body = random(1 + (k % 15));
      const check = verhoeffCheckDigit(body);
      expect(check).toBe(refVerhoeffCheck(body));
      expect(isValidVerhoeff(body + check)).toBe(true);
    }
  });

  it('rejects every one-digit change and every adjacent swap of a valid 12-digit number', () => {
    const random = seededDigits(7);
    for (let k = 0; k < 20; k++) {
      const body = random(11, 2);
      const valid = body + refVerhoeffCheck(body);
      expect(isValidVerhoeff(valid)).toBe(true);
      for (const changed of oneDigitChanges(valid)) expect(isValidVerhoeff(changed), changed).toBe(false);
      for (let i = 0; i + 1 < valid.length; i++) {
        if (valid[i] === valid[i + 1]) continue;
        const swapped = valid.slice(0, i) + valid[i + 1] + valid[i] + valid.slice(i + 2);
        expect(isValidVerhoeff(swapped), swapped).toBe(false);
      }
    }
  });

  it('refuses input that is not ASCII digits, with a message saying what to do', () => {
    expect(() => isValidVerhoeff('२३६३')).toThrow(/ASCII digits.*normalise/);
    expect(() => verhoeffCheckDigit('')).toThrow(/non-empty/);
  });
});

describe('Luhn', () => {
  it('matches published examples', () => {
    expect(isValidLuhn('79927398713')).toBe(true);
    expect(luhnCheckDigit('7992739871')).toBe(3);
    for (const testCard of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117']) {
      expect(isValidLuhn(testCard), testCard).toBe(true);
    }
    expect(isValidLuhn('4111111111111112')).toBe(false);
  });

  it('agrees with an independent implementation on 300 random numbers', () => {
    const random = seededDigits(99);
    for (let k = 0; k < 300; k++) {
      const body = random(1 + (k % 18));
      const check = luhnCheckDigit(body);
      expect(check).toBe(refLuhnCheck(body));
      expect(isValidLuhn(body + check)).toBe(true);
    }
  });

  it('rejects every one-digit change of a valid 16-digit number', () => {
    const random = seededDigits(5);
    for (let k = 0; k < 20; k++) {
      const body = random(15, 4);
      const valid = body + refLuhnCheck(body);
      expect(isValidLuhn(valid)).toBe(true);
      for (const changed of oneDigitChanges(valid)) expect(isValidLuhn(changed), changed).toBe(false);
    }
  });

  it('refuses input that is not ASCII digits', () => {
    expect(() => isValidLuhn('4111 1111')).toThrow(/ASCII digits/);
  });
});
