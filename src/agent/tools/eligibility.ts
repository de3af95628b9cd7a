/** How much the bank lends on a given weight and purity of gold: weight × karat/24 × 24K rate × LTV. */
import type { GoldLoanProduct } from '../../knowledge/kb.ts';
import { ToolInputError, type ToolProblem } from './emi.ts';

export interface EligibilityInput {
  weightGrams: number;
  karat: number;
}

export interface EligibilityResult extends EligibilityInput {
  /** Value of the pure gold at the reference rate. */
  goldValue: number;
  /** goldValue × LTV, before the product's limits. */
  ltvAmount: number;
  /** What can be lent: ltvAmount capped at the product maximum; 0 when below the product minimum. */
  maxLoan: number;
  /** "ok", "capped" at the product maximum, or "below-minimum". */
  status: 'ok' | 'capped' | 'below-minimum';
  ratePerGram24k: number;
  ltvPct: number;
  rateAsOf: string;
}

export type EligibilityField = keyof EligibilityInput;

export const MAX_WEIGHT_GRAMS = 10_000;

export function validateEligibility(input: Partial<EligibilityInput>, product: GoldLoanProduct): ToolProblem<EligibilityField>[] {
  const problems: ToolProblem<EligibilityField>[] = [];
  const { weightGrams, karat } = input;
  if (weightGrams === undefined || !Number.isFinite(weightGrams) || weightGrams <= 0 || weightGrams > MAX_WEIGHT_GRAMS) {
    problems.push({ field: 'weightGrams', message: `The gold's weight must be more than 0 and at most ${MAX_WEIGHT_GRAMS} grams.` });
  }
  if (karat === undefined || !Number.isFinite(karat) || karat < product.karat.min || karat > product.karat.max) {
    problems.push({
      field: 'karat',
      message: `Gold of ${karat ?? 'unknown'} karat cannot be accepted: the bank lends on ${product.karat.min} to ${product.karat.max} karat gold.`,
    });
  }
  return problems;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Throws ToolInputError listing every problem (weight out of range, karat outside the product's range). */
export function calculateEligibility(input: EligibilityInput, product: GoldLoanProduct): EligibilityResult {
  const problems = validateEligibility(input, product);
  if (problems.length) throw new ToolInputError(problems);
  const rate = product.goldRate.rupeesPerGram;
  const goldValue = round2(input.weightGrams * (input.karat / 24) * rate);
  const ltvAmount = round2((goldValue * product.ltvPct) / 100);
  const status = ltvAmount < product.loan.min ? 'below-minimum' : ltvAmount > product.loan.max ? 'capped' : 'ok';
  const maxLoan = status === 'below-minimum' ? 0 : Math.min(ltvAmount, product.loan.max);
  return {
    ...input,
    goldValue,
    ltvAmount,
    maxLoan,
    status,
    ratePerGram24k: rate,
    ltvPct: product.ltvPct,
    rateAsOf: product.goldRate.asOf,
  };
}
