/**
 * SSE over HTTP/1.1 (one keep-alive connection per concurrent stream) or
 * h2c (prior-knowledge HTTP/2, up to 100 streams per connection), both with
 * undici.
 */
import { Headers } from '@sluice/protocol';
import { Agent, request, type Dispatcher } from 'undici';
import type { TargetEndpoint } from '../../targets/target.ts';
import type { StreamRecorder } from '../recorder.ts';
import { chatBody } from './chat-body.ts';
import { H2cPool } from './h2c-pool.ts';
import { SseFeed } from './sse-feed.ts';
import { cancelReason, describe, type StreamClient } from './stream-client.ts';

export type IncomingHeaders = Record<string, string | string[] | undefined>;

export interface SseCall {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** A resume's 204 No Content: the client already holds the whole stream, the end included. */
  noContentIsEnd?: boolean;
  /** Called with the headers of a 200 answer, before its body is read. */
  onHeaders?: (headers: IncomingHeaders) => void;
}

const H2_STREAMS_PER_CONNECTION = 100;

export class SseClient implements StreamClient {
  readonly #target: TargetEndpoint;
  readonly #agent: Agent | null;
  readonly #h2c: H2cPool | null;

  constructor(target: TargetEndpoint) {
    this.#target = target;
    const h2c = target.transport === 'sse-h2c';
    this.#h2c = h2c ? new H2cPool(target.url, H2_STREAMS_PER_CONNECTION) : null;
    this.#agent = h2c ? null : new Agent({ connections: null, pipelining: 1, keepAliveTimeout: 30_000, connect: { timeout: 30_000 } });
  }

  /** The model name the target maps to the bench upstream. */
  get model(): string {
    return this.#target.model;
  }

  async run(recorder: StreamRecorder, cancel?: AbortSignal): Promise<void> {
    const call: SseCall = { method: 'POST', path: '/v1/chat/completions', body: JSON.stringify(chatBody(this.#target.model, recorder.spec)) };
    if (cancel === undefined || this.#target.cancelBy !== 'delete') {
      await this.exchange(call, recorder, cancel);
      return;
    }
    // A resumable stream outlives its connection by design: the client
    // cancels it with DELETE (at the second replica, when there is one) and
    // drops the connection at once.
    const connection = new AbortController();
    let stream: { id: string; token: string | undefined } | null = null;
    call.onHeaders = (headers) => {
      const id = single(headers[Headers.streamId]);
      if (id !== undefined) stream = { id, token: single(headers[Headers.streamToken]) };
    };
    const onCancel = (): void => {
      if (stream !== null) void this.#deleteStream(stream);
      connection.abort(cancel.reason);
    };
    cancel.addEventListener('abort', onCancel, { once: true });
    try {
      await this.exchange(call, recorder, connection.signal);
    } finally {
      cancel.removeEventListener('abort', onCancel);
    }
  }

  async #deleteStream(stream: { id: string; token: string | undefined }): Promise<void> {
    const url = new URL(`/v1/streams/${encodeURIComponent(stream.id)}`, this.#target.replicaUrl ?? this.#target.url);
    try {
      const answer = await request(url, { method: 'DELETE', headers: stream.token ? { [Headers.streamToken]: stream.token } : {} });
      await answer.body.dump();
    } catch {
      // The cancel phase sees a lost DELETE as an upstream that was never told.
    }
  }

  /**
   * Any request whose answer is an event stream (the chat POST, a resume
   * GET), read into `recorder`. Resolves with the response headers, or null
   * when there was no 200 answer.
   */
  async exchange(call: SseCall, recorder: StreamRecorder, cancel?: AbortSignal): Promise<IncomingHeaders | null> {
    const connection = this.#h2c?.take() ?? { dispatcher: this.#agent!, release: () => {} };
    recorder.markSent();
    try {
      const answer = await request(new URL(call.path, this.#target.url), {
        method: call.method,
        dispatcher: connection.dispatcher,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...this.#target.headers, ...call.headers },
        body: call.body,
        signal: cancel,
        // undici sends a non-idempotent request (a POST) on an HTTP/2
        // connection only once the others on it have finished; streams are
        // what h2 multiplexes, so say this one may share the connection.
        idempotent: true,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      if (answer.statusCode === 204 && call.noContentIsEnd) {
        await answer.body.dump();
        recorder.complete();
        return answer.headers;
      }
      if (answer.statusCode !== 200) {
        const text = await answer.body.text();
        recorder.fail(`HTTP ${answer.statusCode}: ${text.slice(0, 300)}`);
        return null;
      }
      call.onHeaders?.(answer.headers);
      const feed = new SseFeed(recorder);
      for await (const bytes of answer.body) feed.push(bytes as Buffer);
      if (!recorder.settled) recorder.fail('the response ended without [DONE]');
      return answer.headers;
    } catch (error) {
      recorder.fail(cancel?.aborted ? cancelReason(cancel) : describe(error));
      return null;
    } finally {
      connection.release();
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.#agent?.destroy(), this.#h2c?.destroy()]);
  }
}

export function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
