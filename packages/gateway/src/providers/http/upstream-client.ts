import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCodes } from '@sluice/protocol';
import { errors as undiciErrors, type Dispatcher } from 'undici';
import { GatewayError, UpstreamTimeoutError, UpstreamUnavailableError } from '../../errors/index.ts';
import { H2ClientSet } from './h2-client-set.ts';
import { RecyclingPool } from './recycling-pool.ts';

/** Streams per HTTP/2 connection (undici's default); a provider's streams open more connections past it. */
const H2_STREAMS_PER_CONNECTION = 100;
import type { ResponseBody } from './sse-upstream.ts';
import { DEFAULT_IDLE_TIMEOUT_MS } from '../types.ts';
import type { IdleLimit } from '../upstream-error.ts';

export interface UpstreamClientOptions {
  /** The provider's id: errors name it, never the upstream's address. */
  id: string;
  /** Upper bound on open connections; unlimited when absent (every open stream holds one). */
  maxConnections?: number;
  maxIdleConnections?: number;
  idleCheckMs?: number;
  /** How long to wait for the response headers. */
  headersTimeoutMs?: number;
  /** Silence allowed between body bytes (default 60 s). */
  idleTimeoutMs?: number;
  /** Multiplex streams over HTTP/2 (ALPN on https, h2c on http). */
  http2?: boolean;
  /** A PEM file of extra certificate authorities for this upstream. */
  caFile?: string;
}

/** Turns an upstream's error response (status, headers, body text) into the error the client gets. */
export type StatusErrorMapper = (status: number, headers: IncomingHttpHeaders, bodyText: string) => GatewayError;

/** A response the upstream accepted (status below 400). */
export interface AcceptedResponse {
  headers: IncomingHttpHeaders;
  body: ResponseBody;
  /** How long its body may go silent, for the error that says so. */
  idle: IdleLimit;
}

/**
 * The HTTP side every network provider shares: one keep-alive undici pool
 * per upstream origin, a POST with the generation's abort signal, and the
 * same errors for an upstream that cannot be reached or does not answer.
 * Each provider brings its own mapping of error responses.
 */
export class UpstreamClient {
  readonly #pool: RecyclingPool | H2ClientSet;
  readonly #headersTimeoutMs: number;
  readonly #providerId: string;
  readonly #idle: IdleLimit;
  readonly #http2: boolean;

  constructor(origin: string, options: UpstreamClientOptions) {
    this.#providerId = options.id;
    this.#http2 = options.http2 === true;
    this.#idle = { providerId: options.id, idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS };
    this.#headersTimeoutMs = options.headersTimeoutMs ?? 60_000;
    const ca = options.caFile === undefined ? undefined : readCa(options.id, options.caFile);
    this.#pool = this.#http2
      ? new H2ClientSet(origin, { streamsPerConnection: H2_STREAMS_PER_CONNECTION, ca })
      : new RecyclingPool(origin, { maxConnections: options.maxConnections, ca, maxIdleConnections: options.maxIdleConnections ?? 32, checkEveryMs: options.idleCheckMs ?? 30_000 });
  }

  /** POST `body`; resolves once the upstream accepted it, rejects with a GatewayError (or the abort reason) otherwise. */
  async post(path: string, headers: Record<string, string>, body: string, signal: AbortSignal, errorFor: StatusErrorMapper): Promise<AcceptedResponse> {
    let response: Dispatcher.ResponseData;
    try {
      response = await this.#pool.request({
        method: 'POST',
        path,
        headers,
        body,
        signal,
        headersTimeout: this.#headersTimeoutMs,
        // Silence between body bytes; undici does not count the time the body is paused for backpressure.
        bodyTimeout: this.#idle.idleTimeoutMs,
        // undici's h2 client takes no second stream while a non-idempotent one runs (it could not replay it
        // after a GOAWAY), so POSTs would each open a connection: said idempotent, they share one. Nothing is
        // replayed after the upstream has seen it; retries are the gateway's own policy.
        ...(this.#http2 ? { idempotent: true } : {}),
      });
    } catch (error) {
      throw toConnectError(this.#providerId, error, signal);
    }
    if (response.statusCode >= 400) {
      const text = await response.body.text().catch(() => '');
      throw errorFor(response.statusCode, response.headers, text);
    }
    return { headers: response.headers, body: response.body, idle: this.#idle };
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

function readCa(providerId: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`providers "${providerId}": caFile ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** Whether a response carries one JSON document rather than an event stream. */
export function isJsonResponse(headers: IncomingHttpHeaders): boolean {
  return String(headers['content-type'] ?? '').includes('application/json');
}

/**
 * A failure to reach the upstream, for the client. Its message names the
 * provider, never the address (which stays in the log, through the cause).
 */
function toConnectError(providerId: string, error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof GatewayError) return error;
  if (error instanceof undiciErrors.HeadersTimeoutError) return new UpstreamTimeoutError(`The upstream "${providerId}" did not answer in time.`);
  const code = (error as { code?: string }).code;
  return new UpstreamUnavailableError(`The upstream "${providerId}" is unreachable${code ? ` (${code})` : ''}.`, ErrorCodes.upstreamUnavailable, { cause: error });
}
