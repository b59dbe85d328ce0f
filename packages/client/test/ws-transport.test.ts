/**
 * The WebSocket transport against a small sluice.v1 server: many streams
 * share one socket, a dropped socket is replaced and every stream on it
 * resumes exactly, abort sends `cancel`, and an injected WebSocket class
 * (the `ws` package, as on Node 20) works like the global one.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { WebSocket as NodeWs } from 'ws';
import { AbortError, ConnectionError, SluiceClient, type SluiceClientOptions } from '../src/index.ts';
import { startPlainUpstream, tokensOf } from './helpers/plain-upstream.ts';
import { startWsTestServer, type WsTestServer } from './helpers/ws-test-server.ts';

const words = (content: string) => tokensOf(`${content} `.repeat(20).trim());
const servers: Array<{ close(): Promise<void> }> = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function setup(options: Partial<SluiceClientOptions> = {}, delayMs = 2): Promise<{ server: WsTestServer; client: SluiceClient }> {
  const server = await startWsTestServer(words, delayMs);
  servers.push(server);
  const client = new SluiceClient({ baseURL: server.baseURL, apiKey: 'sk-test', transport: 'ws', reconnect: { backoff: { baseMs: 10, maxMs: 50 } }, ...options });
  return { server, client };
}

const ask = (content: string) => ({ model: 'm', messages: [{ role: 'user' as const, content }] });

test('twenty streams share one socket and each arrives exactly, with usage and cost', async () => {
  const { server, client } = await setup();
  const finals = await Promise.all(Array.from({ length: 20 }, (_, i) => client.chat.stream(ask(`s${i}`)).final()));
  finals.forEach((final, i) => {
    assert.equal(final.text, words(`s${i}`).join(''));
    assert.equal(final.usage?.completion_tokens, 20);
    assert.equal(final.cost, 0.000001);
    assert.equal(final.transport, 'ws');
    assert.match(final.streamId ?? '', /^stream-/);
  });
  assert.equal(server.connections(), 1);
  const protocols = server.received.filter((m) => m.type === 'request').length;
  assert.equal(protocols, 20);
  client.close();
});

test('when the socket drops mid-stream, a new one opens and every stream resumes from its last seq', async () => {
  const { server, client } = await setup({}, 10);
  const streams = Array.from({ length: 10 }, (_, i) => client.chat.stream(ask(`r${i}`)));
  // Drop once every stream is under way (a fixed delay would race a busy machine).
  void (async () => {
    while (server.progress().streams < 10 || server.progress().fewestEvents < 2) await new Promise((r) => setTimeout(r, 2));
    server.dropAllSockets();
  })();
  const finals = await Promise.all(streams.map((s) => s.final()));
  finals.forEach((final, i) => assert.equal(final.text, words(`r${i}`).join('')));
  assert.equal(server.connections(), 2);
  const resumes = server.received.filter((m) => m.type === 'resume');
  assert.equal(resumes.length, 10);
  assert.ok(resumes.every((m) => m.type === 'resume' && m.after > 0 && m.token === `token-${m.streamId}`), 'resumed after what each had, with its token');
  assert.equal(client.stats().resumes, 10);
  assert.ok(finals.every((f) => f.resumes === 1));
  client.close();
});

test('abort() sends cancel for the stream on the socket; the others go on', async () => {
  const { server, client } = await setup({}, 5);
  const kept = client.chat.stream(ask('kept'));
  const dropped = client.chat.stream(ask('dropped'));
  let count = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of dropped) if (++count === 2) dropped.abort();
    })(),
    AbortError,
  );
  assert.equal((await kept.final()).text, words('kept').join(''));
  for (let i = 0; i < 50 && server.cancelled().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(server.cancelled(), [dropped.streamId]);
  client.close();
});

test('an injected WebSocket class (the ws package, as Node 20 needs) works the same', async () => {
  const { client } = await setup({ WebSocket: NodeWs });
  assert.equal((await client.chat.stream(ask('injected')).final()).text, words('injected').join(''));
  client.close();
});

test("'ws' against a server without sluice.v1 fails with a ConnectionError; 'auto' falls back to SSE", async () => {
  const plain = await startPlainUpstream((body) => ({ kind: 'stream', tokens: tokensOf(String(body.messages[0].content)) }));
  servers.push(plain);
  const strict = new SluiceClient({ baseURL: plain.baseURL, transport: 'ws', maxRetries: 0 });
  await assert.rejects(strict.chat.stream(ask('hello there')).final(), ConnectionError);
  strict.close();
  const auto = new SluiceClient({ baseURL: plain.baseURL, transport: 'auto' });
  const final = await auto.chat.stream(ask('hello there')).final();
  assert.equal(final.text, 'hello there');
  assert.equal(final.transport, 'sse');
  auto.close();
});

test('after close(), new streams fail at once instead of reconnecting', async () => {
  const { client } = await setup();
  await client.chat.stream(ask('before')).final();
  client.close();
  await assert.rejects(client.chat.stream(ask('after')).final(), AbortError);
});
