import { createServer } from 'node:net';
import { startGateway, startSimServer, type RunningGateway, type SimServer, type SluiceConfigInput } from '@sluice/gateway';
import type { Logger } from 'pino';

/**
 * A real gateway on a free loopback port, quiet and without a ledger file
 * unless the test asks for one.
 */
export function startTestGateway(config: SluiceConfigInput = {}, options: { logLevel?: string; logger?: Logger } = {}): Promise<RunningGateway> {
  return startGateway({ config: { ledger: false, ...config }, port: 0, logLevel: options.logLevel ?? 'silent', logger: options.logger });
}

/** An upstream provider entry pointing the gateway at an OpenAI-compatible base URL. */
export function upstreamProvider(id: string, baseURL: string): { id: string; type: 'openai-compatible'; baseURL: string } {
  return { id, type: 'openai-compatible', baseURL };
}

export function chatBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'sim/test', messages: [{ role: 'user', content: 'Tell me about rivers.' }], ...extra };
}

export function postChat(gateway: RunningGateway, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

/** A real gateway in front of a real HTTP simulator (provider `up`), which records every request and abort. */
export interface UpstreamRig {
  gateway: RunningGateway;
  upstream: SimServer;
  close(): Promise<void>;
}

export async function startGatewayWithUpstream(config: SluiceConfigInput = {}, upSettings: Record<string, unknown> = {}, options: { logger?: Logger } = {}): Promise<UpstreamRig> {
  const upstream = await startSimServer();
  const gateway = await startTestGateway({ ...config, providers: [{ ...upstreamProvider('up', upstream.baseURL), ...upSettings }, ...(config.providers ?? [])] }, options);
  return {
    gateway,
    upstream,
    close: async () => {
      await gateway.close();
      await upstream.close();
    },
  };
}

/** A loopback port with nothing listening on it: an upstream that cannot be reached. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
