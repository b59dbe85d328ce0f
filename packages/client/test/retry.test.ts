import assert from 'node:assert/strict';
import { test } from 'node:test';
import { abortReason, fullJitterDelay, sleep } from '../src/backoff.ts';
import { errorFromWire } from '../src/errors.ts';
import { AbortError, ConnectionError, RetryPolicy, TimeoutError } from '../src/index.ts';

const wire = { message: 'x', type: 'api_error', param: null, code: null };

test('full jitter draws from the whole range [0, min(max, base·2ⁿ))', () => {
  const options = { baseMs: 100, maxMs: 1000 };
  assert.equal(fullJitterDelay(0, options, () => 0), 0);
  assert.equal(fullJitterDelay(0, options, () => 0.999), 99);
  assert.equal(fullJitterDelay(3, options, () => 0.5), 400);
  assert.equal(fullJitterDelay(10, options, () => 0.999), 999, 'capped at maxMs');
  const draws = Array.from({ length: 2000 }, () => fullJitterDelay(2, options));
  assert.ok(draws.every((d) => d >= 0 && d < 400));
  // Full jitter, not a ±25 % wobble: some draws land in the lowest tenth of the range.
  assert.ok(draws.some((d) => d < 40), 'draws reach the bottom of the range');
  assert.ok(draws.some((d) => d > 360), 'draws reach the top of the range');
});

test('the policy retries 408, 409, 429, 5xx and network failures, nothing else', () => {
  const policy = new RetryPolicy({ maxRetries: 2 }, () => 0.5);
  for (const status of [408, 409, 429, 500, 502, 503, 504]) {
    assert.equal(policy.decide(errorFromWire(status, wire), 0).retry, true, `status ${status}`);
  }
  for (const status of [400, 401, 403, 404, 413, 422]) {
    assert.equal(policy.decide(errorFromWire(status, wire), 0).retry, false, `status ${status}`);
  }
  assert.equal(policy.decide(new ConnectionError('reset'), 0).retry, true);
  assert.equal(policy.decide(new TimeoutError('connect', 10), 0).retry, true);
  assert.equal(policy.decide(new AbortError(), 0).retry, false);
  assert.equal(policy.decide(new TypeError('a bug'), 0).retry, false);
});

test('at most maxRetries retries', () => {
  const policy = new RetryPolicy({ maxRetries: 2 });
  const error = new ConnectionError('reset');
  assert.equal(policy.decide(error, 0).retry, true);
  assert.equal(policy.decide(error, 1).retry, true);
  assert.equal(policy.decide(error, 2).retry, false);
  assert.equal(new RetryPolicy({ maxRetries: 0 }).decide(error, 0).retry, false);
  assert.throws(() => new RetryPolicy({ maxRetries: -1 }), /maxRetries/);
});

test('server advice sets the delay; unreasonable advice falls back to backoff', () => {
  const policy = new RetryPolicy({ backoff: { baseMs: 500, maxMs: 8000 } }, () => 0.5);
  const advised = policy.decide(errorFromWire(429, wire, new Headers({ 'retry-after-ms': '1234' })), 0);
  assert.deepEqual(advised, { retry: true, delayMs: 1234, advised: true });
  const seconds = policy.decide(errorFromWire(503, wire, new Headers({ 'retry-after': '3' })), 1);
  assert.deepEqual(seconds, { retry: true, delayMs: 3000, advised: true });
  const tooLong = policy.decide(errorFromWire(429, wire, new Headers({ 'retry-after': '3600' })), 1);
  assert.deepEqual(tooLong, { retry: true, delayMs: 500, advised: false });
  const none = policy.decide(new ConnectionError('reset'), 2);
  assert.equal(none.retry, false);
});

test('sleep rejects with the abort reason, at once', async () => {
  const controller = new AbortController();
  const slept = sleep(60_000, controller.signal);
  const reason = new TimeoutError('idle', 5);
  controller.abort(reason);
  await assert.rejects(slept, (error) => error === reason);
  const plain = new AbortController();
  plain.abort();
  await assert.rejects(sleep(10, plain.signal), AbortError);
  assert.ok(abortReason(plain.signal) instanceof AbortError);
});
