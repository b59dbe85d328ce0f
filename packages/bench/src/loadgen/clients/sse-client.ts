/**
 * SSE over HTTP/1.1 (one keep-alive connection per concurrent stream) or
 * h2c (prior-knowledge HTTP/2, up to 100 streams per connection), both with
 * undici.
 */
import { Agent, H2CClient, Pool, request, type Dispatcher } from 'undici';
import type { TargetEndpoint } from '../../targets/target.ts';
import type { StreamRecorder } from '../recorder.ts';
import { chatBody } from './chat-body.ts';
import { SseFeed } from './sse-feed.ts';
import { cancelReason, describe, type StreamClient } from './stream-client.ts';

const H2_STREAMS_PER_CONNECTION = 100;
/** undici reads `useH2c` from the connector options; its type definitions do not list it yet. */
const H2C_CONNECT = { useH2c: true, timeout: 30_000 };

export class SseClient implements StreamClient {
  readonly #target: TargetEndpoint;
  readonly #dispatcher: Dispatcher;
  readonly #url: URL;

  constructor(target: TargetEndpoint, maxConcurrency: number) {
    this.#target = target;
    this.#url = new URL('/v1/chat/completions', target.url);
    this.#dispatcher =
      target.transport === 'sse-h2c'
        ? new Pool(target.url, {
            connections: Math.max(1, Math.ceil(maxConcurrency / H2_STREAMS_PER_CONNECTION)),
            // The pool builds the connector its clients use, so prior-knowledge
            // h2c must be asked for here too, not only in the client.
            allowH2: true,
            connect: H2C_CONNECT,
            factory: (origin, options) => new H2CClient(origin, { ...options, maxConcurrentStreams: H2_STREAMS_PER_CONNECTION, pipelining: H2_STREAMS_PER_CONNECTION }),
          })
        : new Agent({ connections: null, pipelining: 1, keepAliveTimeout: 30_000, connect: { timeout: 30_000 } });
  }

  async run(recorder: StreamRecorder, cancel?: AbortSignal): Promise<void> {
    recorder.markSent();
    try {
      const answer = await request(this.#url, {
        method: 'POST',
        dispatcher: this.#dispatcher,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...this.#target.headers },
        body: JSON.stringify(chatBody(this.#target.model, recorder.spec)),
        signal: cancel,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      if (answer.statusCode !== 200) {
        const text = await answer.body.text();
        return recorder.fail(`HTTP ${answer.statusCode}: ${text.slice(0, 300)}`);
      }
      const feed = new SseFeed(recorder);
      for await (const bytes of answer.body) feed.push(bytes as Buffer);
      if (!recorder.settled) recorder.fail('the response ended without [DONE]');
    } catch (error) {
      recorder.fail(cancel?.aborted ? cancelReason(cancel) : describe(error));
    }
  }

  async close(): Promise<void> {
    await this.#dispatcher.destroy();
  }
}
