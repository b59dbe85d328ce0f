import type { ChatCompletionRequest, ModelPrice } from '@sluice/protocol';
import type { RouteTarget } from '../routing/router.ts';

/** Output tokens a budget reserves at admission, and the least an extension asks for ahead of need. */
export const OUTPUT_INCREMENT = 256;

export interface Reservation {
  /** The prompt's tokens: its tokenizer count, or a bound above it until the count is made (`withPromptTokens`). */
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
  /** Output tokens the TPM take covers: `max_tokens`, or `limits.defaultMaxTokens`. */
  outputTokens: number;
  /** Reserved from budgets at admission: the prompt and the first output increment. */
  cost: number;
}

/** What a request reserves at admission, its prompt taken as `promptTokens` (0 when no TPM limit or budget needs a count). */
export function reservationFor(request: ChatCompletionRequest, targets: readonly RouteTarget[], defaultMaxTokens: number, promptTokens: number): Reservation {
  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const price = highestPrice(targets);
  const reservation: Reservation = {
    promptTokens: 0,
    tokens: 0,
    inputUsd: price.input / 1_000_000,
    outputUsd: price.output / 1_000_000,
    firstOutputTokens: Math.min(OUTPUT_INCREMENT, maxTokens ?? OUTPUT_INCREMENT),
    maxOutputTokens: maxTokens,
    outputTokens: maxTokens ?? defaultMaxTokens,
    cost: 0,
  };
  return withPromptTokens(reservation, promptTokens);
}

/** The same reservation with the prompt taken as `promptTokens`. */
export function withPromptTokens(reservation: Reservation, promptTokens: number): Reservation {
  return {
    ...reservation,
    promptTokens,
    tokens: promptTokens + reservation.outputTokens,
    cost: promptTokens * reservation.inputUsd + reservation.firstOutputTokens * reservation.outputUsd,
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
