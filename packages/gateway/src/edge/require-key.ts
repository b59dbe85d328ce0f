import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Caller, KeyRing } from '../auth/key-ring.ts';
import { InternalError } from '../errors/index.ts';

const callers = new WeakMap<FastifyRequest, Caller>();

/**
 * A route's key check, done when the headers have arrived, before any of
 * the body is read: an upload without a valid key is refused at once (and
 * read no further than the lingering close needs), instead of being
 * received whole first. `KeyRing.authenticate` stays the one place keys
 * are checked.
 */
export function requireKey(keys: KeyRing): onRequestAsyncHookHandler {
  return requireCaller((request) => keys.authenticate(request.headers.authorization));
}

/** The same check for an API that reads its key its own way (Anthropic's `x-api-key`), through the KeyRing too. */
export function requireCaller(authenticate: (request: FastifyRequest) => Caller): onRequestAsyncHookHandler {
  return async (request) => {
    callers.set(request, authenticate(request));
  };
}

/** The caller `requireKey` let in. */
export function callerOf(request: FastifyRequest): Caller {
  const caller = callers.get(request);
  if (caller === undefined) throw new InternalError('This route reads its caller without requireKey in its onRequest hooks.');
  return caller;
}
