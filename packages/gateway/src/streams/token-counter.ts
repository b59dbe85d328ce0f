import { createRequire } from 'node:module';

type CountTokens = (text: string) => number;

let count: CountTokens | undefined;

/**
 * Tokens in a text, with a real tokenizer (`gpt-tokenizer`). Its tables take
 * megabytes and a noticeable moment to load, and a gateway whose upstreams
 * report usage never needs them, so they load on first use.
 */
export function countTokens(text: string): number {
  count ??= (createRequire(import.meta.url)('gpt-tokenizer') as { countTokens: CountTokens }).countTokens;
  return count(text);
}
