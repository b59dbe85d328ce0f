import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SluiceClient } from '@sluice/client';
import type { RunningGateway } from '@sluice/gateway';
import { startTestGateway } from './helpers/gateway.ts';

describe('the client SDK paces itself by the gateway limits', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startTestGateway({ keys: [{ name: 'twelve', key: 'sk-test-twelve', limits: { rpm: 12 } }] });
  });
  after(() => gateway.close());

  test('past rpm, the SDK waits the retry-after-ms the gateway computed, once, and gets through', { timeout: 30_000 }, async () => {
    // Twelve a minute: the burst is spent at once, and the next request refills in five seconds.
    const burst = await Promise.all(Array.from({ length: 12 }, () => fetch(`${gateway.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test-twelve' }, body: JSON.stringify({ model: 'sim/x', messages: [{ role: 'user', content: 'hi' }], sim: { tokens: 1 } }) })));
    assert.ok(burst.every((r) => r.status === 200));
    await Promise.all(burst.map((r) => r.arrayBuffer()));
    const statuses: number[] = [];
    const counting: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      statuses.push(response.status);
      return response;
    };
    const client = new SluiceClient({ baseURL: gateway.baseURL, apiKey: 'sk-test-twelve', transport: 'sse', fetch: counting, maxRetries: 5 });
    const started = performance.now();
    await client.chat.create({ model: 'sim/x', messages: [{ role: 'user', content: 'hi' }], sim: { tokens: 1 } } as never);
    const waited = performance.now() - started;
    assert.deepEqual(statuses, [429, 200], 'one refusal, then the retry at the time the gateway gave');
    assert.ok(waited > 3000, `${waited.toFixed(0)} ms`);
  });
});
