/**
 * Server-Sent Events over `fetch`: POST the chat body (asking sluice to keep
 * the stream resumable), or GET `/streams/{id}` with `Last-Event-ID` to pick
 * it up again. Works against any OpenAI-compatible server; only sluice names
 * its streams, so only sluice streams can be resumed.
 */
import { Headers as SluiceHeaders, Paths, SSE_DONE, SseDecoder, isWireError, type ChatCompletionChunk, type SseMessage } from '@sluice/protocol';
import { APIError, ConnectionError, errorFromWire, statusForCode } from '../errors.ts';
import { deleteStream, errorFromResponse, fetchFailure, requestHeaders, streamHeaders, streamURL, type HttpContext } from '../http.ts';
import type { ResumeParams, StartParams, StreamAttempt, Transport, TransportEvent } from './types.ts';
import { traceHeaders } from '../trace-context.ts';

export class SseTransport implements Transport {
  readonly name = 'sse';
  readonly #http: HttpContext;

  constructor(http: HttpContext) {
    this.#http = http;
  }

  start({ body, signal, trace }: StartParams): StreamAttempt {
    const init: RequestInit = {
      method: 'POST',
      headers: requestHeaders(this.#http, {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        [SluiceHeaders.resumable]: '1',
        ...traceHeaders(trace),
      }),
      body: JSON.stringify(body),
      signal,
    };
    return this.#attempt(`${this.#http.baseURL}${Paths.chatCompletions}`, init, signal, null);
  }

  resume({ streamId, token, after, signal }: ResumeParams): StreamAttempt {
    const init: RequestInit = {
      method: 'GET',
      headers: streamHeaders(this.#http, token, { accept: 'text/event-stream', [SluiceHeaders.lastEventId]: String(after) }),
      signal,
    };
    return this.#attempt(`${streamURL(this.#http, streamId)}?after=${after}`, init, signal, { streamId, token });
  }

  cancelStream(streamId: string, token: string | null): Promise<void> {
    return deleteStream(this.#http, streamId, token);
  }

  close(): void {}

  #attempt(url: string, init: RequestInit, signal: AbortSignal, known: { streamId: string; token: string | null } | null): StreamAttempt {
    const http = this.#http;
    let named = known;
    return {
      async *[Symbol.asyncIterator]() {
        let response: Response;
        try {
          response = await http.fetch(url, init);
        } catch (error) {
          throw fetchFailure(error, signal, `could not reach ${url}`);
        }
        if (!response.ok) throw await errorFromResponse(response);
        const streamId = response.headers.get(SluiceHeaders.streamId) ?? named?.streamId ?? null;
        const token = response.headers.get(SluiceHeaders.streamToken) ?? named?.token ?? null;
        if (streamId !== null) named = { streamId, token };
        yield { type: 'open', streamId, token, headers: response.headers };
        // 204: the stream had already ended and we hold everything up to its end.
        if (response.status === 204 || !response.body) {
          yield { type: 'done', seq: null, usage: null, cost: null };
          return;
        }
        const contentType = response.headers.get('content-type') ?? '';
        if (!contentType.includes('text/event-stream')) {
          await response.body.cancel();
          throw new APIError(`expected an event stream, got ${contentType || 'no content type'}`, { status: 502, code: 'unexpected_content_type', retryable: false });
        }
        yield* readEvents(response.body, signal);
      },
      cancel: async () => {
        if (named) await deleteStream(http, named.streamId, named.token);
      },
    };
  }
}

/** Decode the body into events until the stream's terminal; a body that ends before it is a broken connection. */
async function* readEvents(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<TransportEvent> {
  const pending: TransportEvent[] = [];
  let previousId = '';
  const decoder = new SseDecoder({
    onEvent: (message) => {
      // The SSE spec carries the last id over events that name none; a terminal without an id of its own is unnumbered.
      const fresh = message.id !== previousId;
      previousId = message.id;
      pending.push(toEvent(message, fresh));
    },
    onComment: () => pending.push({ type: 'alive' }),
  });
  const reader = body.getReader();
  const text = new TextDecoder();
  try {
    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (error) {
        throw fetchFailure(error, signal, 'the event stream broke');
      }
      if (read.done) break;
      decoder.push(text.decode(read.value, { stream: true }));
      while (pending.length > 0) {
        const event = pending.shift()!;
        yield event;
        if (event.type === 'done' || event.type === 'error') return;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  throw new ConnectionError('the event stream ended before its last event');
}

function toEvent(message: SseMessage, freshId: boolean): TransportEvent {
  const numbered = /^\d+$/.test(message.id) ? Number(message.id) : null;
  const terminal = message.event === 'error' || message.data === SSE_DONE;
  const seq = terminal && !freshId ? null : numbered;
  if (message.event === 'error') {
    const parsed = parseJson(message.data);
    const body = isWireError(parsed) ? parsed.error : { message: message.data, type: 'api_error', param: null, code: null };
    return { type: 'error', seq, error: errorFromWire(statusForCode(body.code), body) };
  }
  if (message.data === SSE_DONE) return { type: 'done', seq, usage: null, cost: null };
  const chunk = parseJson(message.data);
  if (isWireError(chunk)) return { type: 'error', seq, error: errorFromWire(statusForCode(chunk.error.code), chunk.error) };
  if (!isChunk(chunk)) {
    const error = new APIError(`the server sent an event that is not a chat chunk: ${message.data.slice(0, 200)}`, {
      status: 502,
      code: 'malformed_event',
      retryable: false,
    });
    return { type: 'error', seq, error };
  }
  return { type: 'chunk', seq, chunk };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isChunk(value: unknown): value is ChatCompletionChunk {
  return typeof value === 'object' && value !== null && Array.isArray((value as { choices?: unknown }).choices);
}
