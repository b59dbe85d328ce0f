/**
 * The key with every limit the limits benchmarks send their streams with:
 * RPM, TPM, concurrency and a daily budget, each far above what a run
 * spends, so every request does all of admission's work (counts its prompt,
 * takes from both buckets, holds a lease and a budget reservation, passes
 * the budget gate) and none is refused. The model is priced, or the budget
 * would have nothing to count.
 */
export const LIMITED_KEY = 'sk-bench-limited-0000';
export const LIMITS = { rpm: 1_000_000, tpm: 1_000_000_000, concurrency: 1000, budget: { usd: 1_000_000, period: 'day' } };
export const PRICED_MODEL = 'priced';

/** The priced alias of the bench upstream's model, as a sluice config's `models` entry. */
export function pricedModel(target: string): { name: string; target: string; price: { input: number; output: number } } {
  return { name: PRICED_MODEL, target, price: { input: 1, output: 2 } };
}
