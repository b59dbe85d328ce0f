import type { IncomingHttpHeaders } from 'node:http';
import { Headers } from '@sluice/protocol';

/** What a client may ask of routing in its request headers. */
export interface RouteHints {
  /** `x-sluice-route`: `cheap`, `strong` or an alias, read by router models' rules. */
  route?: string;
  /** `x-sluice-cache`: true for `1`/`true` (use the response cache), false for `0`/`false` (bypass it), else the alias decides. */
  cache?: boolean;
}

/** The routing hints of a request's headers. */
export function routeHintsOf(headers: IncomingHttpHeaders): RouteHints {
  const hints: RouteHints = {};
  const route = headers[Headers.route];
  if (typeof route === 'string' && route.trim() !== '') hints.route = route.trim().slice(0, 200);
  const cache = headers[Headers.cache];
  if (cache === '1' || cache === 'true') hints.cache = true;
  else if (cache === '0' || cache === 'false') hints.cache = false;
  return hints;
}
