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

export function costOf(usage: Pick<Usage, 'prompt_tokens' | 'completion_tokens'>, price: ModelPrice): number {
  const dollars = (usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / 1_000_000;
  // Round to a millionth of a cent so sums stay exact enough to compare.
  return Math.round(dollars * 1e8) / 1e8;
}
