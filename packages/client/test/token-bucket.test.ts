import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from '../src/index.ts';
import { parseDuration, readRateLimitHeaders } from '../src/rate-limit-headers.ts';

function clock(start = 1_000_000) {
  const state = { now: start };
  return { state, now: () => state.now };
}

test('a bucket starts full, refills at its rate and never above capacity', () => {
  const { state, now } = clock();
  const bucket = new TokenBucket({ perMinute: 600, capacity: 10, now }); // 10 a second
  for (let i = 0; i < 10; i++) assert.equal(bucket.tryTake(1), true);
  assert.equal(bucket.tryTake(1), false);
  assert.equal(bucket.waitMs(1), 100);
  state.now += 100;
  assert.equal(bucket.tryTake(1), true);
  state.now += 10_000;
  assert.equal(bucket.level(), 10);
});

test('default capacity is one second of the rate, at least one', () => {
  assert.equal(new TokenBucket({ perMinute: 600 }).capacity, 10);
  assert.equal(new TokenBucket({ perMinute: 6 }).capacity, 1);
  assert.throws(() => new TokenBucket({ perMinute: 0 }), /positive/);
  assert.throws(() => new TokenBucket({ perMinute: Number.NaN }), /positive/);
});

test('a take larger than the capacity goes through when full and leaves debt', () => {
  const { state, now } = clock();
  const bucket = new TokenBucket({ perMinute: 60_000, capacity: 100, now }); // 1 a millisecond
  assert.equal(bucket.tryTake(250), true);
  assert.equal(bucket.level(), -150);
  assert.equal(bucket.waitMs(1), 151);
  state.now += 151;
  assert.equal(bucket.tryTake(1), true);
});

test('pauseUntil empties the bucket and refills nothing before the instant', () => {
  const { state, now } = clock();
  const bucket = new TokenBucket({ perMinute: 600, capacity: 10, now });
  bucket.pauseUntil(state.now + 1000);
  assert.equal(bucket.waitMs(1), 1100);
  state.now += 999;
  assert.equal(bucket.tryTake(1), false);
  state.now += 101;
  assert.equal(bucket.tryTake(1), true);
});

test('adjust refunds and charges; clampTo believes the server', () => {
  const { now } = clock();
  const bucket = new TokenBucket({ perMinute: 6000, capacity: 100, now });
  bucket.adjust(-80);
  assert.equal(bucket.level(), 20);
  bucket.adjust(30);
  assert.equal(bucket.level(), 50);
  bucket.adjust(500);
  assert.equal(bucket.level(), 100, 'refunds stop at capacity');
  bucket.clampTo(7);
  assert.equal(bucket.level(), 7);
  bucket.clampTo(50);
  assert.equal(bucket.level(), 7, 'clamping never adds');
});

test('rate-limit header durations parse as servers write them', () => {
  assert.equal(parseDuration('20ms'), 20);
  assert.equal(parseDuration('1s'), 1000);
  assert.equal(parseDuration('6m0s'), 360_000);
  assert.equal(parseDuration('1h2m3.5s'), 3_723_500);
  assert.equal(parseDuration('2'), 2000);
  assert.equal(parseDuration('soon'), undefined);
  assert.equal(parseDuration('5s and more'), undefined);
  assert.equal(parseDuration(null), undefined);
  const hints = readRateLimitHeaders(
    new Headers({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '250ms', 'x-ratelimit-remaining-tokens': '900' }),
  );
  assert.deepEqual(hints, { requests: { remaining: 0, resetMs: 250 }, tokens: { remaining: 900 } });
});
