/**
 * `SluiceClient`: one object per application (or per user) holding the
 * transport, the shared WebSocket, the scheduler, the budget and the stats.
 */
import { Paths, type ChatCompletion, type ChatCompletionRequest, type ModelPrice } from '@sluice/protocol';
import { BudgetGuard } from './budget.ts';
import { PriceTable } from './cost.ts';
import { createCompletion, type CreateOptions } from './create.ts';
import type { DriverContext } from './driver.ts';
import type { FetchFunction, HttpContext } from './http.ts';
import { DEFAULT_RECONNECT, type ReconnectOptions } from './resume.ts';
import { RetryPolicy, type RetryOptions } from './retry.ts';
import { Scheduler, type SchedulerOptions } from './scheduler.ts';
import { StatsRecorder, type ClientStats } from './stats.ts';
import { ChatStream, type StreamOptions } from './stream.ts';
import { DEFAULT_TIMEOUTS, type Timeouts } from './timeouts.ts';
import { AutoTransport } from './transport/auto.ts';
import { SseTransport } from './transport/sse.ts';
import type { Transport, TransportName } from './transport/types.ts';
import { WsConnection, type WebSocketConstructor } from './transport/ws-connection.ts';
import { WsTransport } from './transport/ws.ts';

export interface SluiceClientOptions {
  /** The API base, e.g. `http://127.0.0.1:8787/v1`. */
  baseURL: string;
  apiKey?: string;
  /** 'auto' (default): WebSocket, falling back to SSE for good if the upgrade fails. */
  transport?: 'auto' | TransportName;
  /** A WebSocket class where there is no global one (Node 20: the `ws` package). */
  WebSocket?: WebSocketConstructor;
  fetch?: FetchFunction;
  /** Extra headers for every HTTP request. */
  headers?: Record<string, string>;
  /** Retries of a request before its first chunk (default 2). */
  maxRetries?: number;
  retry?: Omit<RetryOptions, 'maxRetries'>;
  /** Reconnecting a broken stream to resume it. */
  reconnect?: Partial<ReconnectOptions>;
  timeouts?: Partial<Timeouts>;
  /** WebSocket ping period (default 15 s); a socket silent for two periods is replaced. */
  heartbeatMs?: number;
  /** Concurrency, rpm, tpm, lanes and queue limit. */
  limits?: Omit<SchedulerOptions, 'now'>;
  /** US dollars per million tokens, over the defaults (the seed's four models). */
  prices?: Record<string, ModelPrice>;
  /** A spend limit in US dollars, or a guard shared between clients. */
  budget?: number | BudgetGuard;
}

export class SluiceClient {
  readonly chat: {
    stream(body: ChatCompletionRequest, options?: StreamOptions): ChatStream;
    create(body: ChatCompletionRequest, options?: CreateOptions): Promise<ChatCompletion>;
  };
  readonly budget: BudgetGuard | null;
  readonly #context: DriverContext;
  readonly #http: HttpContext;

  constructor(options: SluiceClientOptions) {
    const baseURL = validBaseURL(options.baseURL);
    const fetchFunction = options.fetch ?? globalThis.fetch?.bind(globalThis);
    if (!fetchFunction) throw new TypeError('no fetch available: pass options.fetch');
    this.#http = { baseURL, apiKey: options.apiKey, fetch: fetchFunction, headers: options.headers ?? {} };
    this.budget = options.budget instanceof BudgetGuard ? options.budget : options.budget === undefined ? null : new BudgetGuard(options.budget);
    const timeouts: Timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#context = {
      transport: this.#transport(options, timeouts),
      scheduler: new Scheduler(options.limits),
      retry: new RetryPolicy({ ...options.retry, maxRetries: options.maxRetries }),
      reconnect: { ...DEFAULT_RECONNECT, ...options.reconnect },
      timeouts,
      prices: new PriceTable(options.prices),
      budget: this.budget,
      stats: new StatsRecorder(),
    };
    this.chat = {
      stream: (body, streamOptions) => new ChatStream(this.#context, checkedBody(body), streamOptions),
      create: (body, createOptions) => createCompletion(this.#context, this.#http, checkedBody(body), createOptions),
    };
  }

  /** The transport streams use now ('auto' reports 'ws' until a failed upgrade switches it to 'sse'). */
  get transport(): TransportName {
    return this.#context.transport.name;
  }

  stats(): ClientStats {
    const { stats, scheduler } = this.#context;
    return stats.snapshot(scheduler.active, scheduler.queued);
  }

  /** Closes the shared WebSocket; streams still on it fail. */
  close(): void {
    this.#context.transport.close();
  }

  #transport(options: SluiceClientOptions, timeouts: Timeouts): Transport {
    const choice = options.transport ?? 'auto';
    const sse = new SseTransport(this.#http);
    if (choice === 'sse') return sse;
    if (choice !== 'ws' && choice !== 'auto') throw new TypeError(`transport must be 'auto', 'sse' or 'ws', got ${String(choice)}`);
    const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketClass) {
      if (choice === 'auto') return sse;
      throw new TypeError('no global WebSocket here (Node 20): pass options.WebSocket, e.g. the `ws` package');
    }
    const connection = new WsConnection({
      url: `${this.#http.baseURL.replace(/^http/, 'ws')}${Paths.chatStream}`,
      apiKey: options.apiKey,
      WebSocket: WebSocketClass,
      connectTimeoutMs: timeouts.connectMs,
      heartbeatMs: options.heartbeatMs ?? 15_000,
    });
    const ws = new WsTransport(connection, this.#http);
    return choice === 'ws' ? ws : new AutoTransport(ws, sse, () => connection.ready());
  }
}

function validBaseURL(baseURL: string): string {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new TypeError(`baseURL must be an absolute http(s) URL, got ${JSON.stringify(baseURL)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`baseURL must be http or https, got ${url.protocol}`);
  return baseURL.replace(/\/+$/, '');
}

/** Catch the mistakes a server would answer with a 400 anyway, before spending a request on them. */
function checkedBody(body: ChatCompletionRequest): ChatCompletionRequest {
  if (typeof body !== 'object' || body === null) throw new TypeError('the request body must be an object');
  if (typeof body.model !== 'string' || body.model === '') throw new TypeError('the request body needs a model');
  if (!Array.isArray(body.messages)) throw new TypeError('the request body needs messages (an array)');
  return body;
}
