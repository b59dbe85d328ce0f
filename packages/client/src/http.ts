/**
 * What the HTTP paths share: the base URL, the key, headers, turning an
 * error response into an error class, and cancelling a stream by id.
 */
import { Headers as SluiceHeaders, Paths, isWireError } from '@sluice/protocol';
import { abortReason } from './backoff.ts';
import { APIError, ConnectionError, errorFromWire } from './errors.ts';

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpContext {
  /** The API base, e.g. `http://127.0.0.1:8787/v1`, without a trailing slash. */
  baseURL: string;
  apiKey: string | undefined;
  fetch: FetchFunction;
  /** Extra headers sent with every request. */
  headers: Readonly<Record<string, string>>;
}

export function requestHeaders(context: HttpContext, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { ...context.headers, ...extra };
  if (context.apiKey) headers.authorization = `Bearer ${context.apiKey}`;
  return headers;
}

/** Headers for reading or cancelling one stream: the client's key if it has one, and the stream's own token. */
export function streamHeaders(context: HttpContext, token: string | null, extra: Record<string, string> = {}): Record<string, string> {
  const headers = requestHeaders(context, extra);
  if (token) headers[SluiceHeaders.streamToken] = token;
  return headers;
}

export function streamURL(context: HttpContext, streamId: string): string {
  return `${context.baseURL}${Paths.streams}/${encodeURIComponent(streamId)}`;
}

/** The error class for a non-2xx response, from its OpenAI-shaped body when it has one. */
export async function errorFromResponse(response: Response): Promise<APIError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The body broke off; the status alone still says what happened.
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const body = isWireError(parsed)
    ? parsed.error
    : { message: text.trim().slice(0, 500) || `HTTP ${response.status} ${response.statusText}`.trim(), type: 'api_error', param: null, code: null };
  return errorFromWire(response.status, body, response.headers);
}

/** A fetch failure as an SDK error: the abort reason when we aborted, a ConnectionError otherwise. */
export function fetchFailure(error: unknown, signal: AbortSignal, what: string): Error {
  if (signal.aborted) return abortReason(signal);
  const detail = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
  return new ConnectionError(`${what}: ${detail}`, error);
}

/** DELETE a stream so the server stops generating it. Best effort: a failure here changes nothing for the caller. */
export async function deleteStream(context: HttpContext, streamId: string, token: string | null): Promise<void> {
  try {
    const response = await context.fetch(streamURL(context, streamId), {
      method: 'DELETE',
      headers: streamHeaders(context, token),
      signal: AbortSignal.timeout(10_000),
    });
    await response.body?.cancel();
  } catch {
    // Unreachable now; the server's linger timer ends the stream anyway.
  }
}
