import { describe, expect, it } from 'vitest';
import { formatIndian, formatRupees, speakAmount, speakAmountsIn, speakNumber } from '../../src/agent/numbers.ts';

describe('Indian digit grouping', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1,000'],
    [99999, '99,999'],
    [100000, '1,00,000'],
    [1234567, '12,34,567'],
    [123456789, '12,34,56,789'],
    [-250000, '-2,50,000'],
  ])('%d → %s', (n, s) => expect(formatIndian(n)).toBe(s));

  it('keeps the requested decimals', () => {
    expect(formatIndian(8884.878, 2)).toBe('8,884.88');
    expect(formatRupees(8884.88)).toBe('₹8,884.88');
    expect(formatRupees(100000)).toBe('₹1,00,000');
  });

  it('refuses non-finite numbers', () => {
    expect(() => formatIndian(Number.NaN)).toThrow(/Cannot format/);
  });
});

describe('speakAmount', () => {
  it.each([
    [250000, '2 lakh 50 thousand rupees', '2 लाख 50 हज़ार रुपये'],
    [100000, '1 lakh rupees', '1 लाख रुपये'],
    [12345678, '1 crore 23 lakh 45 thousand 678 rupees', '1 करोड़ 23 लाख 45 हज़ार 678 रुपये'],
    [2500000, '25 lakh rupees', '25 लाख रुपये'],
    [500, '500 rupees', '500 रुपये'],
    [1, '1 rupee', '1 रुपया'],
    [8884.88, '8 thousand 884 rupees and 88 paise', '8 हज़ार 884 रुपये 88 पैसे'],
    [0.5, '50 paise', '50 पैसे'],
    [0, '0 rupees', '0 रुपये'],
  ])('%d', (n, en, hi) => {
    expect(speakAmount(n, 'en')).toBe(en);
    expect(speakAmount(n, 'hi')).toBe(hi);
  });

  it('rounds to the paisa, carrying into rupees', () => {
    expect(speakAmount(99.999, 'en')).toBe('100 rupees');
    expect(speakAmount(10.005, 'en')).toBe('10 rupees and 1 paise');
  });

  it('speaks very large amounts in crore', () => {
    expect(speakNumber(1e12, 'en')).toBe('1,00,000 crore');
  });

  it('rewrites ₹ and Rs. amounts inside text', () => {
    expect(speakAmountsIn('Fee: ₹500, max Rs. 5,000 and ₹25,00,000.', 'en')).toBe(
      'Fee: 500 rupees, max 5 thousand rupees and 25 lakh rupees.',
    );
    expect(speakAmountsIn('₹2,50,000 तक', 'hi')).toBe('2 लाख 50 हज़ार रुपये तक');
  });
});
