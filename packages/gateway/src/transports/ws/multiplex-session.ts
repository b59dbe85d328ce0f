import type { WsRequestMessage, WsResumeMessage } from '@sluice/protocol';
import type { RawData } from 'ws';
import type { Caller } from '../../auth/key-ring.ts';
import { CancelledError, InternalError, toGatewayError, type GatewayError } from '../../errors/index.ts';
import type { GatewayContext } from '../../request/context.ts';
import { createChatGeneration } from '../../request/start-chat.ts';
import type { Generation } from '../../streams/generation.ts';
import { apiOf, checkCursor, findStream, follow, isFullyRead, type FoundStream } from '../../request/resume.ts';
import { DuplicateIdError, InvalidMessageError, TooManyStreamsError, UnsupportedFrameError, UnsupportedStreamApiError } from './errors.ts';
import { acceptedFrame, errorFrame, PONG_FRAME } from './frames.ts';
import { parseClientMessage } from './messages.ts';
import { MultiplexStream } from './multiplex-stream.ts';
import type { SocketChannel } from './socket-channel.ts';
import { requestTraceHeaders, type TraceHeaders } from './trace-context.ts';

/**
 * A `sluice.v1` socket: many requests, each under the client's id, their
 * frames interleaved on one connection. Every request is answered
 * `accepted`, then `chunk`s, then exactly one `done` or `error`; a message
 * that cannot be served is answered with an `error` and the socket stays open.
 */
export class MultiplexSession {
  readonly #ctx: GatewayContext;
  readonly #channel: SocketChannel;
  readonly #caller: Caller;
  /** The upgrade's W3C trace context, for requests that bring none of their own; undefined with tracing off. */
  readonly #trace: TraceHeaders | undefined;
  /** Made at the first request: an idle socket holds no map. */
  #streams: Map<string, MultiplexStream> | undefined;
  #closed = false;
  readonly #forget = (stream: MultiplexStream) => {
    if (this.#streams?.get(stream.id) === stream) this.#streams.delete(stream.id);
  };

  constructor(ctx: GatewayContext, channel: SocketChannel, caller: Caller, trace?: TraceHeaders) {
    this.#ctx = ctx;
    this.#channel = channel;
    this.#caller = caller;
    this.#trace = trace;
  }

  onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) return this.#refuse(null, new UnsupportedFrameError());
    let message;
    try {
      message = parseClientMessage(data.toString());
    } catch (error) {
      return this.#refuse(error instanceof InvalidMessageError ? error.id : null, toGatewayError(error, 0));
    }
    switch (message.type) {
      case 'ping':
        return this.#channel.send(PONG_FRAME);
      case 'request':
        return void this.#request(message).catch((error: unknown) => {
          this.#ctx.logger.error({ err: error }, 'WebSocket request failed');
          this.#refuse(message.id, new InternalError('Starting the stream failed.', error));
        });
      case 'resume':
        return void this.#resume(message).catch((error: unknown) => {
          this.#ctx.logger.error({ err: error }, 'WebSocket resume failed');
          this.#refuse(message.id, new InternalError('Resuming the stream failed.', error));
        });
      case 'cancel':
        // Cancelling an id that is not live is a no-op: the request already
        // ended, and its done or error is the answer the client will see.
        return this.#streams?.get(message.id)?.cancel();
    }
  }

  /** The socket closed: its streams stop reading, so non-resumable ones stop their upstream. */
  onClose(): void {
    this.#closed = true;
    const streams = this.#streams;
    this.#streams = undefined;
    for (const stream of streams?.values() ?? []) stream.leave();
  }

  async #request(message: WsRequestMessage): Promise<void> {
    const stream = this.#admit(message.id);
    if (stream === undefined) return;
    // Until the stream exists, a cancel or the socket closing stops a wait in the key's queue.
    const waiting = new AbortController();
    stream.bind({ stop: () => waiting.abort(), cancel: () => waiting.abort() });
    const headers = this.#ctx.telemetry === null ? undefined : requestTraceHeaders(this.#trace, message.traceparent, message.tracestate);
    let generation: Generation;
    try {
      generation = await createChatGeneration(this.#ctx, this.#caller, message.body, { resumable: message.resumable ?? true, signal: waiting.signal, transport: 'ws', headers });
    } catch (error) {
      this.#forget(stream);
      if (!this.#closed) this.#refuse(message.id, toGatewayError(error, this.#ctx.config.server.bodyLimitBytes));
      return;
    }
    if (this.#closed || stream.ended) {
      // Nobody was told its id: nobody can read or resume it.
      generation.start();
      return generation.cancel(new CancelledError('The socket closed before the stream started.'));
    }
    this.#channel.send(acceptedFrame(stream.idJson, generation.id, generation.options.resumable ? this.#ctx.tokens.issue(generation.id) : undefined));
    const subscription = generation.attach(stream, 0);
    stream.bind({ stop: () => generation.detach(subscription), cancel: () => generation.cancel(new CancelledError()) });
    generation.start();
    if (waiting.signal.aborted) generation.cancel(new CancelledError());
  }

  /**
   * Read a stream again from `after + 1`, replayed and then live, on this
   * replica or from the store. A finished stream the client has read to the
   * end (or past it) answers its end again, so a client that missed only
   * the end learns how it ended.
   */
  async #resume(message: WsResumeMessage): Promise<void> {
    const stream = this.#admit(message.id);
    if (stream === undefined) return;
    let found: FoundStream;
    try {
      found = await findStream(this.#ctx, this.#caller, message.streamId, message.token);
    } catch (error) {
      this.#forget(stream);
      if (!this.#closed) this.#refuse(message.id, toGatewayError(error, 0));
      return;
    }
    if (this.#closed || stream.ended) return;
    const api = apiOf(found);
    if (api !== 'chat') {
      this.#forget(stream);
      return this.#refuse(message.id, new UnsupportedStreamApiError(message.streamId, api));
    }
    let after = message.after;
    if (isFullyRead(found, after)) {
      after = (found.kind === 'live' ? found.generation.log.lastSeq : found.meta.lastSeq) - 1;
    } else {
      try {
        checkCursor(found, after);
      } catch (error) {
        this.#forget(stream);
        return this.#refuse(message.id, toGatewayError(error, 0));
      }
    }
    const streamId = found.kind === 'live' ? found.generation.id : found.meta.id;
    this.#channel.send(acceptedFrame(stream.idJson, streamId, this.#ctx.tokens.issue(streamId)));
    const stop = follow(this.#ctx, found, stream, after);
    stream.bind({ stop, cancel: () => this.#cancelFound(found) });
  }

  #cancelFound(found: FoundStream): void {
    if (found.kind === 'live') found.generation.cancel(new CancelledError());
    else if (found.meta.status === 'running') void this.#ctx.store.requestCancel(found.meta.id).catch((error: unknown) => this.#ctx.logger.error({ err: error }, 'cancel request failed'));
  }

  /** Register a new request under its id, or refuse it (duplicate id, too many streams). */
  #admit(id: string): MultiplexStream | undefined {
    const limit = this.#ctx.config.ws.maxStreamsPerSocket;
    const streams = (this.#streams ??= new Map());
    if (streams.has(id)) this.#refuse(id, new DuplicateIdError(id));
    else if (streams.size >= limit) this.#refuse(id, new TooManyStreamsError(limit));
    else {
      const stream = new MultiplexStream(id, this.#channel, this.#forget);
      streams.set(id, stream);
      return stream;
    }
    return undefined;
  }

  #refuse(id: string | null, error: GatewayError): void {
    this.#channel.send(errorFrame(id === null ? 'null' : JSON.stringify(id), error.toWire()));
  }
}
