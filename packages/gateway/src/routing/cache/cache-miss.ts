import { ErrorCodes } from '@sluice/protocol';
import { GatewayError } from '../../errors/index.ts';

/** The cache has no answer (or the generation it followed failed first): the request goes to its upstreams. Never reaches a client. */
export class CacheMissError extends GatewayError {
  constructor() {
    super(404, ErrorCodes.upstreamError, 'cache_miss', 'No cached answer.', false);
  }
}
