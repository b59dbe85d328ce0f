import { startSimServer, type RunningGateway, type SimServer, type SluiceConfigInput } from '@sluice/gateway';
import { chatBody, postChat, startTestGateway, upstreamProvider } from './gateway.ts';
import { readSse } from './sse.ts';

/** One loopback upstream standing for a deployment, counting what it received and what was aborted. */
export interface CountedUpstream {
  /** The provider id the gateway knows it by. */
  id: string;
  server: SimServer;
  requests: number;
  aborts: number;
}

/** `ids.length` simulators, each a provider of its own (`<id>/m` is its model). */
export async function startUpstreams(ids: readonly string[]): Promise<CountedUpstream[]> {
  return Promise.all(
    ids.map(async (id) => {
      const server = await startSimServer();
      const upstream: CountedUpstream = { id, server, requests: 0, aborts: 0 };
      server.events.on('request', () => upstream.requests++);
      server.events.on('abort', () => upstream.aborts++);
      return upstream;
    }),
  );
}

/** A gateway whose providers are these upstreams, with the rest of the config given. */
export function gatewayOver(upstreams: readonly CountedUpstream[], config: SluiceConfigInput): Promise<RunningGateway> {
  return startTestGateway({ ...config, providers: [...upstreams.map((u) => upstreamProvider(u.id, u.server.baseURL)), ...(config.providers ?? [])] });
}

export async function closeAll(gateways: readonly RunningGateway[], upstreams: readonly CountedUpstream[]): Promise<void> {
  for (const gateway of gateways) await gateway.close();
  for (const upstream of upstreams) await upstream.server.close();
}

/** A streamed request read to its end: status, headers, and the SSE data. */
export async function streamOnce(gateway: RunningGateway, model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await postChat(gateway, chatBody({ model, stream: true, sim: { tokens: 3 }, ...extra }), headers);
  const sse = response.status === 200 ? await readSse(response) : { data: [], events: [], comments: [] };
  return { status: response.status, headers: response.headers, data: sse.data, body: response.status === 200 ? null : ((await response.json()) as { error: { code: string } }) };
}

/** Run `count` requests, `concurrency` at a time. */
export async function inParallel(count: number, concurrency: number, run: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await run(next++);
    }),
  );
}

/** Poll until `check` holds, failing after `ms`. */
export async function eventually(check: () => boolean, ms = 5000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
