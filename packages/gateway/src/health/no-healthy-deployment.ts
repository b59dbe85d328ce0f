import { ErrorCodes } from '@sluice/protocol';
import { GatewayError } from '../errors/index.ts';

/** Every deployment a request could go to has its breaker open: fail fast, and say when one opens again. */
export class NoHealthyDeploymentError extends GatewayError {
  constructor(model: string, retryAfterMs: number) {
    super(503, ErrorCodes.noHealthyDeployment, 'server_error', `Every deployment of "${model}" is failing and has been taken out of service; retry after ${Math.ceil(retryAfterMs / 1000)} s.`, true, {
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
    });
  }
}

/** No first token within the deployment's `firstTokenTimeoutMs`: the attempt is abandoned for the next deployment. */
export class FirstTokenTimeoutError extends GatewayError {
  constructor(target: string, timeoutMs: number) {
    super(504, ErrorCodes.firstTokenTimeout, 'upstream_error', `${target} produced no first token within ${timeoutMs} ms.`, true);
  }
}
