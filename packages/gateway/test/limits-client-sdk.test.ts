import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SluiceClient } from '@sluice/client';
import type { RunningGateway } from '@sluice/gateway';
import { startTestGateway } from './helpers/gateway.ts';

describe('the client SDK paces itself by the gateway limits', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startTestGateway({ keys: [{ name: 'sixty', key: 'sk-test-sixty', limits: { rpm: 60 } }] });
  });
  after(() => gateway.close());

  test('past rpm, the SDK waits the retry-after-ms the gateway computed and gets through, without hammering it', async () => {
    const statuses: number[] = [];
    const counting: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      statuses.push(response.status);
      return response;
    };
    const client = new SluiceClient({ baseURL: gateway.baseURL, apiKey: 'sk-test-sixty', transport: 'sse', fetch: counting, maxRetries: 5 });
    const body = { model: 'sim/x', messages: [{ role: 'user' as const, content: 'hi' }], sim: { tokens: 1 } };
    const started = performance.now();
    for (let i = 0; i < 62; i++) await client.chat.create(body as never);
    const elapsed = performance.now() - started;
    assert.equal(statuses.filter((s) => s === 200).length, 62, 'every request got through');
    // 60 a minute is one a second: the last two each waited for a refill the gateway said when to expect.
    const refused = statuses.filter((s) => s === 429).length;
    assert.ok(refused >= 1 && refused <= 3, `${refused} refusals: the SDK retried when told, not before`);
    assert.ok(elapsed > 900, `${elapsed.toFixed(0)} ms`);
  });
});
