/**
 * A real gateway for end-to-end tests, in front of a real simulator upstream
 * over HTTP (so the upstream records every abort). The seed's model names are
 * routed to that upstream at the seed's prices.
 */
import { DEFAULT_PRICES } from '@sluice/protocol';
import { startGateway, startSimServer, type RunningGateway, type SimServer, type SluiceConfigInput } from '@sluice/gateway';

export const API_KEY = 'sk-client-tests-0001';

export interface GatewayRig {
  gateway: RunningGateway;
  sim: SimServer;
  close(): Promise<void>;
}

export async function startGatewayRig(overrides: Partial<SluiceConfigInput> = {}): Promise<GatewayRig> {
  const sim = await startSimServer();
  const config: SluiceConfigInput = {
    keys: [{ name: 'tests', key: API_KEY }],
    providers: [{ id: 'up', type: 'openai-compatible', baseURL: sim.baseURL }],
    models: Object.entries(DEFAULT_PRICES).map(([name, price]) => ({ name, target: `up/${name}`, price: { ...price } })),
    ledger: false,
    logLevel: 'silent',
    // Streams the tests left lingering should not hold the shutdown.
    shutdown: { drainTimeoutMs: 200 },
    ...overrides,
  };
  const gateway = await startGateway({ config, port: 0, host: '127.0.0.1' });
  return {
    gateway,
    sim,
    close: async () => {
      await gateway.close();
      await sim.close();
    },
  };
}

/** Resolves with the upstream request ids that saw their client leave, once `count` have. */
export function upstreamAborts(sim: SimServer, count: number, timeoutMs = 5000): Promise<number[]> {
  const seen: number[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the upstream saw ${seen.length} of ${count} aborts within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = ({ requestId }: { requestId: number }) => {
      seen.push(requestId);
      if (seen.length < count) return;
      clearTimeout(timer);
      sim.events.off('abort', onAbort);
      resolve(seen);
    };
    sim.events.on('abort', onAbort);
  });
}

/**
 * Whether the gateway serves `DELETE /v1/streams/{id}` (resumable streams,
 * issue 5). Until it does, a resumable stream that loses its reader lingers
 * instead of stopping, and cancel tests skip saying so.
 */
export async function gatewayCancelsStreams(rig: GatewayRig): Promise<boolean> {
  const response = await fetch(`${rig.gateway.baseURL}/streams/probe-none`, { method: 'DELETE', headers: { authorization: `Bearer ${API_KEY}` } });
  const text = await response.text();
  return !(response.status === 404 && text.includes('Unknown path'));
}
