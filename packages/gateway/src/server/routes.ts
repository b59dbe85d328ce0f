import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../errors/index.ts';
import type { GatewayContext } from '../request/context.ts';
import { requireKey } from '../edge/require-key.ts';

/** `GET /v1/models`, `GET /healthz`, `GET /readyz`, and the OpenAI-shaped 404. */
export function registerInfoRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/v1/models', { onRequest: requireKey(ctx.keys) }, async () => {
    return { object: 'list', data: ctx.router.list() };
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (!ctx.registry.accepting) return reply.code(503).send({ status: 'draining' });
    return { status: 'ready', streams: ctx.registry.running };
  });
  app.setNotFoundHandler(async (request, reply) => {
    const error = new InvalidRequestError(`Unknown path: ${request.method} ${request.url}`, null, 'not_found');
    return reply.code(404).send(error.toWire());
  });
}
