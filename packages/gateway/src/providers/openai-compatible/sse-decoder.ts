import type { StreamEvent } from '../../events/stream-event.ts';
import type { SseEventDecoder } from '../http/sse-upstream.ts';
import { parseUpstreamChunk } from './chunk-parser.ts';
import { ContentShape } from './content-shape.ts';

/** OpenAI's chat-completion chunks, ended by `data: [DONE]`. */
export class OpenAIChunkDecoder implements SseEventDecoder {
  #done = false;
  #finished = false;
  /** This response's plain content chunk, once seen: later ones are read without JSON.parse. */
  readonly #shape = new ContentShape();

  get done(): boolean {
    return this.#done;
  }

  decode(_event: string | undefined, data: string, out: StreamEvent[]): void {
    if (data === '[DONE]') {
      this.#done = true;
      return;
    }
    const text = this.#shape.match(data);
    if (text !== undefined) {
      if (text !== '') out.push({ type: 'content', choice: 0, text });
      return;
    }
    const before = out.length;
    parseUpstreamChunk(data, out);
    for (let i = before; i < out.length; i++) if (out[i].type === 'finish') this.#finished = true;
    this.#shape.learn(data, before === 0 ? out : out.slice(before));
  }

  /** Some upstreams end without [DONE]; that is fine once every choice has finished. */
  endOfBody(): boolean {
    return this.#finished;
  }
}
