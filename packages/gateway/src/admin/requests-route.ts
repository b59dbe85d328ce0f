import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { InvalidRequestError } from '../errors/index.ts';
import type { GatewayContext } from '../request/context.ts';
import { parseQuery } from './query-params.ts';

/** A time as epoch milliseconds or an ISO 8601 date. */
const time = z.union([z.coerce.number().int().nonnegative(), z.iso.datetime({ offset: true }).transform((iso) => Date.parse(iso))]);

const requestsQuery = z.strictObject({
  key: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  status: z.enum(['done', 'error', 'cancelled', 'hedge_lost']).optional(),
  from: time.optional(),
  to: time.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** The `next` of the previous page. */
  cursor: z.string().optional(),
});

/** A page cursor: the last row's time and stream id, so pages stay stable while new rows arrive. */
function encodeCursor(at: number, streamId: string): string {
  return Buffer.from(JSON.stringify([at, streamId])).toString('base64url');
}

function decodeCursor(cursor: string): { at: number; streamId: string } {
  try {
    const [at, streamId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'number' && typeof streamId === 'string') return { at, streamId };
  } catch {}
  throw new InvalidRequestError('Invalid query parameter cursor: not a cursor this endpoint gave', 'cursor');
}

/** `GET /admin/requests`: the ledger, newest first, filtered by key, model, status and time, paged by cursor. */
export function registerRequestsRoutes(scope: FastifyInstance, ctx: GatewayContext): void {
  scope.get('/admin/requests', async (request) => {
    const query = parseQuery(requestsQuery, request.query);
    const rows = await ctx.usage.query({
      key: query.key,
      model: query.model,
      status: query.status,
      from: query.from,
      to: query.to,
      before: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { object: 'list', data: page, next: rows.length > query.limit && last !== undefined ? encodeCursor(last.at, last.streamId) : null };
  });
}
