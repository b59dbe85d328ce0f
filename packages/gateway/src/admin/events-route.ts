import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CancelledError, StreamNotFoundError } from '../errors/index.ts';
import type { GatewayContext } from '../request/context.ts';
import type { LiveFeed } from './live-feed.ts';
import { parseQuery } from './query-params.ts';

const STREAM_ID = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * `GET /admin/events`: this replica's live streams as SSE, one `snapshot`
 * event several times a second, `: ping` keepalives like every sluice stream.
 * `GET /admin/live`: one snapshot as JSON. `DELETE /admin/streams/{id}`:
 * cancel any stream, here or (through the store) on another replica.
 */
export function registerEventsRoutes(scope: FastifyInstance, ctx: GatewayContext, feed: LiveFeed): void {
  scope.get('/admin/events', async (_request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
    res.write(`retry: ${ctx.config.streams.clientRetryMs}\n\n`);
    const reader = feed.add(res);
    ctx.keepalive.add(reader);
    res.once('close', () => ctx.keepalive.delete(reader));
  });

  scope.get('/admin/live', async () => feed.snapshot());

  const cancelParams = z.strictObject({ id: z.string().regex(STREAM_ID, 'not a stream id') });
  scope.delete('/admin/streams/:id', async (request, reply) => {
    const { id } = parseQuery(cancelParams, request.params);
    const live = ctx.registry.get(id);
    if (live !== undefined) {
      live.cancel(new CancelledError('Cancelled by an administrator.'));
      return reply.code(204).send();
    }
    const meta = await ctx.store.meta(id);
    if (meta === null) throw new StreamNotFoundError();
    if (meta.status === 'running') await ctx.store.requestCancel(id);
    return reply.code(204).send();
  });
}
