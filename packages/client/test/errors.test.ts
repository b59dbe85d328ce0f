import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorFromWire, retryAfterMs, statusForCode } from '../src/errors.ts';
import { APIError, AuthenticationError, NotFoundError, RateLimitError, SluiceError } from '../src/index.ts';

const body = (code: string | null) => ({ message: 'nope', type: 'invalid_request_error', param: null, code });

test('errorFromWire picks the class by status and keeps the wire fields', () => {
  const auth = errorFromWire(401, body('invalid_api_key'));
  assert.ok(auth instanceof AuthenticationError && auth instanceof APIError && auth instanceof SluiceError);
  assert.equal(auth.status, 401);
  assert.equal(auth.code, 'invalid_api_key');
  assert.equal(auth.retryable, false);
  assert.equal(auth.message, 'nope');
  assert.equal(auth.name, 'AuthenticationError');
  assert.ok(errorFromWire(403, body(null)) instanceof AuthenticationError);
  assert.ok(errorFromWire(404, body('model_not_found')) instanceof NotFoundError);
  const limited = errorFromWire(429, body('rate_limit_exceeded'), new Headers({ 'retry-after': '2' }));
  assert.ok(limited instanceof RateLimitError);
  assert.equal(limited.retryAfterMs, 2000);
  assert.equal(limited.retryable, true);
  const server = errorFromWire(503, undefined);
  assert.equal(server.constructor, APIError);
  assert.equal(server.code, 'http_503');
  assert.equal(server.message, 'HTTP 503');
  assert.equal(server.retryable, true);
  assert.equal(errorFromWire(400, body(null)).retryable, false);
});

test('x-should-retry overrides the status rule, both ways', () => {
  assert.equal(errorFromWire(400, body(null), new Headers({ 'x-should-retry': 'true' })).retryable, true);
  assert.equal(errorFromWire(503, body(null), new Headers({ 'x-should-retry': 'false' })).retryable, false);
});

test('retry-after-ms wins over retry-after; seconds and HTTP dates are read; junk is ignored', () => {
  assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '150', 'retry-after': '9' })), 150);
  assert.equal(retryAfterMs(new Headers({ 'retry-after': '1.5' })), 1500);
  const date = new Date(Date.now() + 5000).toUTCString();
  const fromDate = retryAfterMs(new Headers({ 'retry-after': date }))!;
  assert.ok(fromDate > 3000 && fromDate <= 5000, `date gave ${fromDate}`);
  assert.equal(retryAfterMs(new Headers({ 'retry-after': 'soon' })), undefined);
  assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '-5' })), undefined);
  assert.equal(retryAfterMs(new Headers()), undefined);
  assert.equal(retryAfterMs(undefined), undefined);
});

test('WebSocket error codes map to the statuses their HTTP twins would have', () => {
  assert.equal(statusForCode('invalid_api_key'), 401);
  assert.equal(statusForCode('rate_limit_exceeded'), 429);
  assert.equal(statusForCode('stream_not_found'), 404);
  assert.equal(statusForCode('upstream_unavailable'), 503);
  assert.equal(statusForCode('something_new'), 500);
  assert.equal(statusForCode(null), 500);
});
