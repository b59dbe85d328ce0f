import { SSE_PING_FRAME, encodeSseData, encodeSseEvent } from '@sluice/protocol';
import type { GatewayError } from '../../errors/index.ts';
import type { LogEntry } from '../../streams/log.ts';

/**
 * How one inbound API's stream looks over SSE: the frame of each log entry
 * (always with `id: <seq>`, so any stream resumes the same way), the
 * keepalive written while the stream is silent, and the last frame when a
 * stream cannot be read on (truncated, interrupted), which is not a log
 * entry and so has no id.
 */
export interface SseDialect {
  frame(entry: LogEntry): string;
  readonly ping: string;
  failure(error: GatewayError): string;
}

/** Chat completions: unnamed `data:` events, `[DONE]` last, `event: error` for a failure. */
export const chatSse: SseDialect = {
  frame(entry) {
    switch (entry.kind) {
      case 'chunk':
        return encodeSseData(entry.seq, entry.json);
      case 'done':
        return encodeSseData(entry.seq, '[DONE]');
      case 'error':
        return encodeSseEvent('error', entry.seq, entry.json);
    }
  },
  ping: SSE_PING_FRAME,
  failure: (error) => `event: error\ndata: ${JSON.stringify(error.toWire())}\n\n`,
};

const TYPE_PREFIX = '{"type":"';

/**
 * The frame of an API whose every event is named by its body's `type`, the
 * first member (Anthropic Messages, OpenAI Responses): `event: <type>`,
 * `id: <seq>`, `data: <body>`. Its encoder writes `type` first so that the
 * name is read off the stored bytes without parsing them.
 */
export function namedEventFrame(entry: LogEntry): string {
  const json = entry.json;
  const end = json.startsWith(TYPE_PREFIX) ? json.indexOf('"', TYPE_PREFIX.length) : -1;
  if (end === -1) return encodeSseData(entry.seq, json);
  return encodeSseEvent(json.slice(TYPE_PREFIX.length, end), entry.seq, json);
}
