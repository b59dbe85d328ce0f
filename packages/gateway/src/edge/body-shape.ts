import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../errors/index.ts';
import { findShapeProblem } from '../request/json-depth.ts';

/**
 * Every JSON body, whichever API it is for, is refused with a 400 naming
 * the field when it nests deeper than any request needs (or carries a
 * `__proto__` key), before a route maps it: the mappers and the upstream's
 * serialiser walk it recursively and would fail on it as a server error.
 * (WebSocket bodies get the same check in the chat request's validation.)
 */
export function installBodyShapeCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (typeof request.body !== 'object' || request.body === null) return;
    const problem = findShapeProblem(request.body);
    if (problem !== null) throw new InvalidRequestError(`${problem.field}: ${problem.message}.`, problem.field);
  });
}
