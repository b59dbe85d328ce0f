/** Percentiles by the nearest-rank method: every figure reported is a value that was measured. */

export interface Distribution {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function distribution(samples: readonly number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    n: sorted.length,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1],
  };
}

/** The middle value (an odd number of rounds gives one that was measured; an even one, the mean of the two middle). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A figure measured once per round: its median and its spread (min–max over the rounds). */
export interface Spread {
  rounds: number;
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread | null {
  const known = values.filter((v) => Number.isFinite(v));
  if (known.length === 0) return null;
  return { rounds: known.length, median: median(known), min: Math.min(...known), max: Math.max(...known) };
}
