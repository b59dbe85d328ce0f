import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { RunningGateway } from '@sluice/gateway';
import { chatBody, postChat, startTestGateway } from './helpers/gateway.ts';
import { noRedisServer as skip, scriptCalls, startRedis, type OwnRedis } from './helpers/redis-server.ts';
import { readSse } from './helpers/sse.ts';

const KEY = 'sk-test-every-limit';
/** Every kind of limit on the key, none of them near: each request takes from both buckets, holds a lease and a budget reservation. */
const LIMITS = { rpm: 100_000, tpm: 100_000_000, concurrency: 100, budget: { usd: 1000, period: 'day' as const } };

describe('Redis round trips a budgeted stream costs: at most 2 plus one per 256 output tokens', { skip }, () => {
  let redis: OwnRedis;
  let client: Redis;
  let gateway: RunningGateway;

  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    gateway = await startTestGateway({
      keys: [{ name: 'limited', key: KEY, limits: LIMITS }],
      models: [{ name: 'priced', target: 'sim/priced', price: { input: 1, output: 2 } }],
      redis: { url: redis.url, keyPrefix: 'trips:' },
    });
  });
  after(async () => {
    await gateway.close();
    client.disconnect();
    redis.child.kill('SIGKILL');
  });

  /** One stream of `tokens` simulated words read to its end: the script calls it cost in this Redis, and the completion tokens it was billed for. */
  async function streamCost(tokens: number): Promise<{ calls: number; completion: number }> {
    const before = await scriptCalls(client);
    const response = await postChat(gateway, chatBody({ model: 'priced', stream: true, stream_options: { include_usage: true }, sim: { tokens } }), { authorization: `Bearer ${KEY}` });
    assert.equal(response.status, 200);
    const { events } = await readSse(response);
    assert.equal(events.at(-1)!.data, '[DONE]');
    const usage = events.map((e) => /"completion_tokens":(\d+)/.exec(e.data)).find((m) => m !== null);
    assert.ok(usage, 'the stream reports its usage');
    // Settlement goes out as the stream ends: wait for the count to stop moving.
    let calls = (await scriptCalls(client)) - before;
    for (let settled = false; !settled; ) {
      await new Promise((r) => setTimeout(r, 50));
      const now = (await scriptCalls(client)) - before;
      settled = now === calls;
      calls = now;
    }
    return { calls, completion: Number(usage[1]) };
  }

  test('a 2,000-token stream, and shorter ones, within the budget', async () => {
    // The first call of each script loads it (a NOSCRIPT answer, then EVAL): not the cost of a request.
    await streamCost(300);
    for (const tokens of [2000, 600, 20]) {
      const { calls, completion } = await streamCost(tokens);
      const budget = 2 + Math.ceil(completion / 256);
      assert.ok(calls <= budget, `${completion} output tokens cost ${calls} round trips (budget ${budget})`);
      assert.ok(calls >= 2, 'admission and settlement are counted');
    }
  });
});
