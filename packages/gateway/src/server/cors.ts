import type { FastifyInstance } from 'fastify';
import { Headers } from '@sluice/protocol';
import type { OriginPolicy } from '../edge/origin-policy.ts';

// Anthropic's browser clients send their key as `x-api-key`, with their version and beta headers.
const ALLOWED_HEADERS = ['authorization', 'content-type', Headers.resumable, Headers.streamToken, Headers.lastEventId, 'x-api-key', 'anthropic-version', 'anthropic-beta', 'anthropic-dangerous-direct-browser-access'].join(', ');
const RATE_LIMIT_HEADERS = ['limit', 'remaining', 'reset'].flatMap((what) => [`x-ratelimit-${what}-requests`, `x-ratelimit-${what}-tokens`]);
const EXPOSED_HEADERS = [Headers.streamId, Headers.streamToken, 'retry-after', 'retry-after-ms', ...RATE_LIMIT_HEADERS, 'x-sluice-budget-remaining'].join(', ');

/**
 * CORS for browser apps that call the gateway from their own origin. Keys
 * travel in headers, never cookies, so allowing an origin grants it nothing
 * a key would not. Headers are set on the raw response so that hijacked
 * streaming responses carry them too. Pages from other origins never get
 * this far: the request guard refuses them.
 */
export function installCors(app: FastifyInstance, origins: OriginPolicy): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    reply.raw.setHeader('access-control-allow-origin', origins.any ? '*' : origin);
    if (!origins.any) reply.raw.setHeader('vary', 'origin');
    reply.raw.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    if (request.method === 'OPTIONS') {
      reply.raw.setHeader('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
      reply.raw.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      reply.raw.setHeader('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });
  // Preflights reach any path; the hook above answers them before routing matters.
  app.options('*', async (_request, reply) => reply.code(204).send());
}
