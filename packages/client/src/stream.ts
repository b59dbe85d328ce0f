/**
 * What `client.chat.stream()` returns: an async iterable of OpenAI chunks,
 * each exactly once and in order whatever happens to the connection, and
 * `final()` for the whole result. `abort()`, the caller's AbortSignal, or
 * `break` out of the loop cancel the stream upstream.
 */
import type { ChatCompletionChunk, ChatCompletionRequest } from '@sluice/protocol';
import { Channel } from './channel.ts';
import { StreamDriver, type DriverContext, type StreamResult } from './driver.ts';
import { AbortError } from './errors.ts';
import type { Priority } from './scheduler.ts';
import type { TraceContext } from './trace-context.ts';

export interface StreamOptions {
  signal?: AbortSignal;
  /** Scheduler lane (default 'normal'). */
  priority?: Priority;
  /** W3C trace context for this request, so the gateway's span joins the caller's trace. */
  trace?: TraceContext;
}

/** Chunks buffered for a reader before the read loop pauses (SSE) — a slow reader slows the network read. */
const HIGH_WATER_MARK = 64;

export class ChatStream implements AsyncIterable<ChatCompletionChunk> {
  readonly #controller = new AbortController();
  readonly #channel: Channel<ChatCompletionChunk>;
  readonly #driver: StreamDriver;
  readonly #result: Promise<StreamResult>;
  #reader: 'none' | 'loop' | 'final' = 'none';

  constructor(context: DriverContext, body: ChatCompletionRequest, options: StreamOptions = {}) {
    const { signal } = options;
    const onAbort = (): void => this.abort();
    if (signal) {
      if (signal.aborted) this.abort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    // Leaving the loop early (break, return, throw) is a cancel.
    this.#channel = new Channel(() => this.abort());
    const showUsage = body.stream_options?.include_usage === true;
    const request: ChatCompletionRequest = { ...body, stream: true, stream_options: { ...body.stream_options, include_usage: true } };
    this.#driver = new StreamDriver(context, request, {
      signal: this.#controller.signal,
      priority: options.priority,
      trace: options.trace,
      showUsage,
      deliver: async (chunk) => {
        if (this.#reader === 'final') return;
        this.#channel.push(chunk);
        await this.#channel.waitForRoom(HIGH_WATER_MARK);
      },
    });
    // An ended stream lets go of the caller's signal, which may outlive many streams.
    const release = (): void => signal?.removeEventListener('abort', onAbort);
    this.#result = this.#driver.run().then(
      (result) => {
        release();
        this.#channel.end();
        return result;
      },
      (error: unknown) => {
        release();
        this.#channel.fail(error);
        throw error;
      },
    );
    // The failure reaches the caller through the loop or final(); never as an unhandled rejection.
    this.#result.catch(() => {});
  }

  /** The gateway's id for this stream, once it has named it. */
  get streamId(): string | null {
    return this.#driver.cursor.streamId;
  }

  /** Times the stream was picked up again after a broken connection. */
  get resumes(): number {
    return this.#driver.cursor.resumes;
  }

  /** The text delivered so far. */
  get text(): string {
    return this.#driver.accumulator.text;
  }

  [Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk> {
    if (this.#reader === 'loop') throw new TypeError('a ChatStream can be iterated only once');
    if (this.#reader === 'final') throw new TypeError('final() is already reading this stream; iterate first, then call final()');
    this.#reader = 'loop';
    return this.#channel;
  }

  /** The whole result once the stream ends. Called before any iteration, it reads the stream itself. */
  final(): Promise<StreamResult> {
    if (this.#reader === 'none') {
      this.#reader = 'final';
      this.#channel.clear();
    }
    return this.#result;
  }

  /** Stop the stream and cancel it upstream; the loop and final() reject with AbortError. */
  abort(): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(new AbortError());
  }
}
