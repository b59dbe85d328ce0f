import type { SimServer } from '@sluice/gateway';

/** Counts the requests the simulator serves at once while `run` runs: the most it saw. */
export async function mostAtOnce(upstream: SimServer, run: () => Promise<void>): Promise<number> {
  let open = 0;
  let most = 0;
  const opened = () => {
    open++;
    most = Math.max(most, open);
  };
  const closed = () => open--;
  upstream.events.on('request', opened);
  upstream.events.on('complete', closed);
  upstream.events.on('abort', closed);
  try {
    await run();
  } finally {
    upstream.events.off('request', opened);
    upstream.events.off('complete', closed);
    upstream.events.off('abort', closed);
  }
  return most;
}
