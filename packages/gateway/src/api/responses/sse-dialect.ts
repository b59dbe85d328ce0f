import type { SseDialect } from '../../transports/sse/sse-dialect.ts';
import { chatSse, namedEventFrame } from '../../transports/sse/sse-dialect.ts';

/**
 * The Responses stream over SSE: named events; comment pings while silent
 * (OpenAI's clients skip comments); an `error` event when the stream cannot
 * be read on, which is not in the log and so has no sequence number.
 */
export const responsesSse: SseDialect = {
  frame: namedEventFrame,
  ping: chatSse.ping,
  failure: (error) => `event: error\ndata: ${JSON.stringify({ type: 'error', code: error.code, message: error.message, param: error.param })}\n\n`,
};
