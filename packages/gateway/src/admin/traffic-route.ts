import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { GatewayContext } from '../request/context.ts';
import { parseQuery } from './query-params.ts';

/** Each range the Traffic page offers and the width of its buckets. */
const RANGES = {
  '1h': { spanMs: 3_600_000, bucketMs: 60_000 },
  '24h': { spanMs: 24 * 3_600_000, bucketMs: 15 * 60_000 },
  '7d': { spanMs: 7 * 24 * 3_600_000, bucketMs: 3_600_000 },
} as const;

const trafficQuery = z.strictObject({ range: z.enum(['1h', '24h', '7d']).default('1h') });

/** `GET /admin/traffic?range=1h|24h|7d`: the ledger in time buckets (requests, tokens, errors, cost, TTFT histograms). */
export function registerTrafficRoutes(scope: FastifyInstance, ctx: GatewayContext): void {
  scope.get('/admin/traffic', async (request) => {
    const { range } = parseQuery(trafficQuery, request.query);
    const { spanMs, bucketMs } = RANGES[range];
    const to = Date.now();
    const from = Math.floor((to - spanMs) / bucketMs) * bucketMs;
    return { range, from, to, ...(await ctx.usage.traffic(from, to, bucketMs)) };
  });
}
