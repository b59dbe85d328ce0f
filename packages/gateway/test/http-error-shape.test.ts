/**
 * Where sluice controls the response, errors are in the one shape, with
 * the status: requests Node cannot parse, headers too large, an Expect it
 * does not meet, a bad URL, and WebSocket upgrades `ws` refuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { startTestGateway } from './helpers/gateway.ts';
import { rawHttp, responseComplete, wireErrorOf, type RawAnswer } from './helpers/raw-http.ts';

function assertShape(answer: RawAnswer, status: number, code: string): void {
  assert.equal(answer.status, status, answer.raw.slice(0, 300));
  assert.match(answer.headers['content-type'] ?? '', /^application\/json/);
  const error = wireErrorOf(answer);
  assert.ok(error, `an OpenAI error body: ${answer.body}`);
  assert.equal(error.code, code);
  assert.equal(typeof error.type, 'string');
  assert.ok('param' in error);
}

describe('errors the HTTP layer raises, in the OpenAI shape', () => {
  let gateway: RunningGateway;
  let port: number;
  const host = () => `Host: 127.0.0.1:${port}\r\n`;
  const upgrade = (method: string, headers: string) =>
    rawHttp(port, [`${method} /v1/chat/stream HTTP/1.1\r\n${host()}Connection: Upgrade\r\nUpgrade: websocket\r\n${headers}\r\n`]);

  before(async () => {
    gateway = await startTestGateway();
    port = Number(new URL(gateway.url).port);
  });
  after(() => gateway.close());

  test('431 for headers too large', async () => {
    assertShape(await rawHttp(port, [`GET /v1/models HTTP/1.1\r\n${host()}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`]), 431, 'headers_too_large');
  });

  test('400 for a request that is not HTTP', async () => {
    assertShape(await rawHttp(port, ['HELLO THERE\r\n\r\n']), 400, 'malformed_request');
    assertShape(await rawHttp(port, [`POST /v1/chat/completions HTTP/1.1\r\n${host()}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`]), 400, 'malformed_request');
  });

  test('400 for an HTTP/1.1 request without a Host', async () => {
    assertShape(await rawHttp(port, ['GET /v1/models HTTP/1.1\r\n\r\n'], { until: responseComplete }), 400, 'malformed_request');
  });

  test('417 for an Expect other than 100-continue', async () => {
    assertShape(await rawHttp(port, [`POST /v1/chat/completions HTTP/1.1\r\n${host()}Expect: the-unexpected\r\nContent-Length: 2\r\n\r\n{}`]), 417, 'expectation_failed');
  });

  test('400 for a URL that does not decode', async () => {
    assertShape(await rawHttp(port, [`GET /v1/streams/%zz HTTP/1.1\r\n${host()}\r\n`]), 400, 'invalid_request');
  });

  test('405 for a WebSocket upgrade that is not a GET', async () => {
    const answer = await upgrade('POST', 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n');
    assertShape(answer, 405, 'method_not_allowed');
    assert.equal(answer.headers.allow, 'GET');
  });

  test('400 for a WebSocket upgrade ws finds malformed', async () => {
    assertShape(await upgrade('GET', 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: not-a-key\r\n'), 400, 'invalid_request');
    const version = await upgrade('GET', 'Sec-WebSocket-Version: 7\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n');
    assertShape(version, 400, 'invalid_request');
    assert.equal(version.headers['sec-websocket-version'], '13, 8');
    assertShape(await upgrade('GET', 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: a,,b\r\n'), 400, 'invalid_request');
  });

  test('the gateway still answers after all of that', async () => {
    const answer = await rawHttp(port, [`GET /healthz HTTP/1.1\r\n${host()}Connection: close\r\n\r\n`]);
    assert.equal(answer.status, 200);
  });
});
