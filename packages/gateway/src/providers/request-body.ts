import { InvalidRequestError } from '../errors/index.ts';

/**
 * The upstream request body as JSON, made before any connection is opened,
 * so that a body that cannot be serialised is the client's error (400,
 * never retried, never failed over) rather than an upstream outage.
 * Validation already refuses bodies nested too deep; this is the last guard.
 */
export function serialiseRequest(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch (error) {
    throw new InvalidRequestError(`The request body cannot be serialised for the upstream: ${(error as Error).message}.`);
  }
}
