import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { chatBody, postChat, startTestGateway } from './helpers/gateway.ts';

const skip = process.env.REDIS_URL ? false : 'REDIS_URL is not set (CI sets it when Redis runs on 127.0.0.1:6379)';
const KEY = 'sk-test-one-at-a-time';
const auth = { authorization: `Bearer ${KEY}` };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('limits.queue over two replicas sharing Redis: first come, first served across them', { skip }, () => {
  let replicas: RunningGateway[] = [];

  before(async () => {
    const config = {
      keys: [{ name: 'one', key: KEY, limits: { concurrency: 1, queue: { maxWaitMs: 20_000 } } }],
      // Places expire three heartbeats unrenewed: 3 s, well past the stalls of a loaded machine.
      redis: { url: process.env.REDIS_URL ?? '', keyPrefix: `sluice-test-${randomBytes(4).toString('hex')}:`, heartbeatMs: 1000 },
    };
    replicas = await Promise.all([startTestGateway(config), startTestGateway(config)]);
  });
  after(() => Promise.all(replicas.map((r) => r.close())));

  test('concurrency 1: requests queued alternately on A and B are admitted in the order they arrived', async () => {
    // A holds the key's one slot while the others arrive.
    const hog = postChat(replicas[0], chatBody({ sim: { tokens: 30, delayMs: 10 } }), auth);
    await sleep(60);
    const order: number[] = [];
    const queued: Promise<void>[] = [];
    for (let i = 0; i < 6; i++) {
      // Alternating, and starting on B: whichever replica frees the slot, the earliest waiter gets it.
      const replica = replicas[(i + 1) % 2];
      queued.push(
        postChat(replica, chatBody({ sim: { tokens: 3, delayMs: 5 } }), auth).then(async (response) => {
          assert.equal(response.status, 200);
          await response.arrayBuffer();
          // One slot: each request runs alone, so the order they end in is the order they were admitted in.
          order.push(i);
        }),
      );
      await sleep(40);
    }
    await (await hog).arrayBuffer();
    await Promise.all(queued);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
  });

  test('a waiter whose client left gives up its place: the next one, on the other replica, is not held behind it', async () => {
    const hog = postChat(replicas[0], chatBody({ sim: { tokens: 20, delayMs: 10 } }), auth);
    await sleep(60);
    const leaving = new AbortController();
    const gone = postChat(replicas[0], chatBody({ sim: { tokens: 3 } }), auth, leaving.signal).catch(() => 'aborted');
    await sleep(40);
    const next = postChat(replicas[1], chatBody({ sim: { tokens: 3 } }), auth);
    await sleep(40);
    leaving.abort();
    assert.equal(await gone, 'aborted');
    await (await hog).arrayBuffer();
    const started = performance.now();
    const response = await next;
    assert.equal(response.status, 200);
    await response.arrayBuffer();
    // Held behind a place nobody renews, it would wait for its expiry (three heartbeats, 3 s).
    assert.ok(performance.now() - started < 1500, `${(performance.now() - started).toFixed(0)} ms after the slot was free`);
  });
});
