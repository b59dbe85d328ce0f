import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes } from '@sluice/protocol';
import { HostNotAllowedError, HttpRequestError, OriginNotAllowedError } from '../errors/index.ts';
import type { GatewayContext } from '../request/context.ts';
import { isLoopbackHost } from './host.ts';
import { OriginPolicy } from './origin-policy.ts';

/** What the guard reads of a request, HTTP or WebSocket upgrade alike. */
export interface GuardedRequest {
  /** `Host`, or HTTP/2's `:authority`. */
  host: string | undefined;
  origin: string | undefined;
  httpVersion: string;
  tls: boolean;
}

/**
 * The checks every request passes before anything else, over HTTP and on
 * WebSocket upgrades alike: HTTP/1.1 names its Host; a gateway without
 * keys answers only to loopback Host names (the DNS-rebinding guard); a
 * browser page's Origin must be allowed (browsers send simple requests,
 * and WebSocket upgrades, without asking first, so refusing them is what
 * keeps a page from spending the gateway's provider keys).
 */
export class RequestGuard {
  readonly origins: OriginPolicy;
  readonly #keyless: () => boolean;
  readonly #boundAddresses: () => string[];

  constructor(options: { origins: OriginPolicy; keyless: () => boolean; boundAddresses: () => string[] }) {
    this.origins = options.origins;
    this.#keyless = options.keyless;
    this.#boundAddresses = options.boundAddresses;
  }

  /** Throws the refusal: 400 without a Host, 403 for a Host or Origin that is not allowed. */
  check(request: GuardedRequest): void {
    const { host, origin } = request;
    // Browsers always send a Host, so a request without one (HTTP/1.0) is no rebinding page.
    if (host === undefined || host === '') {
      if (request.httpVersion === '1.1') throw new HttpRequestError(400, ErrorCodes.malformedRequest, 'An HTTP/1.1 request needs a Host header.');
    } else if (this.#keyless() && !isLoopbackHost(host, this.#boundAddresses())) throw new HostNotAllowedError(host);
    if (origin !== undefined && !this.origins.allows(origin, host === undefined ? undefined : `${request.tls ? 'https' : 'http'}://${host}`)) {
      throw new OriginNotAllowedError(origin);
    }
  }
}

/** The guard of a gateway, from its config and keys; `server` says which address it is bound to. */
export function requestGuardFor(ctx: GatewayContext, server: { address(): AddressInfo | string | null }): RequestGuard {
  let bound: string[] | undefined;
  return new RequestGuard({
    origins: OriginPolicy.for(ctx.config.server.corsOrigins, ctx.keys.open),
    keyless: () => ctx.keys.open,
    boundAddresses: () => {
      // A listening server's address does not change, and reading it is a system call: read it once it is there.
      if (bound !== undefined) return bound;
      const address = server.address();
      if (typeof address === 'object' && address !== null) return (bound = [ctx.config.server.host, address.address]);
      return [ctx.config.server.host];
    },
  });
}

/**
 * The guard on every HTTP request, as the first hook. It also takes over
 * Node's check for a missing Host, whose 400 has no body.
 */
export function installRequestGuard(app: FastifyInstance, guard: RequestGuard): void {
  (app.server as { requireHostHeader?: boolean }).requireHostHeader = false;
  app.addHook('onRequest', async (request) => {
    const authority = request.headers[':authority'];
    guard.check({
      host: request.headers.host ?? (typeof authority === 'string' ? authority : undefined),
      origin: request.headers.origin,
      httpVersion: request.raw.httpVersion,
      tls: request.protocol === 'https',
    });
  });
}
