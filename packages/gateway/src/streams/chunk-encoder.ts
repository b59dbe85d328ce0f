import type { ChatCompletionRequest, Usage } from '@sluice/protocol';
import type { GatewayError } from '../errors/index.ts';
import type { StreamEvent } from '../events/stream-event.ts';
import type { EventEncoder, FrameWriter, StreamEncoding } from './event-encoder.ts';

/**
 * Serialises StreamEvents into OpenAI `chat.completion.chunk` JSON: the
 * encoding of chat completions, over SSE and WebSocket alike. The fixed part
 * of every chunk (id, created, model) is serialised once per stream; content
 * deltas, the hot path, are joined as strings around it. A finished stream
 * ends with the usage chunk (when the client asked for it) and a done entry
 * `{"usage","cost"}`; a failed one with the wire error.
 */
export class ChunkEncoder implements EventEncoder {
  readonly #head: string;
  readonly #includeUsage: boolean;

  constructor(completionId: string, created: number, model: string, includeUsage: boolean) {
    this.#head = `{"id":${JSON.stringify(completionId)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":[`;
    this.#includeUsage = includeUsage;
  }

  encode(event: StreamEvent, out: FrameWriter): void {
    switch (event.type) {
      case 'content':
        if (event.logprobs !== undefined) return out.chunk(this.#choice(event.choice, { content: event.text }, null, event.logprobs));
        return out.chunk(`${this.#head}{"index":${event.choice},"delta":{"content":${JSON.stringify(event.text)}},"finish_reason":null}]}`);
      case 'role':
        return out.chunk(this.#choice(event.choice, { role: event.role, content: '' }, null));
      case 'reasoning':
        return out.chunk(this.#choice(event.choice, { reasoning_content: event.text }, null));
      case 'tool_call':
        return out.chunk(this.#choice(event.choice, { tool_calls: [event.call] }, null));
      case 'finish':
        return out.chunk(this.#choice(event.choice, {}, event.reason));
      // Signatures and redacted reasoning are for the provider's next turn, not for OpenAI clients.
      // Usage comes once, settled, at the end; errors end the stream through fail().
      case 'reasoning_signature':
      case 'reasoning_redacted':
      case 'usage':
      case 'error':
        return;
    }
  }

  finish(usage: Usage, out: FrameWriter): void {
    // The usage chunk OpenAI sends last when `stream_options.include_usage` is set.
    if (this.#includeUsage) out.chunk(`${this.#head}],"usage":${JSON.stringify(usage)}}`);
    out.done(JSON.stringify({ usage, cost: usage.cost ?? 0 }));
  }

  fail(error: GatewayError, out: FrameWriter): void {
    out.error(JSON.stringify(error.toWire()));
  }

  #choice(index: number, delta: object, finishReason: string | null, logprobs?: unknown): string {
    const choice = logprobs === undefined ? { index, delta, finish_reason: finishReason } : { index, delta, logprobs, finish_reason: finishReason };
    return `${this.#head}${JSON.stringify(choice)}]}`;
  }
}

/** Chat completions' encoding for a validated request. */
export function chatEncoding(request: ChatCompletionRequest): StreamEncoding {
  const includeUsage = request.stream_options?.include_usage === true;
  return {
    api: 'chat',
    encoder: (streamId, createdAt) => new ChunkEncoder(`chatcmpl-${streamId}`, Math.floor(createdAt / 1000), request.model, includeUsage),
  };
}
