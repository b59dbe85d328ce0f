/**
 * A request body cannot hold a connection forever: the key is checked when
 * the headers arrive, so an upload without one is refused before its body
 * is read, and every request (headers and body) must arrive within
 * `server.requestTimeoutMs`, over HTTP/1.1 and HTTP/2 alike.
 */
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { chatBody, postChat, startTestGateway } from './helpers/gateway.ts';
import { connectH2 } from './helpers/h2.ts';
import { rawHttp, wireErrorOf } from './helpers/raw-http.ts';
import { readSse } from './helpers/sse.ts';

const TIMEOUT_MS = 600;
const KEY = 'sk-deadline-0123456789';

function portOf(gateway: RunningGateway): number {
  return Number(new URL(gateway.url).port);
}

function connections(gateway: RunningGateway): Promise<number> {
  return new Promise((resolve, reject) => gateway.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

/** The head of a POST whose body is to come (or never does). */
function head(port: number, length: number, extra = ''): string {
  return `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;
}

describe('request deadlines over HTTP/1.1', () => {
  let keyed: RunningGateway;
  let open: RunningGateway;

  before(async () => {
    keyed = await startTestGateway({ keys: [{ name: 'app', key: KEY }], server: { requestTimeoutMs: TIMEOUT_MS } });
    open = await startTestGateway({ server: { requestTimeoutMs: TIMEOUT_MS } });
  });
  after(async () => {
    await keyed.close();
    await open.close();
  });

  test('an upload without a key is refused at the headers, before its body', async () => {
    // Headers and the first bytes of a 100 KB body; the rest never comes.
    const answer = await rawHttp(portOf(keyed), [head(portOf(keyed), 100_000), '{"model":'], { waitMs: TIMEOUT_MS / 2 });
    assert.equal(answer.status, 401);
    assert.equal(wireErrorOf(answer)?.code, 'invalid_api_key');
    assert.equal(answer.headers.connection, 'close');
    assert.ok((answer.firstByteMs ?? Infinity) < TIMEOUT_MS / 2, 'answered at once, not after the body or the deadline');
  });

  test("the other APIs' uploads are refused at the headers too, in their own error shape", async () => {
    const port = portOf(keyed);
    for (const path of ['/v1/messages', '/v1/responses']) {
      const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`;
      const answer = await rawHttp(port, [head, '{"model":'], { waitMs: TIMEOUT_MS / 2 });
      assert.equal(answer.status, 401, path);
      assert.match(answer.body, /authentication_error/, path);
      assert.ok((answer.firstByteMs ?? Infinity) < TIMEOUT_MS / 2, `${path}: answered at once`);
    }
  });

  test('a body that never finishes is cut at the deadline with a 408, and its connection closed', async () => {
    const started = performance.now();
    const answer = await rawHttp(portOf(open), [head(portOf(open), 5_000), '{"model":"sim/x",'], { waitMs: 5_000 });
    const elapsed = performance.now() - started;
    assert.equal(answer.status, 408);
    assert.equal(wireErrorOf(answer)?.code, 'request_timeout');
    assert.ok(answer.closed, 'the server closed the connection');
    assert.ok(elapsed >= TIMEOUT_MS - 50 && elapsed < TIMEOUT_MS + 1500, `cut after ${elapsed.toFixed(0)} ms`);
  });

  test('forty trickling uploads, with a key or not, leave no connection behind after the deadline', async () => {
    const body = JSON.stringify(chatBody());
    const trickle = (gateway: RunningGateway, headers: string) => {
      const bytes = [head(portOf(gateway), body.length + 10, headers), ...body.split('')];
      return rawHttp(portOf(gateway), bytes, { delayMs: 100, waitMs: 5_000 });
    };
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, () => trickle(open, '')),
      ...Array.from({ length: 20 }, () => trickle(keyed, `Authorization: Bearer ${KEY}\r\n`)),
    ]);
    assert.ok(answers.every((a) => a.closed && a.status === 408), answers.map((a) => a.status).join(','));
    for (const gateway of [open, keyed]) assert.equal(await connections(gateway), 0);
  });

  test('an upload that arrives within the deadline, however slowly, is served', async () => {
    const body = JSON.stringify(chatBody({ stream: true, sim: { tokens: 3 } }));
    const third = Math.ceil(body.length / 3);
    const answer = await rawHttp(portOf(open), [head(portOf(open), body.length), body.slice(0, third), body.slice(third, 2 * third), body.slice(2 * third)], { delayMs: TIMEOUT_MS / 5, waitMs: 10_000, until: (raw) => raw.includes('data: [DONE]') });
    assert.equal(answer.status, 200, answer.raw);
    assert.match(answer.body, /data: \[DONE\]/);
  });

  test('a stream that lasts longer than the deadline is not cut: the deadline is for the request', async () => {
    const sse = await readSse(await postChat(open, chatBody({ stream: true, sim: { tokens: 10, delayMs: TIMEOUT_MS / 5 } })));
    assert.equal(sse.data.at(-1), '[DONE]');
  });
});

describe('request deadlines over HTTP/2', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startTestGateway({ server: { http2: 'h2c', requestTimeoutMs: TIMEOUT_MS } });
  });
  after(() => gateway.close());

  test('a stream whose body never ends is reset at the deadline', async () => {
    const session = await connectH2(gateway.url);
    try {
      const stream = session.request({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' });
      stream.write('{"model":"sim/x",');
      const started = performance.now();
      const code = await new Promise<number>((resolve) => stream.once('close', () => resolve(stream.rstCode ?? -1)));
      const elapsed = performance.now() - started;
      assert.equal(code, constants.NGHTTP2_CANCEL);
      assert.ok(elapsed < TIMEOUT_MS + 1000, `reset after ${elapsed.toFixed(0)} ms`);
    } finally {
      session.close();
    }
  });
});
