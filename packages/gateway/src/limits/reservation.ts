import type { ChatCompletionRequest, ModelPrice } from '@sluice/protocol';
import type { RouteTarget } from '../routing/router.ts';
import { countPromptTokens } from '../streams/usage-meter.ts';

/** Output tokens a budget reserves at admission, and the least an extension asks for ahead of need. */
export const OUTPUT_INCREMENT = 256;

export interface Reservation {
  promptTokens: number;
  /** Taken from TPM buckets: the prompt plus `max_tokens` (or `limits.defaultMaxTokens`). */
  tokens: number;
  /** The highest price among the targets the request may reach (a failover must be covered too), US dollars a token. */
  inputUsd: number;
  outputUsd: number;
  /** Output tokens the first budget reservation covers: one increment, or `max_tokens` if smaller. */
  firstOutputTokens: number;
  /** The request's own `max_tokens` (or `max_completion_tokens`), if it set one. */
  maxOutputTokens: number | undefined;
  /** Reserved from budgets at admission: the prompt and the first output increment. */
  cost: number;
}

/** What a request reserves at admission. The prompt is counted only when a TPM limit or a budget needs it. */
export function reservationFor(request: ChatCompletionRequest, targets: readonly RouteTarget[], defaultMaxTokens: number, needsCount: boolean): Reservation {
  const promptTokens = needsCount ? countPromptTokens(request) : 0;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const price = highestPrice(targets);
  const inputUsd = price.input / 1_000_000;
  const outputUsd = price.output / 1_000_000;
  const firstOutputTokens = Math.min(OUTPUT_INCREMENT, maxTokens ?? OUTPUT_INCREMENT);
  return {
    promptTokens,
    tokens: promptTokens + (maxTokens ?? defaultMaxTokens),
    inputUsd,
    outputUsd,
    firstOutputTokens,
    maxOutputTokens: maxTokens,
    cost: promptTokens * inputUsd + firstOutputTokens * outputUsd,
  };
}

function highestPrice(targets: readonly RouteTarget[]): ModelPrice {
  let input = 0;
  let output = 0;
  for (const target of targets) {
    input = Math.max(input, target.price.input, target.price.cacheWrite ?? 0);
    output = Math.max(output, target.price.output);
  }
  return { input, output };
}
