import { SseDecoder, type SseMessage } from '@sluice/protocol';
import type { ChatCompletionChunk, WireError } from '@sluice/protocol';
import type { OutcomeBuilder } from './driver.ts';

/** Feed one SSE event of a chat stream to an outcome: a chunk, `[DONE]`, or an `error` event. */
function feed(builder: OutcomeBuilder, message: SseMessage): void {
  const seq = Number(message.id);
  if (message.event === 'error') builder.fail((JSON.parse(message.data) as WireError).error, seq);
  else if (message.data === '[DONE]') builder.end(seq);
  else builder.chunk(JSON.parse(message.data) as ChatCompletionChunk, seq);
}

/** Decode an SSE body into the outcome as it arrives; a body cut short by the client ends quietly. */
export async function readSseInto(builder: OutcomeBuilder, body: AsyncIterable<Uint8Array | string>): Promise<void> {
  const decoder = new SseDecoder({ onEvent: (message) => feed(builder, message) });
  const text = new TextDecoder();
  try {
    for await (const part of body) decoder.push(typeof part === 'string' ? part : text.decode(part, { stream: true }));
  } catch (error) {
    if (!isCut(error)) throw error;
  }
}

function isCut(error: unknown): boolean {
  const e = error as { name?: string; code?: string };
  return e.name === 'AbortError' || e.code === 'ERR_HTTP2_STREAM_ERROR' || e.code === 'ABORT_ERR';
}
