import type { FastifyReply } from 'fastify';
import { Headers } from '@sluice/protocol';
import type { GatewayContext } from '../../request/context.ts';
import type { SseDialect } from './sse-dialect.ts';
import { SseSink, type SseResponse } from './sse-sink.ts';

export interface SseStreamIdentity {
  streamId: string;
  /** Only resumable streams have a token, and only they tell the client how soon to reconnect. */
  resumable: boolean;
  /** More response headers (what routing decided). */
  headers?: Record<string, string>;
}

/**
 * Take the response over from Fastify and open an event stream on it: the
 * headers, a `retry:` hint for resumable streams (so a browser EventSource
 * comes back quickly after a drop), and keepalive pings while it is silent,
 * all in the dialect of the stream's API.
 */
export function beginSse(ctx: GatewayContext, reply: FastifyReply, identity: SseStreamIdentity, dialect: SseDialect): SseSink {
  reply.hijack();
  const res = reply.raw;
  const headers: Record<string, string> = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    [Headers.streamId]: identity.streamId,
    ...identity.headers,
  };
  if (identity.resumable) headers[Headers.streamToken] = ctx.tokens.issue(identity.streamId);
  // The headers leave with the first frame (or the first keepalive ping): a write of their own
  // would cost a syscall per stream and tell the client nothing it can use.
  res.writeHead(200, headers);
  if (identity.resumable) res.write(`retry: ${ctx.config.streams.clientRetryMs}\n\n`);
  const sink = new SseSink(res as SseResponse, dialect);
  ctx.keepalive.add(sink);
  res.once('close', () => ctx.keepalive.delete(sink));
  return sink;
}
