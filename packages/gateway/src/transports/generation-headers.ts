import { Headers } from '@sluice/protocol';
import type { Generation } from '../streams/generation.ts';

/**
 * The headers a generation's response carries once an upstream answered:
 * the rate-limit headers again, now with the serving target's own limits
 * among those the tightest is taken from; the deployment that serves it
 * (`x-sluice-target`); the router's decision (`x-sluice-route`); and, for a
 * request the response cache was asked about, `x-sluice-cache: hit` or `miss`.
 */
export function generationHeaders(generation: Generation): Record<string, string> {
  const headers: Record<string, string> = { ...generation.options.limitHeaders?.() };
  const target = generation.target;
  if (target !== undefined && target.cached !== true) headers[Headers.target] = target.deployment ?? target.label;
  const { route, cacheKey } = generation.options;
  if (route !== undefined) headers[Headers.route] = route;
  if (cacheKey !== undefined) headers[Headers.cache] = target?.cached === true ? 'hit' : 'miss';
  return headers;
}
