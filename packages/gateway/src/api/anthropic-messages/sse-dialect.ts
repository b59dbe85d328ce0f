import type { SseDialect } from '../../transports/sse/sse-dialect.ts';
import { namedEventFrame } from '../../transports/sse/sse-dialect.ts';
import { messagesError } from './errors.ts';

/** Anthropic's stream over SSE: named events, `ping` events while silent, an `error` event when it cannot go on. */
export const messagesSse: SseDialect = {
  frame: namedEventFrame,
  ping: 'event: ping\ndata: {"type":"ping"}\n\n',
  failure: (error) => `event: error\ndata: ${JSON.stringify(messagesError(error))}\n\n`,
};
