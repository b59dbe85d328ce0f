import { costOf, type ChatCompletionRequest, type ModelPrice, type Usage } from '@sluice/protocol';
import { countTokens } from './token-counter.ts';
import type { StreamEvent } from '../events/stream-event.ts';

/**
 * Keeps what a stream will be billed for: the upstream's own usage when it
 * sends one, otherwise a count of the prompt and of everything generated,
 * made with a real tokenizer and marked `estimated`.
 */
export class UsageMeter {
  #upstream: Usage | undefined;
  #generated: string[] = [];

  observe(event: StreamEvent): void {
    switch (event.type) {
      case 'content':
      case 'reasoning':
        this.#generated.push(event.text);
        break;
      case 'tool_call':
        if (event.call.function?.name) this.#generated.push(event.call.function.name);
        if (event.call.function?.arguments) this.#generated.push(event.call.function.arguments);
        break;
      case 'usage':
        this.#upstream = event.usage;
        break;
    }
  }

  /** Final usage with its cost, in US dollars. */
  settle(request: ChatCompletionRequest, price: ModelPrice): Usage {
    const upstream = this.#upstream;
    const usage: Usage =
      upstream !== undefined
        ? { prompt_tokens: upstream.prompt_tokens, completion_tokens: upstream.completion_tokens, total_tokens: upstream.total_tokens ?? upstream.prompt_tokens + upstream.completion_tokens }
        : this.#estimate(request);
    if (upstream !== undefined) {
      // Keep the upstream's extra detail (cached tokens, reasoning tokens) for clients that read it.
      for (const key of Object.keys(upstream)) if (!(key in usage)) usage[key] = upstream[key];
    }
    usage.cost = costOf(usage, price);
    return usage;
  }

  #estimate(request: ChatCompletionRequest): Usage {
    const prompt = countPromptTokens(request);
    const completion = this.#generated.length === 0 ? 0 : countTokens(this.#generated.join(''));
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, estimated: true };
  }
}

/** Prompt tokens the way OpenAI counts chat messages: content plus a few tokens of framing each. */
export function countPromptTokens(request: ChatCompletionRequest): number {
  let text = '';
  for (const message of request.messages) {
    if (typeof message.content === 'string') text += message.content + '\n';
    else if (Array.isArray(message.content)) for (const part of message.content) if (typeof part.text === 'string') text += part.text + '\n';
  }
  return countTokens(text) + 3 * request.messages.length;
}
