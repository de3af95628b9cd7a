/**
 * Percentile with linear interpolation between closest ranks (the "R-7" method, numpy's default), so a
 * p95 over few samples is not stuck on the maximum. Returns NaN for no values.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile p must be between 0 and 100, got ${p}`);
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const low = sorted[lo] as number;
  return low + ((sorted[hi] as number) - low) * (rank - lo);
}

export interface Stats {
  count: number;
  /** null when there were no samples (JSON has no NaN). */
  median: number | null;
  p95: number | null;
  min: number | null;
  max: number | null;
}

export function describe(values: readonly number[]): Stats {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { count: 0, median: null, p95: null, min: null, max: null };
  return {
    count: finite.length,
    median: percentile(finite, 50),
    p95: percentile(finite, 95),
    min: Math.min(...finite),
    max: Math.max(...finite),
  };
}
