import type { WsRequestMessage, WsResumeMessage } from '@sluice/protocol';
import type { RawData } from 'ws';
import type { Caller } from '../../auth/key-ring.ts';
import { CancelledError, InvalidRequestError, toGatewayError, type GatewayError } from '../../errors/index.ts';
import type { GatewayContext } from '../../server/context.ts';
import { createChatGeneration } from '../../server/start-chat.ts';
import { findReadableStream } from '../../streams/access.ts';
import type { Generation } from '../../streams/generation.ts';
import { DuplicateIdError, InvalidMessageError, TooManyStreamsError, UnsupportedFrameError } from './errors.ts';
import { acceptedFrame, errorFrame, PONG_FRAME, StreamFrames } from './frames.ts';
import { parseClientMessage } from './messages.ts';
import { MultiplexStream } from './multiplex-stream.ts';
import type { SocketChannel } from './socket-channel.ts';

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
  readonly #streams = new Map<string, MultiplexStream>();
  readonly #forget = (stream: MultiplexStream) => {
    if (this.#streams.get(stream.id) === stream) this.#streams.delete(stream.id);
  };

  constructor(ctx: GatewayContext, channel: SocketChannel, caller: Caller) {
    this.#ctx = ctx;
    this.#channel = channel;
    this.#caller = caller;
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
        return this.#request(message);
      case 'resume':
        return this.#resume(message);
      case 'cancel':
        // Cancelling an id that is not live is a no-op: the request already
        // ended, and its done or error is the answer the client will see.
        return this.#streams.get(message.id)?.generation.cancel(new CancelledError());
    }
  }

  /** The socket closed: its streams stop reading, so non-resumable ones stop their upstream. */
  onClose(): void {
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    for (const stream of streams) stream.leave();
  }

  #request(message: WsRequestMessage): void {
    if (!this.#admit(message.id)) return;
    let generation: Generation;
    try {
      generation = createChatGeneration(this.#ctx, this.#caller, message.body, { resumable: message.resumable ?? true });
    } catch (error) {
      return this.#refuse(message.id, toGatewayError(error, this.#ctx.config.server.bodyLimitBytes));
    }
    this.#subscribe(message.id, generation, 0);
    generation.start();
  }

  /**
   * Read a stream from `after + 1`, replayed and then live. A finished
   * stream the client has read to the end (or past it) answers its end
   * again, so a client that missed only the end learns how it ended.
   */
  #resume(message: WsResumeMessage): void {
    if (!this.#admit(message.id)) return;
    let generation: Generation;
    try {
      generation = findReadableStream(this.#ctx, this.#caller, message.streamId, message.token);
    } catch (error) {
      return this.#refuse(message.id, toGatewayError(error, 0));
    }
    const { log } = generation;
    const terminal = log.terminal;
    if (terminal !== undefined && message.after >= terminal.seq) {
      const idJson = JSON.stringify(message.id);
      this.#channel.send(acceptedFrame(idJson, generation.id, this.#tokenFor(generation)));
      this.#channel.send(new StreamFrames(idJson).of(terminal));
      return;
    }
    if (message.after > log.lastSeq) {
      return this.#refuse(message.id, new InvalidRequestError(`after: the stream has reached seq ${log.lastSeq} only.`, 'after'));
    }
    this.#subscribe(message.id, generation, message.after);
  }

  /** `accepted` first, then the stream's frames; the stream is forgotten once its end is sent. */
  #subscribe(id: string, generation: Generation, after: number): void {
    const stream = new MultiplexStream(id, generation, this.#channel, this.#forget);
    this.#channel.send(acceptedFrame(stream.idJson, generation.id, this.#tokenFor(generation)));
    this.#streams.set(id, stream);
    // Attaching replays synchronously and may reach the end at once.
    const subscription = generation.attach(stream, after);
    if (this.#streams.get(id) === stream) stream.subscription = subscription;
  }

  #tokenFor(generation: Generation): string | undefined {
    return generation.options.resumable ? this.#ctx.tokens.issue(generation.id) : undefined;
  }

  #admit(id: string): boolean {
    if (this.#streams.has(id)) this.#refuse(id, new DuplicateIdError(id));
    else if (this.#streams.size >= this.#ctx.config.ws.maxStreamsPerSocket) this.#refuse(id, new TooManyStreamsError(this.#ctx.config.ws.maxStreamsPerSocket));
    else return true;
    return false;
  }

  #refuse(id: string | null, error: GatewayError): void {
    this.#channel.send(errorFrame(id === null ? 'null' : JSON.stringify(id), error.toWire()));
  }
}
