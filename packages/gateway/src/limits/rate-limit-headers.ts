import type { BucketState, SubjectState } from './limit-store.ts';

/**
 * OpenAI's rate-limit headers for the tightest limit that applies (the
 * bucket with the fewest left, of every subject the request passed), and
 * `x-sluice-budget-remaining` (US dollars) for the tightest budget.
 */
export function limitHeaders(states: readonly SubjectState[]): Record<string, string> {
  const headers: Record<string, string> = {};
  const requests = tightest(states, (s) => s.requests);
  if (requests !== undefined) setBucket(headers, 'requests', requests);
  const tokens = tightest(states, (s) => s.tokens);
  if (tokens !== undefined) setBucket(headers, 'tokens', tokens);
  let budget: number | undefined;
  for (const state of states) if (state.budget !== undefined) budget = Math.min(budget ?? Infinity, state.budget.remaining);
  if (budget !== undefined) headers['x-sluice-budget-remaining'] = budget.toFixed(6);
  return headers;
}

function tightest(states: readonly SubjectState[], bucket: (state: SubjectState) => BucketState | undefined): BucketState | undefined {
  let best: BucketState | undefined;
  for (const state of states) {
    const b = bucket(state);
    if (b !== undefined && (best === undefined || b.remaining < best.remaining || (b.remaining === best.remaining && b.resetMs > best.resetMs))) best = b;
  }
  return best;
}

function setBucket(headers: Record<string, string>, kind: 'requests' | 'tokens', bucket: BucketState): void {
  headers[`x-ratelimit-limit-${kind}`] = String(bucket.limit);
  headers[`x-ratelimit-remaining-${kind}`] = String(bucket.remaining);
  headers[`x-ratelimit-reset-${kind}`] = formatDuration(bucket.resetMs);
}

/** A duration the way OpenAI writes it: `20ms`, `1s`, `1.5s`, `6m0s`, `1h0m0s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = `${Math.round(ms % 60_000) / 1000}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  return minutes > 0 ? `${minutes}m${seconds}` : seconds;
}
