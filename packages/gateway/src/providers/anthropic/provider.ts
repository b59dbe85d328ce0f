import type { ChatCompletionRequest } from '@sluice/protocol';
import type { AnthropicProviderConfig } from '../../config/schema.ts';
import { SseUpstream } from '../http/sse-upstream.ts';
import { UpstreamClient } from '../http/upstream-client.ts';
import { withTrace } from '../http/trace-headers.ts';
import { serialiseRequest } from '../request-body.ts';
import type { Provider, UpstreamStream } from '../types.ts';
import { anthropicStatusError } from './error-mapper.ts';
import { toMessagesRequest } from './request-mapper.ts';
import { AnthropicStreamDecoder } from './stream-parser.ts';

const DEFAULT_BASE_URL = 'https://api.anthropic.com';

/**
 * Claude through Anthropic's Messages API (`POST /v1/messages`, streamed),
 * over one keep-alive undici pool, authenticated with `x-api-key`.
 */
export class AnthropicProvider implements Provider {
  readonly id: string;
  readonly #config: AnthropicProviderConfig;
  readonly #client: UpstreamClient;
  readonly #path: string;
  readonly #headers: Record<string, string>;

  constructor(config: AnthropicProviderConfig, apiKey: string | undefined) {
    this.id = config.id;
    this.#config = config;
    const base = new URL(config.baseURL ?? DEFAULT_BASE_URL);
    this.#path = `${base.pathname.replace(/\/$/, '')}/v1/messages`;
    this.#headers = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'anthropic-version': config.anthropicVersion,
      ...(apiKey === undefined ? {} : { 'x-api-key': apiKey }),
      ...config.headers,
    };
    this.#client = new UpstreamClient(base.origin, config);
  }

  async open(request: ChatCompletionRequest, signal: AbortSignal, traceHeaders?: Readonly<Record<string, string>>): Promise<UpstreamStream> {
    const body = toMessagesRequest(request, {
      defaultMaxTokens: this.#config.maxTokensByModel[request.model] ?? this.#config.defaultMaxTokens,
      thinkingBudgets: this.#config.thinkingBudgets,
    });
    const response = await this.#client.post(this.#path, withTrace(this.#headers, traceHeaders), serialiseRequest(body), signal, anthropicStatusError);
    return new SseUpstream(response.body, signal, new AnthropicStreamDecoder(), response.idle);
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
