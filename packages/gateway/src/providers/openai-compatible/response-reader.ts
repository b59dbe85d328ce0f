import { ErrorCodes, type ChatCompletion } from '@sluice/protocol';
import { createParser } from 'eventsource-parser';
import type { Dispatcher } from 'undici';
import { UpstreamProtocolError, UpstreamUnavailableError } from '../../errors/index.ts';
import type { StreamEvent } from '../../events/stream-event.ts';
import { IterableUpstream } from '../iterable-stream.ts';
import type { UpstreamHandlers, UpstreamStream } from '../types.ts';
import { parseUpstreamChunk } from './chunk-parser.ts';

type Body = Dispatcher.ResponseData['body'];

/**
 * An upstream SSE body as pushed events: each read is parsed into one batch
 * and handed on at once. Pausing pauses the body, so undici stops reading
 * the socket and the upstream feels the backpressure.
 */
export class SseUpstream implements UpstreamStream {
  readonly #body: Body;
  readonly #signal: AbortSignal;

  constructor(body: Body, signal: AbortSignal) {
    this.#body = body;
    this.#signal = signal;
  }

  start(handlers: UpstreamHandlers): void {
    const body = this.#body;
    const decoder = new TextDecoder();
    let batch: StreamEvent[] = [];
    let settled = false;
    let sawDone = false;
    let finished = false;
    let malformed: unknown;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    const parser = createParser({
      onEvent(message) {
        if (sawDone || malformed !== undefined) return;
        if (message.data === '[DONE]') {
          sawDone = true;
          return;
        }
        try {
          parseUpstreamChunk(message.data, batch);
        } catch (error) {
          malformed = error;
        }
      },
    });
    body.on('data', (bytes: Buffer) => {
      if (settled) return;
      parser.feed(decoder.decode(bytes, { stream: true }));
      if (batch.length > 0) {
        const events = batch;
        batch = [];
        for (const event of events) if (event.type === 'finish') finished = true;
        handlers.events(events);
      }
      if (malformed !== undefined) {
        settle(() => handlers.fail(malformed));
        body.destroy();
      } else if (sawDone) {
        // Only the end of the response is left; it arrives by itself and the connection goes back to the pool.
        settle(() => handlers.end());
      }
    });
    body.on('end', () => {
      // Some upstreams end without [DONE]; that is fine once every choice has finished.
      if (finished) settle(() => handlers.end());
      else settle(() => handlers.fail(new UpstreamUnavailableError('The upstream closed the stream before it finished.', ErrorCodes.upstreamDisconnected)));
    });
    body.on('error', (error: Error) => {
      settle(() => handlers.fail(this.#signal.aborted ? this.#signal.reason : new UpstreamUnavailableError('The upstream connection broke mid-stream.', ErrorCodes.upstreamDisconnected, { cause: error })));
    });
  }

  pause(): void {
    this.#body.pause();
  }

  resume(): void {
    this.#body.resume();
  }
}

/** An upstream that answered one JSON completion instead of a stream: replay it as events. */
export async function readJsonCompletion(body: Body, signal: AbortSignal): Promise<UpstreamStream> {
  let completion: ChatCompletion;
  try {
    completion = (await body.json()) as ChatCompletion;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new UpstreamProtocolError('The upstream answered JSON that does not parse.', { cause: error });
  }
  const events: StreamEvent[] = [];
  for (const choice of completion.choices ?? []) {
    const message = choice.message ?? { role: 'assistant', content: null };
    events.push({ type: 'role', choice: choice.index, role: 'assistant' });
    if (message.reasoning_content) events.push({ type: 'reasoning', choice: choice.index, text: message.reasoning_content });
    if (typeof message.content === 'string') events.push({ type: 'content', choice: choice.index, text: message.content });
    message.tool_calls?.forEach((call, index) => events.push({ type: 'tool_call', choice: choice.index, call: { index, ...call } }));
    events.push({ type: 'finish', choice: choice.index, reason: choice.finish_reason ?? 'stop' });
  }
  if (completion.usage) events.push({ type: 'usage', usage: completion.usage });
  return new IterableUpstream(
    (async function* replay() {
      yield* events;
    })(),
    signal,
  );
}
