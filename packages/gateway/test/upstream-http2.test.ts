/**
 * Providers with `http2: true`: streams multiplexed over one HTTP/2
 * connection to the upstream (h2c on http, ALPN on https), a slow reader
 * pausing only its own stream, and a client that leaves resetting only its
 * own stream (RST_STREAM), the connection and the other streams going on.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { makeTestCertificate } from './helpers/certificate.ts';
import { chatBody, postChat, startTestGateway } from './helpers/gateway.ts';
import { h2Text, startH2Upstream, type H2Upstream } from './helpers/h2-upstream.ts';
import { readSse, textOf } from './helpers/sse.ts';
import { H2ClientSet } from '../src/providers/http/h2-client-set.ts';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ask(tokens: number): Record<string, unknown> {
  return chatBody({ model: 'h2/m', stream: true, messages: [{ role: 'user', content: `tokens=${tokens}` }] });
}

/** A raw HTTP/1.1 client that reads the response head and a little more, then stops reading. */
async function stalledClient(gateway: RunningGateway, body: object): Promise<Socket> {
  const url = new URL(gateway.url);
  const socket = connect(Number(url.port), url.hostname);
  const json = JSON.stringify(body);
  socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
  await new Promise<void>((resolve) => {
    let received = 0;
    socket.on('data', (bytes: Buffer) => {
      received += bytes.length;
      if (received > 4096) {
        socket.pause();
        resolve();
      }
    });
  });
  return socket;
}

describe('an http2: true provider over h2c', () => {
  let upstream: H2Upstream;
  let gateway: RunningGateway;

  before(async () => {
    upstream = await startH2Upstream();
    gateway = await startTestGateway({ providers: [{ id: 'h2', type: 'openai-compatible', baseURL: upstream.baseURL, http2: true }] });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  test('concurrent streams share one HTTP/2 connection, each exact', async () => {
    // The first stream opens the connection (streams sent while it is being opened may open more).
    assert.equal(textOf((await readSse(await postChat(gateway, ask(10)))).data), h2Text(10));
    const before = upstream.sessions();
    const answers = await Promise.all([40, 80, 120, 160].map(async (tokens) => ({ tokens, sse: await readSse(await postChat(gateway, ask(tokens))) })));
    for (const { tokens, sse } of answers) {
      assert.equal(textOf(sse.data), h2Text(tokens));
      assert.equal(sse.data.at(-1), '[DONE]');
    }
    assert.equal(upstream.sessions(), before, 'four streams at once opened no connection');
    assert.equal(new Set(upstream.streams.map((s) => s.session)).size, 1);
  });

  test('a client that stops reading pauses its own upstream stream only; when it leaves, only that stream is reset', async () => {
    const total = 200_000;
    const stalled = await stalledClient(gateway, ask(total));
    const slow = upstream.streams.at(-1)!;
    await sleep(1000);
    const sentWhileStalled = slow.sent;
    // Another stream on the same connection flows meanwhile.
    const other = await readSse(await postChat(gateway, ask(300)));
    assert.equal(textOf(other.data), h2Text(300));
    const fast = upstream.streams.at(-1)!;
    assert.equal(fast.session, slow.session, 'both streams ran on one connection');
    assert.ok(slow.sent < total / 4, `the upstream wrote ${slow.sent} of ${total} tokens to a stalled client`);
    assert.ok(slow.sent - sentWhileStalled < total / 20, 'and the stalled stream stayed paused while the other one ran');
    assert.equal(slow.rstCode, null, 'the paused stream is still open');

    stalled.destroy();
    for (let i = 0; i < 100 && slow.rstCode === null; i++) await sleep(20);
    assert.equal(slow.aborted, true, 'the stream was reset (RST_STREAM) before its end');
    const sessions = upstream.sessions();
    const after = await readSse(await postChat(gateway, ask(50)));
    assert.equal(textOf(after.data), h2Text(50));
    assert.equal(upstream.sessions(), sessions, 'the connection outlived the reset stream');
    assert.equal(fast.aborted, false, 'the stream that ran to its end was not reset');
  });
});

test('a burst of lasting streams in one turn (a sluice.v1 socket\'s 64) all start, 100 to a connection', async (t) => {
  const upstream = await startH2Upstream();
  const connections = new H2ClientSet(new URL(upstream.baseURL).origin, { streamsPerConnection: 100 });
  const leave = new AbortController();
  t.after(async () => {
    leave.abort();
    await connections.close();
    await upstream.close();
  });
  const total = 1000;
  for (let burst = 0; burst < total / 50; burst++) {
    for (let i = 0; i < 50; i++) {
      const body = JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'tokens=1 hold=60000' }] });
      void connections.request({ method: 'POST', path: '/v1/chat/completions', idempotent: true, headers: { 'content-type': 'application/json' }, body, signal: leave.signal }).catch(() => {});
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (let i = 0; i < 100 && upstream.streams.length < total; i++) await sleep(50);
  assert.equal(upstream.streams.length, total, 'every stream reached the upstream (none queued behind a full connection)');
  assert.equal(connections.connections, total / 100);
});

describe('an http2: true provider over TLS (ALPN), trusting a caFile', () => {
  let upstream: H2Upstream;
  let gateway: RunningGateway;

  before(async () => {
    const certificate = makeTestCertificate();
    upstream = await startH2Upstream({ key: readFileSync(certificate.keyPath, 'utf8'), cert: certificate.cert });
    gateway = await startTestGateway({ providers: [{ id: 'h2', type: 'openai-compatible', baseURL: upstream.baseURL, http2: true, caFile: certificate.certPath }] });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  test('streams exactly over h2 negotiated by ALPN', async () => {
    const sse = await readSse(await postChat(gateway, ask(64)));
    assert.equal(textOf(sse.data), h2Text(64));
    assert.deepEqual(upstream.protocols, ['h2']);
  });

  test('an upstream that offers only HTTP/1.1 is refused with a clear error, not pipelined into', async () => {
    const certificate = makeTestCertificate();
    const h1 = createHttpsServer({ key: readFileSync(certificate.keyPath), cert: certificate.cert }, (_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => h1.listen(0, '127.0.0.1', resolve));
    const only = await startTestGateway({ providers: [{ id: 'h2', type: 'openai-compatible', baseURL: `https://127.0.0.1:${(h1.address() as { port: number }).port}/v1`, http2: true, caFile: certificate.certPath }] });
    try {
      const response = await postChat(only, ask(5));
      assert.equal(response.status, 502);
      const error = ((await response.json()) as { error: { code: string; message: string } }).error;
      assert.equal(error.code, 'upstream_unavailable');
      assert.match(error.message, /ERR_UPSTREAM_NOT_H2/);
    } finally {
      await only.close();
      h1.close();
    }
  });
});
