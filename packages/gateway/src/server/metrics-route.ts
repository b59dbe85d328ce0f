import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../request/context.ts';

/** `GET /metrics` in the Prometheus text format; behind the gateway keys when there are any. */
export function registerMetricsRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/metrics', async (request, reply) => {
    ctx.keys.authenticate(request.headers.authorization);
    void reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}
