import type { Caller } from '../auth/key-ring.ts';

/** The queue a caller's requests wait in when over their limits (`limits.queue`, the key's or else its team's); undefined: they are refused at once. */
export function queueOf(caller: Caller): { maxWaitMs: number } | undefined {
  return caller.limits?.queue ?? caller.team?.limits?.queue;
}
