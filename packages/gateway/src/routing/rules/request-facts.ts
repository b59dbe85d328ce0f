import type { ChatCompletionRequest } from '@sluice/protocol';
import { countPromptTokens } from '../../streams/usage-meter.ts';

/** Of a very long message, the regular expressions of rules read this much (a pathological pattern stays bounded). */
const MAX_TEXT = 100_000;

const IMAGE_PARTS = new Set(['image_url', 'input_image', 'image']);

/**
 * What rules ask of a request, each worked out once and only when a rule
 * asks (counting prompt tokens takes a tokenizer).
 */
export class RequestFacts {
  readonly #request: ChatCompletionRequest;
  #promptTokens: number | undefined;
  #lastUserText: string | undefined;

  constructor(request: ChatCompletionRequest) {
    this.#request = request;
  }

  get promptTokens(): number {
    return (this.#promptTokens ??= countPromptTokens(this.#request));
  }

  get messages(): number {
    return this.#request.messages.length;
  }

  get tools(): boolean {
    const tools = (this.#request as { tools?: unknown[] }).tools;
    return Array.isArray(tools) && tools.length > 0;
  }

  get images(): boolean {
    return this.#request.messages.some((message) => Array.isArray(message.content) && message.content.some((part) => IMAGE_PARTS.has(part.type)));
  }

  /** Structured output asked for: a `response_format` other than plain text. */
  get responseFormat(): boolean {
    const format = (this.#request as { response_format?: { type?: unknown } | null }).response_format;
    return format != null && format.type !== 'text';
  }

  get lastUserText(): string {
    if (this.#lastUserText !== undefined) return this.#lastUserText;
    const last = this.#request.messages.findLast((message) => message.role === 'user');
    let text = '';
    if (typeof last?.content === 'string') text = last.content;
    else if (Array.isArray(last?.content)) text = last.content.map((part) => (typeof part.text === 'string' ? part.text : '')).join('\n');
    return (this.#lastUserText = text.slice(0, MAX_TEXT));
  }
}
