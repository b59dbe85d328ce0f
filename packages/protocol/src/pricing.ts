import type { ModelPrice, Usage } from './openai.ts';

/**
 * The seed article's four models, US dollars per million tokens in and out.
 * The gateway's default price table and the SDK's default cost estimate.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = Object.freeze({
  'deepseek-v3.2': { input: 0.28, output: 0.42 },
  'gemini-2.5-flash': { input: 0.35, output: 2.5 },
  'gpt-4.1': { input: 2, output: 8 },
  'claude-sonnet-4.5': { input: 3, output: 15 },
});

/** What a cost is computed from: the token counts, and how many prompt tokens the provider's cache served or took. */
export type PricedUsage = Pick<Usage, 'prompt_tokens' | 'completion_tokens' | 'prompt_tokens_details'>;

/**
 * US dollars for `usage` at `price`. Prompt tokens read from the provider's
 * cache cost `cachedInput`, those written to it `cacheWrite` (each `input`
 * when the price names none); the rest of the prompt costs `input`.
 * Completion tokens, reasoning included, cost `output`.
 */
export function costOf(usage: PricedUsage, price: ModelPrice): number {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const written = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
  const fresh = Math.max(0, usage.prompt_tokens - cached - written);
  const prompt = fresh * price.input + cached * (price.cachedInput ?? price.input) + written * (price.cacheWrite ?? price.input);
  const dollars = (prompt + usage.completion_tokens * price.output) / 1_000_000;
  // Round to a millionth of a cent so sums stay exact enough to compare.
  return Math.round(dollars * 1e8) / 1e8;
}
