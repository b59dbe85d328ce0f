import type { StreamEvent } from '../../events/stream-event.ts';
import type { SseEventDecoder } from '../http/sse-upstream.ts';
import { parseUpstreamChunk } from './chunk-parser.ts';

/** OpenAI's chat-completion chunks, ended by `data: [DONE]`. */
export class OpenAIChunkDecoder implements SseEventDecoder {
  #done = false;
  #finished = false;

  get done(): boolean {
    return this.#done;
  }

  decode(_event: string | undefined, data: string, out: StreamEvent[]): void {
    if (data === '[DONE]') {
      this.#done = true;
      return;
    }
    const before = out.length;
    parseUpstreamChunk(data, out);
    for (let i = before; i < out.length; i++) if (out[i].type === 'finish') this.#finished = true;
  }

  /** Some upstreams end without [DONE]; that is fine once every choice has finished. */
  endOfBody(): boolean {
    return this.#finished;
  }
}
