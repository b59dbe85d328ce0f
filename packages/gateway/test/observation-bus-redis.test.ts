import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { RedisObservationBus } from '../src/health/redis-observation-bus.ts';
import type { Observation } from '../src/health/observation-bus.ts';

const skip = process.env.REDIS_URL ? false : 'REDIS_URL is not set (CI sets it when Redis runs on 127.0.0.1:6379)';

// A verdict is observed as an upstream's first events arrive; its PUBLISH goes out after that turn,
// so the client's first frame is not written behind a syscall to Redis. Nothing may be lost or reordered.
describe('the Redis observation bus sends a turn\'s verdicts after the turn, together', { skip }, () => {
  const keyPrefix = `sluice-test-${randomBytes(4).toString('hex')}:`;
  const onError = (error: unknown) => assert.fail(String(error));
  let sender: RedisObservationBus;
  let hearer: RedisObservationBus;
  before(async () => {
    sender = new RedisObservationBus({ url: process.env.REDIS_URL!, keyPrefix, onError });
    hearer = new RedisObservationBus({ url: process.env.REDIS_URL!, keyPrefix, onError });
    await Promise.all([sender.ready, hearer.ready]);
  });
  after(() => Promise.all([sender.close(), hearer.close()]));

  test('three verdicts made in one turn arrive at another replica, all of them, in order', async () => {
    const heard: Observation[] = [];
    hearer.subscribe((observation) => heard.push(observation));
    const made: Observation[] = [
      { deployment: 'a/m', ok: true, at: 1 },
      { deployment: 'b/m', ok: false, at: 2, retryAfterMs: 500 },
      { deployment: 'a/m', ok: false, at: 3 },
    ];
    for (const observation of made) sender.publish(observation);
    const deadline = Date.now() + 5000;
    while (heard.length < made.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(heard, made);
  });

  test('a verdict made just before close is still sent', async () => {
    const heard: Observation[] = [];
    hearer.subscribe((observation) => heard.push(observation));
    const late = new RedisObservationBus({ url: process.env.REDIS_URL!, keyPrefix, onError });
    await late.ready;
    late.publish({ deployment: 'c/m', ok: true, at: 4 });
    await late.close();
    const deadline = Date.now() + 5000;
    while (heard.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(heard, [{ deployment: 'c/m', ok: true, at: 4 }]);
  });
});
