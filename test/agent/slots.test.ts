import { describe, expect, it } from 'vitest';
import { extractSlots, GRAMS_PER_TOLA } from '../../src/agent/slots.ts';

describe('extractSlots', () => {
  it.each([
    // English
    ['EMI for 2 lakh at 12% for 12 months', { amount: 200000, ratePct: 12, tenureMonths: 12 }],
    ['Rs. 1,00,000 at 9.5 percent for 1 year', { amount: 100000, ratePct: 9.5, tenureMonths: 12 }],
    ['emi for rs.50000 for 12 months', { amount: 50000, tenureMonths: 12 }],
    ['₹50,000 for 6 months', { amount: 50000, tenureMonths: 6 }],
    ['2 lakh 50 thousand over 24 months', { amount: 250000, tenureMonths: 24 }],
    ['a loan of 1.5 crore', { amount: 15000000 }],
    ['50k for two years', { amount: 50000, tenureMonths: 24 }],
    ['I have 50 grams of 22 carat gold', { weightGrams: 50, karat: 22 }],
    ['10g of 18k gold', { weightGrams: 10, karat: 18 }],
    ['100000 rupees 36 months', { amount: 100000, tenureMonths: 36 }],
    // Hindi
    ['5 लाख रुपये 3 साल के लिए 10 प्रतिशत', { amount: 500000, tenureMonths: 36, ratePct: 10 }],
    ['२ लाख १२ महीने', { amount: 200000, tenureMonths: 12 }],
    ['20 ग्राम 22 कैरेट सोना', { weightGrams: 20, karat: 22 }],
    ['पाँच लाख का लोन दो साल', { amount: 500000, tenureMonths: 24 }],
    ['डेढ़ लाख 18 महीने', { amount: 150000, tenureMonths: 18 }],
    ['50 हज़ार 6 माह', { amount: 50000, tenureMonths: 6 }],
    // Hinglish
    ['paanch lakh ka loan 18 mahine', { amount: 500000, tenureMonths: 18 }],
    ['dedh lakh do saal ke liye', { amount: 150000, tenureMonths: 24 }],
    ['2 lakh ka emi 12 mahine 11 pratishat', { amount: 200000, tenureMonths: 12, ratePct: 11 }],
    ['mere paas 30 gram 22K sona hai', { weightGrams: 30, karat: 22 }],
  ])('%s', (text, expected) => {
    expect(extractSlots(text)).toEqual(expected);
  });

  it('converts tola to grams', () => {
    expect(extractSlots('2 tola 22 carat').weightGrams).toBeCloseTo(2 * GRAMS_PER_TOLA, 2);
    expect(extractSlots('3 तोला').weightGrams).toBeCloseTo(3 * GRAMS_PER_TOLA, 2);
  });

  it('does not read units or small bare numbers as the loan amount', () => {
    expect(extractSlots('20 grams 22 carat').amount).toBeUndefined();
    expect(extractSlots('what is the rate for 12 months').amount).toBeUndefined();
    expect(extractSlots('age 18 to 70').amount).toBeUndefined();
    // "ten" must not be found inside "tenure", nor "das" inside "dastavez".
    expect(extractSlots('tenure and dastavez')).toEqual({});
  });

  it('reads "50k" as fifty thousand but "22k" as a karat', () => {
    expect(extractSlots('50k')).toEqual({ amount: 50000 });
    expect(extractSlots('22k gold')).toEqual({ karat: 22 });
  });
});
