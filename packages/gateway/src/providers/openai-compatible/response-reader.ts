import { ErrorCodes, type ChatCompletion } from '@sluice/protocol';
import { createParser } from 'eventsource-parser';
import type { Dispatcher } from 'undici';
import { UpstreamProtocolError, UpstreamUnavailableError } from '../../errors/index.ts';
import type { StreamEvent } from '../../streams/events.ts';
import { parseUpstreamChunk } from './chunk-parser.ts';

type Body = Dispatcher.ResponseData['body'];

/**
 * Reads an upstream SSE body into StreamEvents. It pulls the body only as
 * fast as its consumer pulls events, so a slow client slows the upstream
 * read, never the other way round.
 */
export async function* readEventStream(body: Body, signal: AbortSignal): AsyncGenerator<StreamEvent> {
  const decoder = new TextDecoder();
  const pending: StreamEvent[] = [];
  let done = false;
  let finished = false;
  // A bad line fails the stream, but only after the good events before it are delivered.
  let malformed: unknown;
  const parser = createParser({
    onEvent(message) {
      if (done || malformed !== undefined) return;
      if (message.data === '[DONE]') {
        done = true;
        return;
      }
      try {
        parseUpstreamChunk(message.data, pending);
      } catch (error) {
        malformed = error;
      }
    },
  });
  try {
    for await (const bytes of body) {
      parser.feed(decoder.decode(bytes as Uint8Array, { stream: true }));
      for (let i = 0; i < pending.length; i++) {
        const event = pending[i];
        if (event.type === 'finish') finished = true;
        yield event;
      }
      pending.length = 0;
      if (malformed !== undefined) throw malformed;
      if (done) break;
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof UpstreamProtocolError) throw error;
    throw new UpstreamUnavailableError('The upstream connection broke mid-stream.', ErrorCodes.upstreamDisconnected, { cause: error });
  } finally {
    // Leaving early (done, error or the consumer stopped) must free the connection.
    if (!body.destroyed) body.destroy();
  }
  // Some upstreams end without [DONE]; that is fine once every choice has finished.
  if (!done && !finished) {
    throw new UpstreamUnavailableError('The upstream closed the stream before it finished.', ErrorCodes.upstreamDisconnected);
  }
}

/** An upstream that answered one JSON completion instead of a stream: replay it as events. */
export async function readJsonCompletion(body: Body, signal: AbortSignal): Promise<AsyncIterable<StreamEvent>> {
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
  return (async function* replay() {
    yield* events;
  })();
}
