/** Equated monthly instalment on a reducing balance, as banks quote it. */

export interface EmiInput {
  principal: number;
  /** Annual rate, percent (12 for 12%). */
  annualRatePct: number;
  months: number;
}

export interface EmiResult extends EmiInput {
  /** Monthly instalment, rounded to the paisa. */
  emi: number;
  totalInterest: number;
  totalPayable: number;
}

export type EmiField = keyof EmiInput;

export interface ToolProblem<F extends string> {
  field: F;
  message: string;
}

export class ToolInputError<F extends string = string> extends Error {
  override name = 'ToolInputError';
  constructor(readonly problems: ToolProblem<F>[]) {
    super(problems.map((p) => p.message).join(' '));
  }
}

export const EMI_LIMITS = { maxPrincipal: 1e10, maxRatePct: 60, maxMonths: 600 } as const;

/** Every problem with the input, each saying what to change; empty when it can be computed. */
export function validateEmi(input: Partial<EmiInput>): ToolProblem<EmiField>[] {
  const problems: ToolProblem<EmiField>[] = [];
  const { principal, annualRatePct, months } = input;
  if (principal === undefined || !Number.isFinite(principal) || principal <= 0) {
    problems.push({ field: 'principal', message: 'The loan amount must be a positive number of rupees.' });
  } else if (principal > EMI_LIMITS.maxPrincipal) {
    problems.push({ field: 'principal', message: `The loan amount must be at most ₹${EMI_LIMITS.maxPrincipal.toLocaleString('en-IN')}.` });
  }
  if (annualRatePct === undefined || !Number.isFinite(annualRatePct) || annualRatePct < 0 || annualRatePct > EMI_LIMITS.maxRatePct) {
    problems.push({ field: 'annualRatePct', message: `The interest rate must be between 0% and ${EMI_LIMITS.maxRatePct}% a year.` });
  }
  if (months === undefined || !Number.isInteger(months) || months < 1 || months > EMI_LIMITS.maxMonths) {
    problems.push({ field: 'months', message: `The tenure must be a whole number of months from 1 to ${EMI_LIMITS.maxMonths}.` });
  }
  return problems;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * EMI = P·r·(1+r)^n / ((1+r)^n − 1) with r the monthly rate; at 0% it is P/n. Totals are computed from
 * the unrounded instalment (the bank adjusts the last EMI), then rounded to the paisa.
 * Throws ToolInputError listing every problem.
 */
export function calculateEmi(input: EmiInput): EmiResult {
  const problems = validateEmi(input);
  if (problems.length) throw new ToolInputError(problems);
  const { principal, annualRatePct, months } = input;
  const r = annualRatePct / 1200;
  const exact = r === 0 ? principal / months : (principal * r * (1 + r) ** months) / ((1 + r) ** months - 1);
  const totalPayable = round2(exact * months);
  return { ...input, emi: round2(exact), totalPayable, totalInterest: round2(totalPayable - principal) };
}
