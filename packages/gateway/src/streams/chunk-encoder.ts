import type { Usage } from '@sluice/protocol';
import type { StreamEvent } from '../events/stream-event.ts';

/**
 * Serialises StreamEvents into OpenAI `chat.completion.chunk` JSON. The
 * fixed part of every chunk (id, created, model) is serialised once per
 * stream; content deltas, the hot path, are joined as strings around it.
 */
export class ChunkEncoder {
  readonly #head: string;

  constructor(completionId: string, created: number, model: string) {
    this.#head = `{"id":${JSON.stringify(completionId)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":[`;
  }

  /** The chunk for an event; usage and error events are not chunks and return null. */
  encode(event: StreamEvent): string | null {
    switch (event.type) {
      case 'content':
        if (event.logprobs !== undefined) return this.#choice(event.choice, { content: event.text }, null, event.logprobs);
        return `${this.#head}{"index":${event.choice},"delta":{"content":${JSON.stringify(event.text)}},"finish_reason":null}]}`;
      case 'role':
        return this.#choice(event.choice, { role: event.role, content: '' }, null);
      case 'reasoning':
        return this.#choice(event.choice, { reasoning_content: event.text }, null);
      case 'tool_call':
        return this.#choice(event.choice, { tool_calls: [event.call] }, null);
      case 'finish':
        return this.#choice(event.choice, {}, event.reason);
      // Signatures and redacted reasoning are for the provider's next turn, not for OpenAI clients.
      case 'reasoning_signature':
      case 'reasoning_redacted':
      case 'usage':
      case 'error':
        return null;
    }
  }

  /** The usage chunk OpenAI sends last when `stream_options.include_usage` is set. */
  usage(usage: Usage): string {
    return `${this.#head}],"usage":${JSON.stringify(usage)}}`;
  }

  #choice(index: number, delta: object, finishReason: string | null, logprobs?: unknown): string {
    const choice = logprobs === undefined ? { index, delta, finish_reason: finishReason } : { index, delta, logprobs, finish_reason: finishReason };
    return `${this.#head}${JSON.stringify(choice)}]}`;
  }
}
