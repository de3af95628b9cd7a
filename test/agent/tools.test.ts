import { describe, expect, it } from 'vitest';
import { calculateEligibility, validateEligibility } from '../../src/agent/tools/eligibility.ts';
import { calculateEmi, ToolInputError, validateEmi } from '../../src/agent/tools/emi.ts';
import { loadKb } from '../knowledge/kb-file.ts';

const { product } = loadKb();

describe('EMI', () => {
  it('matches the textbook value: ₹1,00,000 at 12% for 12 months', () => {
    const r = calculateEmi({ principal: 100000, annualRatePct: 12, months: 12 });
    expect(r.emi).toBe(8884.88);
    expect(r.totalPayable).toBe(106618.55);
    expect(r.totalInterest).toBe(6618.55);
  });

  it.each([
    // principal, rate, months, EMI (cross-checked with Python's decimal module at 40 digits)
    [500000, 10, 60, 10623.52],
    [250000, 9.5, 24, 11478.62],
    [1000000, 8.5, 240, 8678.23],
  ])('₹%d at %s percent for %d months → EMI %s', (principal, annualRatePct, months, emi) => {
    expect(calculateEmi({ principal, annualRatePct, months }).emi).toBe(emi);
  });

  it('divides evenly at zero rate', () => {
    const r = calculateEmi({ principal: 120000, annualRatePct: 0, months: 12 });
    expect(r.emi).toBe(10000);
    expect(r.totalInterest).toBe(0);
  });

  it('lists every problem with a clear message', () => {
    expect(validateEmi({ principal: 0, annualRatePct: 75, months: 2.5 }).map((p) => p.field)).toEqual([
      'principal',
      'annualRatePct',
      'months',
    ]);
    expect(() => calculateEmi({ principal: -5, annualRatePct: 10, months: 12 })).toThrow(ToolInputError);
    expect(() => calculateEmi({ principal: 1000, annualRatePct: 10, months: 0 })).toThrow(/whole number of months from 1 to 600/);
    expect(() => calculateEmi({ principal: Number.NaN, annualRatePct: 10, months: 12 })).toThrow(/positive number of rupees/);
  });
});

describe('eligibility', () => {
  it('computes weight × karat/24 × 24K rate × LTV', () => {
    const r = calculateEligibility({ weightGrams: 50, karat: 22 }, product);
    const value = 50 * (22 / 24) * product.goldRate.rupeesPerGram;
    expect(r.goldValue).toBeCloseTo(value, 2);
    expect(r.maxLoan).toBeCloseTo((value * product.ltvPct) / 100, 2);
    expect(r.status).toBe('ok');
    // With the shipped parameters (₹7,200/g of 24K, 75%): 50 g of 22K → ₹3,30,000 value, ₹2,47,500 loan.
    expect(r.goldValue).toBe(330000);
    expect(r.maxLoan).toBe(247500);
  });

  it('caps at the product maximum and refuses below the minimum', () => {
    const big = calculateEligibility({ weightGrams: 1000, karat: 24 }, product);
    expect(big.status).toBe('capped');
    expect(big.maxLoan).toBe(product.loan.max);
    const small = calculateEligibility({ weightGrams: 1, karat: 22 }, product);
    expect(small.status).toBe('below-minimum');
    expect(small.maxLoan).toBe(0);
  });

  it('accepts 14 to 24 karat only, with a clear message', () => {
    expect(validateEligibility({ weightGrams: 10, karat: 14 }, product)).toEqual([]);
    expect(validateEligibility({ weightGrams: 10, karat: 24 }, product)).toEqual([]);
    expect(() => calculateEligibility({ weightGrams: 10, karat: 10 }, product)).toThrow(/10 karat cannot be accepted.*14 to 24 karat/);
    expect(() => calculateEligibility({ weightGrams: 10, karat: 25 }, product)).toThrow(ToolInputError);
    expect(() => calculateEligibility({ weightGrams: 0, karat: 22 }, product)).toThrow(/weight must be more than 0/);
  });
});
