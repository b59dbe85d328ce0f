import { costOf, type ChatCompletionRequest, type FinishReason, type ModelPrice, type Usage } from '@sluice/protocol';
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
  /** What `tokensSoFar` has counted: the pieces up to `#countedPieces`, and their tokens. */
  #countedPieces = 0;
  #countedTokens = 0;
  /** Each choice's finish reason, in the order they came. */
  readonly finishReasons: FinishReason[] = [];

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
      case 'finish':
        this.finishReasons.push(event.reason);
        break;
    }
  }

  /**
   * Output tokens so far, for the Live page: the pieces generated since the
   * last call counted together, added to a running total, so a watched
   * stream's text is tokenized once, a snapshot at a time, and one nobody
   * watches costs nothing (the pieces are kept for settling anyway). Counted
   * apart, pieces may count a token or so more at their seams than the whole
   * text. Once the upstream reports its own usage, at least its count.
   */
  tokensSoFar(): number {
    const pieces = this.#generated;
    if (pieces.length > this.#countedPieces) {
      this.#countedTokens += countTokens(pieces.slice(this.#countedPieces).join(''));
      this.#countedPieces = pieces.length;
    }
    return Math.max(this.#countedTokens, this.#upstream?.completion_tokens ?? 0);
  }

  /**
   * Final usage with its cost, in US dollars. A stream that ended early
   * (cancelled, failed) is billed for what it delivered, counted, and marked
   * `estimated`; the prompt keeps the upstream's exact count when it gave one
   * before the end (Anthropic does, at the start).
   */
  settle(request: ChatCompletionRequest, price: ModelPrice, complete = true): Usage {
    const upstream = this.#upstream;
    let usage: Usage;
    if (upstream === undefined) usage = this.#estimate(request);
    else if (!complete) usage = this.#cutShort(upstream);
    else {
      usage = { prompt_tokens: upstream.prompt_tokens, completion_tokens: upstream.completion_tokens, total_tokens: upstream.total_tokens ?? upstream.prompt_tokens + upstream.completion_tokens };
      // Keep the upstream's extra detail (cached tokens, reasoning tokens) for clients that read it.
      for (const key of Object.keys(upstream)) if (!(key in usage)) usage[key] = upstream[key];
    }
    usage.cost = costOf(usage, price);
    return usage;
  }

  #cutShort(upstream: Usage): Usage {
    const completion = Math.max(upstream.completion_tokens ?? 0, this.#countGenerated());
    const usage: Usage = { prompt_tokens: upstream.prompt_tokens, completion_tokens: completion, total_tokens: upstream.prompt_tokens + completion, estimated: true };
    if (upstream.prompt_tokens_details !== undefined) usage.prompt_tokens_details = upstream.prompt_tokens_details;
    return usage;
  }

  #countGenerated(): number {
    return this.#generated.length === 0 ? 0 : countTokens(this.#generated.join(''));
  }

  #estimate(request: ChatCompletionRequest): Usage {
    const prompt = countPromptTokens(request);
    const completion = this.#countGenerated();
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
