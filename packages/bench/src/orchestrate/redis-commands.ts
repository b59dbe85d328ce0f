/**
 * Redis commands per streamed token, for the target whose streams are
 * written to Redis: the gateways' own count of the commands their stream
 * store sent (`sluice_redis_commands_total` on `/metrics`, both replicas
 * summed), read before and after a phase and divided by the content chunks
 * the phase delivered (one token each from the bench upstream). The gateway
 * counts what it sends rather than the Redis server's total, so other users
 * of the same Redis do not enter the figure.
 */
import { request } from 'undici';
import type { LaunchedTarget } from '../targets/launch.ts';

const METRIC = /^sluice_redis_commands_total\s+(\d+(?:\.\d+)?)/m;

/** The commands sent so far by the target and its replica; null when the target keeps no streams in Redis. */
export async function redisCommandsSent(target: LaunchedTarget): Promise<number | null> {
  if (target.replica === null || target.endpoint === null) return null;
  const urls = [target.endpoint.url, target.endpoint.replicaUrl].filter((url): url is string => url !== undefined);
  let total = 0;
  for (const url of urls) {
    const answer = await request(new URL('/metrics', url));
    const text = await answer.body.text();
    const match = METRIC.exec(text);
    if (answer.statusCode !== 200 || match === null) return null;
    total += Number(match[1]);
  }
  return total;
}

export function perToken(before: number | null, after: number | null, tokens: number): number | null {
  if (before === null || after === null || tokens === 0) return null;
  return Math.round(((after - before) / tokens) * 1000) / 1000;
}
