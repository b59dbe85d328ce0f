import { ErrorCodes } from '@sluice/protocol';
import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { errors as undiciErrors, type Dispatcher } from 'undici';
import { UpstreamUnavailableError } from '../../errors/index.ts';
import type { StreamEvent } from '../../events/stream-event.ts';
import type { UpstreamHandlers, UpstreamStream } from '../types.ts';
import { upstreamIdleError, type IdleLimit } from '../upstream-error.ts';

export type ResponseBody = Dispatcher.ResponseData['body'];

/**
 * One provider's SSE dialect: what each event means. A decoder holds the
 * state of one response (which content block is which tool call, the usage
 * so far) and is used for that response only.
 */
export interface SseEventDecoder {
  /**
   * One SSE event, its `event:` name (if any) and `data:`, turned into
   * StreamEvents appended to `out`. Throws an UpstreamProtocolError on data
   * that is not the protocol; an error the upstream reports in-band is an
   * `error` event in `out`.
   */
  decode(event: string | undefined, data: string, out: StreamEvent[]): void;
  /** The protocol's last event has arrived (OpenAI's `[DONE]`, Anthropic's `message_stop`). */
  readonly done: boolean;
  /**
   * The body ended before that last event, or the protocol has none (Gemini):
   * whether the response is complete anyway. May append its final events.
   */
  endOfBody(out: StreamEvent[]): boolean;
}

/**
 * An upstream SSE body as pushed events: each read is parsed into one batch
 * and handed on at once. Pausing pauses the body, so undici stops reading
 * the socket and the upstream feels the backpressure.
 */
export class SseUpstream implements UpstreamStream {
  readonly #body: ResponseBody;
  readonly #signal: AbortSignal;
  readonly #decoder: SseEventDecoder;
  readonly #idle: IdleLimit;

  /** `idle` names the upstream and its idle limit in the error for a body that went silent. */
  constructor(body: ResponseBody, signal: AbortSignal, decoder: SseEventDecoder, idle: IdleLimit) {
    this.#body = body;
    this.#signal = signal;
    this.#decoder = decoder;
    this.#idle = idle;
  }

  start(handlers: UpstreamHandlers): void {
    const body = this.#body;
    const decoder = this.#decoder;
    let first = true;
    let batch: StreamEvent[] = [];
    let settled = false;
    let malformed: unknown;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    const flush = () => {
      if (batch.length === 0) return;
      const events = batch;
      batch = [];
      handlers.events(events);
    };
    // Made at the first bytes: a stream waiting for its first token (thousands of them, idle) holds neither.
    let reader: { text: StringDecoder; parser: EventSourceParser } | undefined;
    const makeReader = () => ({
      // Native, and keeps a character split across two reads for the next one, as TextDecoder's stream mode does, for less per read.
      text: new StringDecoder('utf8'),
      parser: createParser({
        onEvent(message) {
          if (decoder.done || malformed !== undefined) return;
          try {
            decoder.decode(message.event, message.data, batch);
          } catch (error) {
            malformed = error;
          }
        },
      }),
    });
    body.on('data', (bytes: Buffer) => {
      if (settled) return;
      reader ??= makeReader();
      let chunk = reader.text.write(bytes);
      // A byte-order mark opening the body is not data (TextDecoder, used before, dropped it too).
      if (first) {
        if (chunk === '') return;
        first = false;
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      }
      reader.parser.feed(chunk);
      flush();
      if (malformed !== undefined) {
        settle(() => handlers.fail(malformed));
        body.destroy();
      } else if (decoder.done) {
        // Only the end of the response is left; it arrives by itself and the connection goes back to the pool.
        settle(() => handlers.end());
      }
    });
    body.on('end', () => {
      if (settled) return;
      const complete = decoder.endOfBody(batch);
      flush();
      if (complete) settle(() => handlers.end());
      else settle(() => handlers.fail(new UpstreamUnavailableError('The upstream closed the stream before it finished.', ErrorCodes.upstreamDisconnected)));
    });
    body.on('error', (error: Error) => {
      settle(() => handlers.fail(this.#signal.aborted ? this.#signal.reason : bodyError(error, this.#idle)));
    });
  }

  pause(): void {
    this.#body.pause();
  }

  resume(): void {
    this.#body.resume();
  }
}

/** A response body that failed: the upstream went silent for too long, or its connection broke. */
export function bodyError(error: unknown, idle: IdleLimit): Error {
  if (error instanceof undiciErrors.BodyTimeoutError) return upstreamIdleError(idle);
  return new UpstreamUnavailableError('The upstream connection broke mid-stream.', ErrorCodes.upstreamDisconnected, { cause: error });
}
