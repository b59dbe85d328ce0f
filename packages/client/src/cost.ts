/**
 * Prices and token estimates. The gateway reports the real cost of each
 * request (`usage.cost`); the SDK's own table is for estimates before and
 * during a stream, and for servers that report no cost.
 */
import { DEFAULT_PRICES, costOf, type ChatCompletionRequest, type ChatMessage, type ModelPrice, type PricedUsage } from '@sluice/protocol';

/** Completion tokens assumed for a request that sets no `max_tokens`, until its usage is known. */
export const DEFAULT_COMPLETION_ESTIMATE = 256;

export class PriceTable {
  readonly #prices: Map<string, ModelPrice>;

  /** The seed's four models, then `overrides` (US dollars per million tokens, in and out). */
  constructor(overrides: Readonly<Record<string, ModelPrice>> = {}) {
    this.#prices = new Map(Object.entries({ ...DEFAULT_PRICES, ...overrides }));
    for (const [model, price] of this.#prices) {
      if (!(price.input >= 0 && price.output >= 0)) throw new TypeError(`price of ${model} must have input and output ≥ 0`);
      if (!((price.cachedInput ?? 0) >= 0 && (price.cacheWrite ?? 0) >= 0)) throw new TypeError(`price of ${model} must have cachedInput and cacheWrite ≥ 0`);
    }
  }

  /** The exact name first, then without a provider prefix (`openrouter/gpt-4.1` → `gpt-4.1`). */
  priceOf(model: string): ModelPrice | undefined {
    return this.#prices.get(model) ?? this.#prices.get(model.slice(model.lastIndexOf('/') + 1));
  }

  /** Dollars for `usage`, or null when the model has no price. */
  cost(model: string, usage: PricedUsage): number | null {
    const price = this.priceOf(model);
    return price ? costOf(usage, price) : null;
  }
}

/** Roughly four characters a token, plus a few per message for the chat framing. */
export function estimatePromptTokens(request: ChatCompletionRequest): number {
  let chars = 0;
  for (const message of request.messages) chars += messageChars(message);
  return Math.ceil(chars / 4) + 4 * request.messages.length;
}

/** The completion bound the request sets, if any. */
export function completionBound(request: ChatCompletionRequest): number | undefined {
  const bound = request.max_completion_tokens ?? request.max_tokens;
  return typeof bound === 'number' && bound >= 0 ? bound : undefined;
}

/** What a request may consume, for the tpm bucket: prompt estimate plus its completion bound. */
export function estimateRequestTokens(request: ChatCompletionRequest): number {
  return estimatePromptTokens(request) + (completionBound(request) ?? DEFAULT_COMPLETION_ESTIMATE);
}

function messageChars(message: ChatMessage): number {
  const { content } = message;
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let chars = 0;
  for (const part of content) if (typeof part.text === 'string') chars += part.text.length;
  return chars;
}
