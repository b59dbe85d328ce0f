import type { ChatCompletionRequest } from '@sluice/protocol';
import type { ProviderConfig } from '../../config/schema.ts';
import { isJsonResponse, UpstreamClient } from '../http/upstream-client.ts';
import { withTrace } from '../http/trace-headers.ts';
import { serialiseRequest } from '../request-body.ts';
import { SseUpstream } from '../http/sse-upstream.ts';
import { foreignExtrasKeys, withoutInternalFields } from '../internal-fields.ts';
import type { Provider, UpstreamStream } from '../types.ts';
import { upstreamStatusError } from '../upstream-error.ts';
import { readJsonCompletion } from './json-completion.ts';
import { OpenAIChunkDecoder } from './sse-decoder.ts';

const FOREIGN_KEYS = foreignExtrasKeys('openai-compatible');

/**
 * Any OpenAI-style upstream (OpenAI, DeepSeek, OpenRouter, vLLM, Ollama,
 * `sluice sim`, …) over one keep-alive undici pool. Every request is sent as
 * a stream with usage asked for; the gateway decides what the client sees.
 */
export class OpenAICompatibleProvider implements Provider {
  readonly id: string;
  readonly #client: UpstreamClient;
  readonly #path: string;
  readonly #headers: Record<string, string>;

  constructor(config: ProviderConfig, apiKey: string | undefined) {
    this.id = config.id;
    const base = new URL(config.baseURL ?? '');
    this.#path = `${base.pathname.replace(/\/$/, '')}/chat/completions`;
    this.#headers = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
      ...config.headers,
    };
    this.#client = new UpstreamClient(base.origin, config);
  }

  async open(request: ChatCompletionRequest, signal: AbortSignal, traceHeaders?: Readonly<Record<string, string>>): Promise<UpstreamStream> {
    const body = serialiseRequest(withoutInternalFields(request, FOREIGN_KEYS));
    const response = await this.#client.post(this.#path, withTrace(this.#headers, traceHeaders), body, signal, upstreamStatusError);
    // Some upstreams ignore `stream: true` and answer with one JSON completion.
    if (isJsonResponse(response.headers)) return readJsonCompletion(response.body, signal, response.idle);
    return new SseUpstream(response.body, signal, new OpenAIChunkDecoder(), response.idle);
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
