import type { FastifyReply } from 'fastify';

/**
 * Aborts when the client's connection closes before its response was sent
 * (it left while the request waited). A response that was sent whole closes
 * without aborting: nothing waits on the signal by then, and an abort makes
 * a DOMException with its stack, which every finished request would pay.
 */
export function clientSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const res = reply.raw;
  if (res.destroyed) controller.abort();
  else res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
