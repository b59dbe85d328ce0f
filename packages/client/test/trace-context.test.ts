/**
 * A request's own W3C trace context goes on the wire the way the gateway
 * reads it: `traceparent`/`tracestate` headers over SSE and for create(),
 * fields of the request message over WebSocket (one socket, many traces).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SluiceClient } from '../src/index.ts';
import { startPlainUpstream, tokensOf, type PlainUpstream } from './helpers/plain-upstream.ts';
import { startWsTestServer, type WsTestServer } from './helpers/ws-test-server.ts';

const servers: Array<PlainUpstream | WsTestServer> = [];
after(() => Promise.all(servers.map((s) => s.close())));

const ask = (content: string) => ({ model: 'm', messages: [{ role: 'user' as const, content }] });
const trace = (n: number) => `00-${String(n).padStart(32, 'a')}-${String(n).padStart(16, 'b')}-01`;

test('over SSE and create(), each request sends its own traceparent and tracestate, and one without sends none', async () => {
  // create() is answered 400, which it does not retry: what matters is what its request carried.
  const upstream = await startPlainUpstream((body) => (body.stream === true ? { kind: 'stream', tokens: tokensOf('one two three') } : { kind: 'error', status: 400, body: '{"error":{"message":"no","type":"invalid_request_error","code":null,"param":null}}' }));
  servers.push(upstream);
  const client = new SluiceClient({ baseURL: upstream.baseURL, transport: 'sse' });
  await client.chat.stream(ask('a'), { trace: { traceparent: trace(1), tracestate: 'vendor=1' } }).final();
  await client.chat.stream(ask('b'), { trace: { traceparent: trace(2) } }).final();
  await client.chat.stream(ask('c')).final();
  await assert.rejects(client.chat.create(ask('d'), { trace: { traceparent: trace(5), tracestate: 'vendor=5' } }));
  const seen = upstream.requests.map((r) => [r.headers.traceparent, r.headers.tracestate]);
  assert.deepEqual(seen, [
    [trace(1), 'vendor=1'],
    [trace(2), undefined],
    [undefined, undefined],
    [trace(5), 'vendor=5'],
  ]);
  client.close();
});

test('over WebSocket, requests sharing one socket each carry their own trace context in the request message', async () => {
  const server = await startWsTestServer((content) => tokensOf(`${content} x y`));
  servers.push(server);
  const client = new SluiceClient({ baseURL: server.baseURL, apiKey: 'sk-test', transport: 'ws' });
  await Promise.all([
    client.chat.stream(ask('a'), { trace: { traceparent: trace(3), tracestate: 'vendor=3' } }).final(),
    client.chat.stream(ask('b'), { trace: { traceparent: trace(4) } }).final(),
    client.chat.stream(ask('c')).final(),
  ]);
  assert.equal(server.connections(), 1);
  const requests = server.received.filter((m) => m.type === 'request');
  const byContent = new Map(requests.map((m) => [String((m as { body: { messages: { content: string }[] } }).body.messages[0].content), m as { traceparent?: string; tracestate?: string }]));
  assert.deepEqual([byContent.get('a')?.traceparent, byContent.get('a')?.tracestate], [trace(3), 'vendor=3']);
  assert.deepEqual([byContent.get('b')?.traceparent, byContent.get('b')?.tracestate], [trace(4), undefined]);
  assert.deepEqual([byContent.get('c')?.traceparent, byContent.get('c')?.tracestate], [undefined, undefined]);
  client.close();
});
