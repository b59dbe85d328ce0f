/**
 * Streams that survive anything: through a proxy that cuts connections
 * after random byte counts, 50 streams over SSE and 50 over one WebSocket
 * each arrive exactly (text and usage); through a proxy that refuses
 * WebSocket upgrades, 'auto' falls back to SSE.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { simText } from '@sluice/gateway';
import { SluiceClient, type SluiceClientOptions } from '../src/index.ts';
import { startChaosProxy } from './helpers/chaos-proxy.ts';
import { API_KEY, startGatewayRig, type GatewayRig } from './helpers/gateway.ts';

let rig: GatewayRig;
let noResume: string | false = false;
let noWebSocket: string | false = false;
before(async () => {
  rig = await startGatewayRig();
  const probe = await fetch(`${rig.gateway.baseURL}/streams/probe-none`, { headers: { authorization: `Bearer ${API_KEY}` } });
  if (probe.status === 404 && (await probe.text()).includes('Unknown path')) noResume = 'the gateway has no GET /v1/streams/{id} yet (issue 5): nothing to resume';
  const opened = await new Promise<boolean>((resolve) => {
    const socket = new WebSocket(`${rig.gateway.baseURL.replace('http', 'ws')}/chat/stream`, ['sluice.v1', `bearer.${API_KEY}`]);
    socket.onopen = () => {
      resolve(socket.protocol === 'sluice.v1');
      socket.close();
    };
    socket.onerror = () => resolve(false);
  });
  if (!opened) noWebSocket = 'the gateway does not serve the sluice.v1 WebSocket yet';
});
after(() => rig.close());

const request = (i: number) => ({
  model: 'gpt-4.1',
  messages: [{ role: 'user' as const, content: `chaos stream number ${i}` }],
  sim: { seed: i, tokens: 150, delayMs: 1 },
});

const resilient: Partial<SluiceClientOptions> = {
  apiKey: API_KEY,
  maxRetries: 10,
  retry: { backoff: { baseMs: 10, maxMs: 100 } },
  reconnect: { maxAttempts: 40, backoff: { baseMs: 10, maxMs: 200 } },
};

async function runThroughChaos(transport: 'sse' | 'ws', cutAfterBytes: { min: number; max: number }, seed: number) {
  const proxy = await startChaosProxy({ target: rig.gateway.url, cutAfterBytes, seed });
  const client = new SluiceClient({ baseURL: `${proxy.url}/v1`, transport, ...resilient });
  try {
    const finals = await Promise.all(Array.from({ length: 50 }, (_, i) => client.chat.stream(request(i)).final()));
    finals.forEach((final, i) => {
      assert.equal(final.text, simText(request(i)), `stream ${i} arrived exactly`);
      assert.ok(final.usage && final.usage.completion_tokens === 150, `stream ${i} has its usage`);
      assert.equal(final.transport, transport);
    });
    const stats = client.stats();
    assert.ok(proxy.stats.cuts > 0 && stats.resumes > 0, 'connections were cut and streams resumed');
    return { cuts: proxy.stats.cuts, resumes: stats.resumes };
  } finally {
    client.close();
    await proxy.close();
  }
}

test('50 streams over SSE through a proxy that cuts connections: every text exact, every usage present', async (t) => {
  if (noResume) return t.skip(noResume);
  const { cuts, resumes } = await runThroughChaos('sse', { min: 1500, max: 12_000 }, 11);
  t.diagnostic(`${cuts} cuts, ${resumes} resumes`);
});

test('50 streams over one WebSocket through a proxy that cuts connections: every text exact, every usage present', async (t) => {
  if (noResume || noWebSocket) return t.skip(noResume || noWebSocket || '');
  const { cuts, resumes } = await runThroughChaos('ws', { min: 20_000, max: 150_000 }, 12);
  t.diagnostic(`${cuts} cuts, ${resumes} resumes`);
});

test("a proxy that refuses WebSocket upgrades: 'auto' falls back to SSE once and for all, and streams", async () => {
  const proxy = await startChaosProxy({ target: rig.gateway.url, refuseUpgrades: true });
  const client = new SluiceClient({ baseURL: `${proxy.url}/v1`, apiKey: API_KEY, transport: 'auto' });
  try {
    const first = await Promise.all([1, 2].map((i) => client.chat.stream(request(i)).final()));
    const later = await client.chat.stream(request(3)).final();
    for (const [i, final] of [...first, later].entries()) {
      assert.equal(final.text, simText(request(i + 1)));
      assert.equal(final.transport, 'sse');
    }
    assert.equal(proxy.stats.refusedUpgrades, 1, 'the upgrade was tried once, for the life of the client');
    assert.equal(client.transport, 'sse');
  } finally {
    client.close();
    await proxy.close();
  }
});
