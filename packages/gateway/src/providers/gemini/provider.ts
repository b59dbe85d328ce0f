import type { ChatCompletionRequest } from '@sluice/protocol';
import { UpstreamProtocolError } from '../../errors/index.ts';
import type { GeminiProviderConfig } from '../../config/schema.ts';
import type { StreamEvent } from '../../events/stream-event.ts';
import { SseUpstream, type ResponseBody } from '../http/sse-upstream.ts';
import { isJsonResponse, UpstreamClient } from '../http/upstream-client.ts';
import { withTrace } from '../http/trace-headers.ts';
import { serialiseRequest } from '../request-body.ts';
import { replayEvents } from '../iterable-stream.ts';
import type { Provider, UpstreamStream } from '../types.ts';
import { geminiStatusError } from './error-mapper.ts';
import { toGenerateContentRequest } from './request-mapper.ts';
import { GeminiChunkDecoder } from './stream-parser.ts';
import type { GenerateContentResponse } from './wire-types.ts';

const DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';

/**
 * Gemini through the Gemini API's `streamGenerateContent?alt=sse`, over one
 * keep-alive undici pool, authenticated with `x-goog-api-key`. Every request
 * streams (the gateway bills, cancels and resumes streams); an answer that
 * comes as one JSON document, as generateContent's does, is read as well.
 */
export class GeminiProvider implements Provider {
  readonly id: string;
  readonly #config: GeminiProviderConfig;
  readonly #client: UpstreamClient;
  readonly #prefix: string;
  readonly #headers: Record<string, string>;

  constructor(config: GeminiProviderConfig, apiKey: string | undefined) {
    this.id = config.id;
    this.#config = config;
    const base = new URL(config.baseURL ?? DEFAULT_BASE_URL);
    this.#prefix = `${base.pathname.replace(/\/$/, '')}/${config.apiVersion}/models/`;
    this.#headers = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(apiKey === undefined ? {} : { 'x-goog-api-key': apiKey }),
      ...config.headers,
    };
    this.#client = new UpstreamClient(base.origin, config);
  }

  async open(request: ChatCompletionRequest, signal: AbortSignal, traceHeaders?: Readonly<Record<string, string>>): Promise<UpstreamStream> {
    const body = toGenerateContentRequest(request, { thinkingBudgets: this.#config.thinkingBudgets });
    const model = encodeURIComponent(request.model.replace(/^models\//, ''));
    const path = `${this.#prefix}${model}:streamGenerateContent?alt=sse`;
    const response = await this.#client.post(path, withTrace(this.#headers, traceHeaders), serialiseRequest(body), signal, geminiStatusError);
    if (isJsonResponse(response.headers)) return readJsonAnswer(response.body, signal);
    return new SseUpstream(response.body, signal, new GeminiChunkDecoder(), response.idle);
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/** One generateContent answer, or the JSON list streamGenerateContent sends without `alt=sse`, as a stream. */
async function readJsonAnswer(body: ResponseBody, signal: AbortSignal): Promise<UpstreamStream> {
  let answer: GenerateContentResponse | GenerateContentResponse[];
  try {
    answer = (await body.json()) as GenerateContentResponse | GenerateContentResponse[];
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new UpstreamProtocolError('Gemini answered JSON that does not parse.', { cause: error });
  }
  const decoder = new GeminiChunkDecoder();
  const events: StreamEvent[] = [];
  for (const chunk of Array.isArray(answer) ? answer : [answer]) decoder.decodeChunk(chunk, events);
  if (!decoder.endOfBody() && !events.some((event) => event.type === 'error')) throw new UpstreamProtocolError('Gemini answered without finishing.');
  return replayEvents(events, signal);
}
