import type { ChatCompletionRequest } from '@sluice/protocol';
import { ErrorCodes } from '@sluice/protocol';
import { errors as undiciErrors } from 'undici';
import type { Dispatcher } from 'undici';
import { GatewayError, UpstreamTimeoutError, UpstreamUnavailableError } from '../../errors/index.ts';
import type { ProviderConfig } from '../../config/schema.ts';
import type { Provider, UpstreamStream } from '../types.ts';
import { upstreamStatusError } from '../upstream-error.ts';
import { RecyclingPool } from './recycling-pool.ts';
import { SseUpstream, readJsonCompletion } from './response-reader.ts';

/**
 * Any OpenAI-style upstream (OpenAI, DeepSeek, OpenRouter, vLLM, Ollama,
 * `sluice sim`, …) over one keep-alive undici pool. Every request is sent as
 * a stream with usage asked for; the gateway decides what the client sees.
 */
export class OpenAICompatibleProvider implements Provider {
  readonly id: string;
  readonly #pool: RecyclingPool;
  readonly #path: string;
  readonly #headers: Record<string, string>;
  readonly #headersTimeoutMs: number;

  constructor(config: ProviderConfig, apiKey: string | undefined) {
    this.id = config.id;
    const base = new URL(config.baseURL ?? '');
    this.#path = `${base.pathname.replace(/\/$/, '')}/chat/completions`;
    this.#headersTimeoutMs = config.headersTimeoutMs ?? 60_000;
    this.#headers = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
      ...config.headers,
    };
    this.#pool = new RecyclingPool(base.origin, {
      maxConnections: config.maxConnections,
      maxIdleConnections: config.maxIdleConnections ?? 32,
      checkEveryMs: config.idleCheckMs ?? 30_000,
    });
  }

  async open(request: ChatCompletionRequest, signal: AbortSignal): Promise<UpstreamStream> {
    let response: Dispatcher.ResponseData;
    try {
      response = await this.#pool.current.request({
        method: 'POST',
        path: this.#path,
        headers: this.#headers,
        body: JSON.stringify(request),
        signal,
        headersTimeout: this.#headersTimeoutMs,
        // A stalled upstream is caught by the gateway's own idle handling, not here.
        bodyTimeout: 0,
      });
    } catch (error) {
      throw toConnectError(error, signal);
    }
    const { statusCode, headers, body } = response;
    if (statusCode >= 400) {
      const text = await body.text().catch(() => '');
      throw upstreamStatusError(statusCode, headers, text);
    }
    const contentType = String(headers['content-type'] ?? '');
    // Some upstreams ignore `stream: true` and answer with one JSON completion.
    if (contentType.includes('application/json')) return readJsonCompletion(body, signal);
    return new SseUpstream(body, signal);
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

function toConnectError(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof GatewayError) return error;
  if (error instanceof undiciErrors.HeadersTimeoutError) return new UpstreamTimeoutError('The upstream did not answer in time.');
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  return new UpstreamUnavailableError(`The upstream is unreachable${code ? ` (${code})` : ''}: ${message}`, ErrorCodes.upstreamUnavailable, { cause: error });
}
