import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simText, type RunningGateway, type SimServer } from '@sluice/gateway';
import { chatBody, postChat, upstreamProvider, startGatewayWithUpstream, type UpstreamRig, unusedPort } from './helpers/gateway.ts';
import { readSse, textOf } from './helpers/sse.ts';


describe('routing: aliases, prices and failover', () => {
  let upstream: SimServer;
  let gateway: RunningGateway;
  let rig: UpstreamRig;

  before(async () => {
    rig = await startGatewayWithUpstream({
      providers: [upstreamProvider('dead', `http://127.0.0.1:${await unusedPort()}/v1`)],
      models: [
        { name: 'resilient', target: 'dead/big', fallbacks: ['backup'], price: { input: 1, output: 2 } },
        { name: 'backup', target: 'up/small', price: { input: 10, output: 20 } },
        { name: 'strict', target: 'up/small', fallbacks: ['up/spare'] },
      ],
      retries: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 100 },
    });
    ({ upstream, gateway } = rig);
  });
  after(() => rig.close());

  test('an unreachable primary fails over before the first token; the client sees one clean stream', async () => {
    const body = chatBody({ model: 'resilient', stream: true, stream_options: { include_usage: true }, sim: { tokens: 10 } });
    const sse = await readSse(await postChat(gateway, body));
    assert.equal(textOf(sse.data), simText({ ...body, model: 'small' } as never));
    const usage = (JSON.parse(sse.data.at(-2)!) as { usage: { prompt_tokens: number; completion_tokens: number; cost: number } }).usage;
    // Billed at the price of the target that served it.
    assert.equal(usage.cost, Math.round(((usage.prompt_tokens * 10 + usage.completion_tokens * 20) / 1e6) * 1e8) / 1e8);
  });

  test('an upstream that refuses the model fails over; a request it finds malformed does not', async () => {
    const refused = await postChat(gateway, chatBody({ model: 'strict', stream: true, sim: { tokens: 4, fault: { status: 404, key: 'route-404', times: 1 } } }));
    assert.equal(refused.status, 200);
    assert.equal((await readSse(refused)).data.at(-1), '[DONE]');
    const malformed = await postChat(gateway, chatBody({ model: 'strict', stream: true, sim: { fault: { status: 400 } } }));
    assert.equal(malformed.status, 400);
  });

  test('the models list shows aliases, owners, prices and fallbacks', async () => {
    const list = (await (await fetch(`${gateway.baseURL}/models`)).json()) as { data: { id: string; owned_by: string; pricing: object; fallbacks?: string[] }[] };
    const resilient = list.data.find((m) => m.id === 'resilient');
    assert.deepEqual(resilient, { id: 'resilient', object: 'model', created: 0, owned_by: 'dead', pricing: { input: 1, output: 2 }, fallbacks: ['backup'] });
    assert.deepEqual(list.data.map((m) => m.id).sort(), ['backup', 'resilient', 'strict']);
  });
});
