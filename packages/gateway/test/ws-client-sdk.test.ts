/**
 * The SDK's WebSocket transport against the real gateway: both sides of
 * `sluice.v1` agree, on one socket, through a socket drop, and on cancel.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simText, startSimServer, type RunningGateway, type SimServer } from '@sluice/gateway';
import { AbortError, SluiceClient } from '@sluice/client';
import { startTestGateway, upstreamProvider } from './helpers/gateway.ts';
import { nextEvent } from './helpers/sse.ts';
import { TcpProxy } from './helpers/tcp-proxy.ts';

const KEY = 'sdk-test-key-0001';
const SIM_PRICE = { input: 1, output: 2 };

const ask = (content: string, sim: object) => ({ model: 'sim/sdk', messages: [{ role: 'user' as const, content }], sim });
const expected = (body: ReturnType<typeof ask>) => simText({ ...body, model: 'sdk' });

describe('the SDK over WebSocket, against the gateway', () => {
  let upstream: SimServer;
  let gateway: RunningGateway;
  let proxy: TcpProxy;
  const clients: SluiceClient[] = [];

  before(async () => {
    upstream = await startSimServer();
    gateway = await startTestGateway({ keys: [{ name: 'sdk', key: KEY }], providers: [upstreamProvider('up', upstream.baseURL), { id: 'sim', type: 'sim', price: SIM_PRICE }] });
    proxy = await TcpProxy.start(Number(new URL(gateway.url).port));
  });
  after(async () => {
    for (const client of clients) client.close();
    await proxy.close();
    await gateway.close();
    await upstream.close();
  });

  function client(viaProxy = false): SluiceClient {
    const baseURL = viaProxy ? `http://127.0.0.1:${proxy.port}/v1` : gateway.baseURL;
    const made = new SluiceClient({ baseURL, apiKey: KEY, transport: 'ws', reconnect: { backoff: { baseMs: 10, maxMs: 50 } } });
    clients.push(made);
    return made;
  }

  test('twenty streams on one socket, each exact, with usage and cost', async () => {
    const sdk = client();
    const bodies = Array.from({ length: 20 }, (_, i) => ask(`prompt ${i}`, { tokens: 25, delayMs: 1 }));
    const finals = await Promise.all(bodies.map((body) => sdk.chat.stream(body).final()));
    finals.forEach((final, i) => {
      assert.equal(final.text, expected(bodies[i]));
      assert.equal(final.transport, 'ws');
      assert.equal(final.usage?.completion_tokens, 25);
      assert.ok(final.cost !== null && final.cost !== undefined && final.cost > 0);
    });
  });

  test('a dropped socket is replaced and every stream resumes where it was, exactly', async () => {
    const sdk = client(true);
    const bodies = Array.from({ length: 5 }, (_, i) => ask(`drop ${i}`, { tokens: 60, delayMs: 5 }));
    const streams = bodies.map((body) => sdk.chat.stream(body));
    // Cut once every stream has produced a few events.
    while ([...gateway.context.registry.live()].filter((g) => g.log.lastSeq >= 4).length < 5) await new Promise((r) => setTimeout(r, 5));
    proxy.down();
    proxy.up();
    const finals = await Promise.all(streams.map((s) => s.final()));
    finals.forEach((final, i) => assert.equal(final.text, expected(bodies[i])));
    assert.ok(finals.every((f) => f.resumes >= 1), 'each stream was resumed');
  });

  test('abort() cancels that stream on the gateway and the upstream; the other goes on', async () => {
    const sdk = client();
    const kept = sdk.chat.stream(ask('kept', { tokens: 30, delayMs: 5 }));
    const dropped = sdk.chat.stream({ ...ask('dropped', { tokens: 100, fault: { stallAfter: 2 } }), model: 'up/m' });
    const aborted = nextEvent<{ tokensSent: number }>(upstream.events, 'abort');
    let count = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of dropped) if (++count === 2) dropped.abort();
      })(),
      AbortError,
    );
    assert.equal((await aborted).tokensSent, 2, 'the stalled upstream was aborted');
    assert.equal((await kept.final()).text, expected(ask('kept', { tokens: 30, delayMs: 5 })));
  });
});
