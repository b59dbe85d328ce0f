/**
 * HTTP/1.1 framing abuse on raw connections: malformed request lines and
 * headers, conflicting lengths, broken chunking, pipelined garbage, bodies
 * that are slow or never end. Whatever arrives, an answer is never a 5xx,
 * an error answer is in the OpenAI shape, and the gateway is left as it was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { rawHttp, responseComplete } from '../helpers/raw-http.ts';
import { assertClientAnswer, assertHealthy, REQUEST_TIMEOUT_MS, runs, SEED, useFuzzGateway } from './harness.ts';

const fuzz = useFuzzGateway();

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
/** Any bytes, as the latin1 text they are sent as. */
const noise = fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('latin1'));
const method = fc.oneof({ arbitrary: fc.constantFrom('GET', 'POST', 'POST', 'DELETE', 'OPTIONS', 'PUT', 'HEAD'), weight: 5 }, { arbitrary: fc.constantFrom('TRACE', 'PRI', 'get', 'CONNECT'), weight: 1 }, { arbitrary: token, weight: 1 });
const requestTarget = fc.oneof(
  { arbitrary: fc.constantFrom('/v1/chat/completions', '/v1/streams', '/v1/models', '/healthz'), weight: 4 },
  { arbitrary: fc.constantFrom('/metrics', '/readyz', '/v1/streams/AAAAAAAAAAAAAAAAAAAAAAAA?after=-1', '/v1/streams/x?token=y', '*', 'http://evil.example/v1/models', '/%zz', '/v1/../../etc/passwd', '//v1//models', `/v1/streams/${'a'.repeat(3000)}`), weight: 2 },
  noise.map((n) => `/${n}`),
);
const version = fc.oneof({ arbitrary: fc.constant('HTTP/1.1'), weight: 6 }, fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/9.9', 'HTTP/1', ''));
const header = fc.oneof(
  { arbitrary: fc.constantFrom('Content-Type: application/json', 'Accept: */*', 'Connection: keep-alive', 'User-Agent: fuzz/1', 'X-Sluice-Resumable: 1', 'Last-Event-ID: 3'), weight: 8 },
  fc.constantFrom(
    'Content-Length: 10',
    'Content-Length: -1',
    'Content-Length: abc',
    'Content-Length: 1e3',
    'Content-Length: 99999999999999999999',
    'Transfer-Encoding: chunked',
    'Transfer-Encoding: gzip, chunked',
    'Transfer-Encoding: chunked, identity',
    'Transfer-Encoding:  chunked',
    'Expect: 100-continue',
    'Expect: 200-ok',
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Upgrade: h2c',
    'Content-Type: application/json',
    'Content-Type: text/plain',
    'Authorization: Bearer x',
    'Authorization: Basic',
    'Origin: https://evil.example',
    'Origin: null',
    'Host: evil.example',
    'Host:',
    ' folded: continuation',
    'X-Null: a\u0000b',
    'Bad Header: space in name',
    ':authority: nope',
  ),
  fc.tuple(token, noise).map(([name, value]) => `${name}: ${value}`),
  { arbitrary: fc.integer({ min: 8_000, max: 40_000 }).map((size) => `X-Large: ${'h'.repeat(size)}`), weight: 1 },
);
const body = fc.oneof(
  { arbitrary: fc.constant(''), weight: 2 },
  fc.constant('{"model":"sim/x","messages":[{"role":"user","content":"hi"}],"sim":{"tokens":2}}'),
  fc.constantFrom('0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n', 'zz\r\nhello\r\n', 'ffffffffffffffff\r\n', '3;ext=1\r\nabc\r\n0\r\n\r\n', '2\r\nabc\r\n'),
  noise,
);

/** How a body is framed: by its length, chunked, not at all, or with a length that lies. */
const framing = fc.oneof({ arbitrary: fc.constantFrom('length', 'chunked'), weight: 4 }, fc.constantFrom('none', 'long', 'short'));

function framed(body: string, how: string): { headers: string[]; bytes: string } {
  const length = Buffer.byteLength(body, 'latin1');
  switch (how) {
    case 'length':
      return { headers: [`Content-Length: ${length}`], bytes: body };
    case 'chunked':
      return { headers: ['Transfer-Encoding: chunked'], bytes: `${length === 0 ? '' : `${length.toString(16)}\r\n${body}\r\n`}0\r\n\r\n` };
    case 'long':
      return { headers: [`Content-Length: ${Math.floor(length / 2)}`], bytes: body };
    case 'short':
      return { headers: [`Content-Length: ${length + 7}`], bytes: body };
    default:
      return { headers: [], bytes: body };
  }
}

/** One malformed exchange: a request line, headers in any order and number, a framed body, maybe a second request on the same connection. */
const exchange = fc
  .record({
    method,
    target: requestTarget,
    version,
    headers: fc.array(header, { maxLength: 5 }),
    withHost: fc.oneof({ arbitrary: fc.constant(true), weight: 5 }, fc.constant(false)),
    body,
    framing,
    close: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, fc.constant(false)),
    pipelined: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, noise),
  })
  .map((e) => {
    const { headers, bytes } = framed(e.body, e.framing);
    const lines = [`${e.method} ${e.target} ${e.version}`.trimEnd(), ...(e.withHost ? [`Host: 127.0.0.1:${fuzz.port}`] : []), ...e.headers, ...headers, ...(e.close ? ['Connection: close'] : [])];
    const text = `${lines.join('\r\n')}\r\n\r\n${bytes}${e.pipelined === undefined ? '' : `GET /healthz HTTP/1.1\r\n${e.pipelined}\r\n\r\n`}`;
    return Object.assign({ text, method: e.method }, { [fc.toStringMethod]: () => JSON.stringify(text.length > 400 ? `${text.slice(0, 400)}…` : text) });
  });

test(`malformed HTTP/1.1 exchanges (seed ${SEED})`, async () => {
  await fc.assert(
    fc.asyncProperty(exchange, async ({ text, method }) => {
      const answer = await rawHttp(fuzz.port, [Buffer.from(text, 'latin1')], { waitMs: REQUEST_TIMEOUT_MS + 1_500, until: responseComplete });
      // HEAD answers carry no body, so no error body to check.
      if (method !== 'HEAD') assertClientAnswer(answer, JSON.stringify(text.slice(0, 200)));
      else assert.ok(answer.status === null || answer.status < 500, `HEAD answered ${answer.status}`);
      await assertHealthy(fuzz.gateway, fuzz.baseline);
    }),
    runs(250),
  );
});

/** A body sent in pieces: in time, too slowly, or never finished. */
const slowBody = fc.record({ pieces: fc.integer({ min: 1, max: 6 }), gapMs: fc.integer({ min: 0, max: REQUEST_TIMEOUT_MS }), finishes: fc.boolean(), keyed: fc.boolean() });

test(`slow and endless bodies (seed ${SEED})`, async () => {
  const payload = '{"model":"sim/slow","messages":[{"role":"user","content":"take your time"}],"sim":{"tokens":2}}';
  await fc.assert(
    fc.asyncProperty(slowBody, async ({ pieces, gapMs, finishes }) => {
      const size = Math.ceil(payload.length / pieces);
      const parts = Array.from({ length: pieces }, (_, i) => payload.slice(i * size, (i + 1) * size));
      const sent = finishes ? parts : parts.slice(0, -1);
      const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${fuzz.port}\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n`;
      const answer = await rawHttp(fuzz.port, [head, ...sent], { delayMs: gapMs, waitMs: REQUEST_TIMEOUT_MS + pieces * gapMs + 1_500 });
      assertClientAnswer(answer, `${pieces} pieces ${gapMs} ms apart${finishes ? '' : ', never finished'}`);
      // Half the deadline to spare for a busy machine; well past it, the body cannot have arrived in time.
      const inTime = finishes && (pieces - 1) * gapMs < REQUEST_TIMEOUT_MS / 2;
      const tooSlow = !finishes || (pieces - 1) * gapMs > REQUEST_TIMEOUT_MS + 300;
      if (inTime) assert.equal(answer.status, 200);
      if (tooSlow) assert.equal(answer.status, 408);
      assert.ok(answer.closed, 'the connection was closed');
      await assertHealthy(fuzz.gateway, fuzz.baseline);
    }),
    runs(12),
  );
});
