import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../request/context.ts';
import { requireKey } from '../edge/require-key.ts';

/** `GET /metrics` in the Prometheus text format; behind the gateway keys when there are any. */
export function registerMetricsRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/metrics', { onRequest: requireKey(ctx.keys) }, async (_request, reply) => {
    void reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}
