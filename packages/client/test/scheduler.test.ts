import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AbortError, QueueFullError, Scheduler, type Lease, type Priority } from '../src/index.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('maxConcurrent holds the rest in line until a lease is released', async () => {
  const scheduler = new Scheduler({ maxConcurrent: 2 });
  const granted: number[] = [];
  const leases: Lease[] = [];
  for (let i = 0; i < 5; i++) {
    void scheduler.acquire({ tokens: 1 }).then((lease) => {
      granted.push(i);
      leases.push(lease);
    });
  }
  await tick();
  assert.deepEqual(granted, [0, 1]);
  assert.equal(scheduler.active, 2);
  assert.equal(scheduler.queued, 3);
  leases[0].release();
  leases[0].release(); // twice is once
  await tick();
  assert.deepEqual(granted, [0, 1, 2]);
  assert.equal(scheduler.active, 2);
});

test('priority lanes go first; within a lane first come, first served', async () => {
  const scheduler = new Scheduler({ maxConcurrent: 1 });
  const blocker = await scheduler.acquire({ tokens: 1 });
  const order: string[] = [];
  const enqueue = (name: string, priority: Priority) =>
    scheduler.acquire({ tokens: 1, priority }).then((lease) => {
      order.push(name);
      lease.release();
    });
  const all = [enqueue('low-1', 'low'), enqueue('normal-1', 'normal'), enqueue('high-1', 'high'), enqueue('normal-2', 'normal'), enqueue('high-2', 'high'), enqueue('low-2', 'low')];
  blocker.release();
  await Promise.all(all);
  assert.deepEqual(order, ['high-1', 'high-2', 'normal-1', 'normal-2', 'low-1', 'low-2']);
});

test('a full queue refuses with QueueFullError; an unknown lane is a TypeError', async () => {
  const scheduler = new Scheduler({ maxConcurrent: 1, maxQueue: 2 });
  await scheduler.acquire({ tokens: 1 });
  void scheduler.acquire({ tokens: 1 });
  void scheduler.acquire({ tokens: 1 });
  await assert.rejects(scheduler.acquire({ tokens: 1 }), (error) => error instanceof QueueFullError && error.code === 'queue_full');
  const other = new Scheduler({ maxConcurrent: 1 });
  await assert.rejects(other.acquire({ tokens: 1, priority: 'urgent' as Priority }), TypeError);
  assert.throws(() => new Scheduler({ maxConcurrent: 0 }), /maxConcurrent/);
  assert.throws(() => new Scheduler({ rpm: -1 }), /rpm/);
});

test('an aborted waiter leaves the queue and the next one moves up', async () => {
  const scheduler = new Scheduler({ maxConcurrent: 1 });
  const first = await scheduler.acquire({ tokens: 1 });
  const controller = new AbortController();
  const abandoned = scheduler.acquire({ tokens: 1, signal: controller.signal });
  const next = scheduler.acquire({ tokens: 1 });
  controller.abort();
  await assert.rejects(abandoned, AbortError);
  assert.equal(scheduler.queued, 1);
  first.release();
  const lease = await next;
  assert.equal(scheduler.active, 1);
  lease.release();
});

test('rpm paces admissions: never faster than the rate after the burst', async () => {
  // 100 a second with a burst of 2: 12 admissions need at least 100 ms.
  const scheduler = new Scheduler({ rpm: 6000, burstSeconds: 0.02 });
  const started = performance.now();
  const times: number[] = [];
  await Promise.all(Array.from({ length: 12 }, () => scheduler.acquire({ tokens: 0 }).then((lease) => {
    times.push(performance.now() - started);
    lease.release();
  })));
  assert.ok(times[11] >= 95, `12 admissions at 100/s with a burst of 2 took ${times[11].toFixed(1)} ms`);
});

test('tpm holds a large request until the bucket allows it, and real usage refunds the estimate', async () => {
  const scheduler = new Scheduler({ tpm: 60_000, burstSeconds: 0.1 }); // 1 token/ms, 100 at once
  const big = await scheduler.acquire({ tokens: 100 });
  big.release(20); // used 20 of the 100 estimated: 80 come back
  const started = performance.now();
  const next = await scheduler.acquire({ tokens: 80 });
  assert.ok(performance.now() - started < 50, 'the refund admitted the next request without waiting for a refill');
  next.release();
  const starved = performance.now();
  await scheduler.acquire({ tokens: 100 });
  assert.ok(performance.now() - starved >= 15, 'the bucket had to refill');
});

test('pause (a 429) admits nothing until the advised time has passed', async () => {
  const scheduler = new Scheduler({ rpm: 60_000 });
  scheduler.pause(150);
  const started = performance.now();
  const lease = await scheduler.acquire({ tokens: 0 });
  assert.ok(performance.now() - started >= 145, `admitted after ${performance.now() - started} ms`);
  lease.release();
});

test('x-ratelimit headers: none remaining pauses until the reset', async () => {
  const scheduler = new Scheduler({ rpm: 60_000 });
  scheduler.observe(new Headers({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '120ms' }));
  const started = performance.now();
  (await scheduler.acquire({ tokens: 0 })).release();
  assert.ok(performance.now() - started >= 115, `admitted after ${performance.now() - started} ms`);
});

test('a retry spends another request from the rpm bucket', async () => {
  const scheduler = new Scheduler({ rpm: 600, burstSeconds: 0.2 }); // capacity 2, 10 a second
  const lease = await scheduler.acquire({ tokens: 0 });
  await lease.again();
  const started = performance.now();
  await lease.again();
  assert.ok(performance.now() - started >= 95, 'the third request waited for a refill');
  lease.release();
});
