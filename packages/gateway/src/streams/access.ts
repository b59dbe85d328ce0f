import type { Caller } from '../auth/key-ring.ts';
import { StreamNotFoundError } from '../errors/index.ts';
import type { GatewayContext } from '../server/context.ts';
import type { Generation } from './generation.ts';

/**
 * The stream a caller may read or cancel: it must exist and the caller must
 * hold its per-stream token or be the key that started it. Anything else is
 * the same 404, so that ids do not leak whether they exist.
 */
export function findReadableStream(ctx: GatewayContext, caller: Caller | null, streamId: string, token: string | undefined): Generation {
  const generation = ctx.registry.get(streamId);
  if (generation === undefined) throw new StreamNotFoundError();
  const byToken = token !== undefined && ctx.tokens.verify(streamId, token);
  const byOwner = caller !== null && caller.name === generation.options.owner;
  if (!byToken && !byOwner) throw new StreamNotFoundError();
  return generation;
}
