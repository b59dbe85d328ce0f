import type { FastifyReply } from 'fastify';

/** Aborts when the client's connection closes before its response was sent (it left while the request waited). */
export function clientSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const res = reply.raw;
  if (res.destroyed) controller.abort();
  else res.once('close', () => controller.abort());
  return controller.signal;
}
