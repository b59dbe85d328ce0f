import type { RawData } from 'ws';
import type { Caller } from '../../auth/key-ring.ts';
import { toGatewayError, type GatewayError } from '../../errors/index.ts';
import type { GatewayContext } from '../../request/context.ts';
import { createChatGeneration } from '../../request/start-chat.ts';
import type { Generation } from '../../streams/generation.ts';
import type { LogEntry } from '../../streams/log.ts';
import type { StreamSink, Subscription } from '../../streams/subscription.ts';
import { InvalidMessageError, TooManyStreamsError, UnsupportedFrameError } from './errors.ts';
import { PONG_FRAME } from './frames.ts';
import type { SocketChannel } from './socket-channel.ts';
import type { TraceHeaders } from './trace-context.ts';

/**
 * The plain mode of the classic clients (a socket opened without the
 * `sluice.v1` subprotocol). Each text frame is an OpenAI chat body; the
 * answer is the OpenAI chunk objects, one per frame, as the HTTP stream's
 * `data:` lines would carry them, and an OpenAI error object if it fails.
 *
 * Plain frames carry no request id, so a socket answers its bodies one at a
 * time, in the order they came: the chunks of two answers never interleave
 * and an error frame always belongs to the body being answered. Bodies that
 * arrive meanwhile wait in a queue (counted against the per-socket limit).
 */
export class PlainSession implements StreamSink {
  readonly #ctx: GatewayContext;
  readonly #channel: SocketChannel;
  readonly #caller: Caller;
  /** `?model=` of the socket's URL: the model of bodies that name none. */
  readonly #defaultModel: string | null;
  /** The upgrade's W3C trace context, continued by every body on the socket; undefined with tracing off. */
  readonly #trace: TraceHeaders | undefined;
  readonly #waiting: unknown[] = [];
  #current: { generation: Generation; subscription: Subscription | undefined } | undefined;
  readonly #closing = new AbortController();
  /** A body is being admitted: the next waits for it. */
  #starting = false;
  #closed = false;

  constructor(ctx: GatewayContext, channel: SocketChannel, caller: Caller, defaultModel: string | null, trace?: TraceHeaders) {
    this.#ctx = ctx;
    this.#channel = channel;
    this.#caller = caller;
    this.#defaultModel = defaultModel;
    this.#trace = trace;
  }

  onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) return this.#answerInTurn(new UnsupportedFrameError());
    let body: unknown;
    try {
      body = JSON.parse(data.toString());
    } catch {
      return this.#answerInTurn(new InvalidMessageError('The frame is not valid JSON; send an OpenAI chat request body.'));
    }
    if (isPing(body)) return this.#channel.send(PONG_FRAME);
    const limit = this.#ctx.config.ws.maxStreamsPerSocket;
    if (this.#waiting.length + (this.#current === undefined && !this.#starting ? 0 : 1) >= limit) return this.#sendError(new TooManyStreamsError(limit));
    this.#waiting.push(body);
    this.#next();
  }

  onClose(): void {
    this.#closed = true;
    this.#closing.abort();
    this.#waiting.length = 0;
    const current = this.#current;
    this.#current = undefined;
    if (current?.subscription !== undefined) current.generation.detach(current.subscription);
  }

  // The sink of the body being answered.

  write(entry: LogEntry): boolean {
    // A done entry has no plain frame: the finish chunk (and the usage chunk, when asked) already ended the answer.
    if (entry.kind !== 'done') this.#channel.send(entry.json);
    return this.#channel.hasRoom;
  }

  onDrain(resume: () => void): void {
    this.#channel.onDrain(resume);
  }

  end(error?: GatewayError): void {
    if (error !== undefined) this.#sendError(error);
    this.#current = undefined;
    this.#next();
  }

  #next(): void {
    if (this.#current !== undefined || this.#starting) return;
    this.#starting = true;
    void this.#startNext()
      .catch((error: unknown) => this.#ctx.logger.error({ err: error }, 'WebSocket request failed'))
      .finally(() => {
        this.#starting = false;
        // A body that came (or a stream that ended) while the last one was admitted.
        if (this.#current === undefined && this.#waiting.length > 0) this.#next();
      });
  }

  /** Start answering the next waiting body, skipping (with an error frame each) those that cannot start. */
  async #startNext(): Promise<void> {
    while (this.#current === undefined && !this.#closed && this.#waiting.length > 0) {
      const next = this.#waiting.shift();
      if (next instanceof FrameRefusal) {
        this.#sendError(next.error);
        continue;
      }
      const body = this.#withDefaultModel(next);
      let generation: Generation;
      try {
        generation = await createChatGeneration(this.#ctx, this.#caller, body, { resumable: false, signal: this.#closing.signal, transport: 'ws', headers: this.#trace });
      } catch (error) {
        if (!this.#closed) this.#sendError(toGatewayError(error, this.#ctx.config.server.bodyLimitBytes));
        continue;
      }
      if (this.#closed) {
        generation.start();
        return generation.cancel();
      }
      const current: { generation: Generation; subscription: Subscription | undefined } = { generation, subscription: undefined };
      this.#current = current;
      current.subscription = generation.attach(this, 0);
      generation.start();
    }
  }

  #withDefaultModel(body: unknown): unknown {
    if (this.#defaultModel === null || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
    return 'model' in body ? body : { ...body, model: this.#defaultModel };
  }

  /** A frame refused while a body before it is being admitted is answered after that body's refusal, if it gets one. */
  #answerInTurn(error: GatewayError): void {
    if (this.#starting) this.#waiting.push(new FrameRefusal(error));
    else this.#sendError(error);
  }

  #sendError(error: GatewayError): void {
    this.#channel.send(JSON.stringify(error.toWire()));
  }
}

/** The answer to a frame that was no body, kept in the queue so answers keep the order of the frames. */
class FrameRefusal {
  readonly error: GatewayError;
  constructor(error: GatewayError) {
    this.error = error;
  }
}

function isPing(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { type?: unknown }).type === 'ping';
}
