import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simText, startSimServer, type RunningGateway, type SimServer } from '@sluice/gateway';
import type { WsAcceptedMessage, WsChunkMessage, WsDoneMessage, WsErrorMessage } from '@sluice/protocol';
import { chatBody, startTestGateway, upstreamProvider } from './helpers/gateway.ts';
import { assertPromptly, nextEvent } from './helpers/sse.ts';
import { chunkText, closed, MultiplexClient } from './helpers/ws.ts';

const BODY_LIMIT = 64 * 1024;
const MAX_STREAMS = 4;

describe('WebSocket sluice.v1: many requests on one socket', () => {
  let upstream: SimServer;
  let gateway: RunningGateway;
  let client: MultiplexClient;

  before(async () => {
    upstream = await startSimServer();
    gateway = await startTestGateway({
      server: { bodyLimitBytes: BODY_LIMIT },
      providers: [upstreamProvider('up', upstream.baseURL)],
      ws: { maxStreamsPerSocket: MAX_STREAMS },
    });
    client = await MultiplexClient.connect(gateway);
  });
  after(async () => {
    client.ws.terminate();
    await gateway.close();
    await upstream.close();
  });

  test('echoes the subprotocol; answers accepted, then numbered chunks, then done with usage and cost', async () => {
    assert.equal(client.ws.protocol, 'sluice.v1');
    const body = chatBody({ model: 'sim/ws', sim: { tokens: 12 } });
    const capture = await client.request('first', body);
    const accepted = capture.messages[0] as WsAcceptedMessage;
    assert.equal(accepted.type, 'accepted');
    assert.ok(accepted.streamId.length >= 22);
    assert.equal(typeof accepted.token, 'string', 'resumable by default, so it carries its token');
    assert.equal(chunkText(capture.chunks), simText({ ...body, model: 'ws' } as never));
    for (const chunk of capture.chunks) {
      assert.equal(chunk.data.id, `chatcmpl-${accepted.streamId}`);
      assert.equal(chunk.data.object, 'chat.completion.chunk');
    }
    const done = capture.end as WsDoneMessage;
    assert.equal(done.type, 'done');
    assert.deepEqual(
      [...capture.chunks.map((c) => c.seq), done.seq],
      Array.from({ length: capture.chunks.length + 1 }, (_, i) => i + 1),
    );
    assert.equal(done.usage?.completion_tokens, 12);
    assert.equal(done.cost, 0);
    assert.ok(capture.chunks.every((c) => c.data.usage === undefined), 'no usage chunk unless asked');
  });

  test('requests interleave on the socket, each with its own numbering and exact text', async () => {
    const a = chatBody({ model: 'sim/ws', messages: [{ role: 'user', content: 'a' }], sim: { tokens: 20, delayMs: 3 } });
    const b = chatBody({ model: 'sim/ws', messages: [{ role: 'user', content: 'b' }], sim: { tokens: 20, delayMs: 3 } });
    const start = client.all.length;
    const [ca, cb] = await Promise.all([client.request('a', a), client.request('b', b)]);
    assert.equal(chunkText(ca.chunks), simText({ ...a, model: 'ws' } as never));
    assert.equal(chunkText(cb.chunks), simText({ ...b, model: 'ws' } as never));
    for (const capture of [ca, cb]) assert.deepEqual(capture.chunks.map((c) => c.seq), capture.chunks.map((_, i) => i + 1));
    const order = client.all.slice(start).filter((m) => m.type === 'chunk').map((m) => (m as WsChunkMessage).id);
    const switches = order.filter((id, i) => i > 0 && id !== order[i - 1]).length;
    assert.ok(switches > 4, `the two streams' chunks interleave (${switches} switches)`);
  });

  test('cancel stops that request\'s upstream within 50 ms and answers cancelled; the others go on', async () => {
    const other = client.request('goes-on', chatBody({ model: 'sim/ws', sim: { tokens: 30, delayMs: 5 } }));
    let attempt = 0;
    await assertPromptly('upstream abort after a cancel', 50, async () => {
      const id = `to-cancel-${++attempt}`;
      const cancelled = client.ended(id);
      // A stalled upstream sends nothing more, so only an active abort ends it.
      client.send({ type: 'request', id, body: chatBody({ model: 'up/m', sim: { tokens: 100, fault: { stallAfter: 2 } } }) });
      await client.next((m) => m.type === 'chunk' && m.id === id && m.seq === 2);
      const aborted = nextEvent<{ tokensSent: number }>(upstream.events, 'abort');
      const cutAt = performance.now();
      client.send({ type: 'cancel', id });
      await aborted;
      const elapsed = performance.now() - cutAt;
      const end = (await cancelled).end as WsErrorMessage;
      assert.equal(end.type, 'error');
      assert.equal(end.error.code, 'cancelled');
      assert.equal(typeof end.seq, 'number');
      return elapsed;
    });
    assert.equal((await other).end.type, 'done');
  });

  test('cancel of an id that is not live is ignored', async () => {
    client.send({ type: 'cancel', id: 'never-was' });
    const pong = client.next((m) => m.type === 'pong', 2000, false);
    client.send({ type: 'ping' });
    await pong;
    assert.deepEqual(client.of('never-was'), []);
  });

  test('ping is answered with pong', async () => {
    const pong = client.next((m) => m.type === 'pong', 2000, false);
    client.send({ type: 'ping' });
    assert.deepEqual(await pong, { type: 'pong' });
  });

  for (const [name, frame, id, param] of [
    ['not JSON', '{"type": "request", ', null, null],
    ['JSON but not an object', '[1, 2]', null, null],
    ['an unknown type', '{"type": "subscribe", "id": "s1"}', 's1', 'type'],
    ['a request without a body', '{"type": "request", "id": "nobody"}', 'nobody', 'body'],
    ['a resume with a negative after', '{"type": "resume", "id": "r1", "streamId": "x", "after": -1}', 'r1', 'after'],
    ['a request with an unknown field', '{"type": "request", "id": "typo", "body": {}, "resumeable": false}', 'typo', null],
  ] as const) {
    test(`${name} is answered with invalid_message, and the socket stays open`, async () => {
      const answer = client.next((m) => m.type === 'error' && m.id === id, 2000, false);
      client.send(frame);
      const error = (await answer) as WsErrorMessage;
      assert.equal(error.error.code, 'invalid_message');
      assert.ok(error.error.message.length > 0);
      if (param !== null) assert.equal(error.error.param, param);
      assert.equal((await client.request(`after-${name}`, chatBody({ model: 'sim/ws', sim: { tokens: 2 } }))).end.type, 'done');
    });
  }

  test('a chat body that fails validation is answered with its field, under the request id', async () => {
    const capture = await client.request('bad-body', { model: 'sim/ws', messages: [] });
    const end = capture.end as WsErrorMessage;
    assert.equal(capture.messages.length, 1, 'refused before it was accepted');
    assert.equal(end.error.code, 'invalid_request');
    assert.equal(end.error.param, 'messages');
    assert.equal(end.seq, undefined);
  });

  test('binary frames are answered with unsupported_frame, and the socket stays open', async () => {
    const answer = client.next((m) => m.type === 'error' && m.id === null, 2000, false);
    client.ws.send(Buffer.from([1, 2, 3]));
    assert.equal(((await answer) as WsErrorMessage).error.code, 'unsupported_frame');
    assert.equal((await client.request('after-binary', chatBody({ model: 'sim/ws', sim: { tokens: 2 } }))).end.type, 'done');
  });

  test(`past ${MAX_STREAMS} live requests, the extra one gets too_many_streams and the others go on`, async () => {
    const own = await MultiplexClient.connect(gateway);
    const slow = chatBody({ model: 'sim/ws', sim: { tokens: 3, ttftMs: 300 } });
    const live = Array.from({ length: MAX_STREAMS }, (_, i) => own.request(`live-${i}`, slow));
    const extra = await own.request('one-too-many', slow);
    assert.equal((extra.end as WsErrorMessage).error.code, 'too_many_streams');
    for (const capture of await Promise.all(live)) assert.equal(capture.end.type, 'done');
    assert.equal((await own.request('room-again', slow)).end.type, 'done');
    own.ws.terminate();
  });

  test('an id still live cannot be used again: duplicate_id, and the first request goes on', async () => {
    client.send({ type: 'request', id: 'twice', body: chatBody({ model: 'sim/ws', sim: { tokens: 5, delayMs: 20 } }) });
    const done = client.next((m) => m.type === 'done' && m.id === 'twice');
    await client.next((m) => m.type === 'accepted' && m.id === 'twice');
    const refused = client.next((m) => m.type === 'error' && m.id === 'twice', 2000, false);
    client.send({ type: 'request', id: 'twice', body: chatBody({ model: 'sim/ws' }) });
    const error = (await refused) as WsErrorMessage;
    assert.equal(error.error.code, 'duplicate_id');
    assert.equal(error.seq, undefined, 'a refusal, not the end of the live request');
    await done;
    const messages = client.of('twice');
    assert.equal(messages.filter((m) => m.type === 'accepted').length, 1);
    assert.equal(chunkText(messages.filter((m): m is WsChunkMessage => m.type === 'chunk')).split(' ').length, 5);
  });

  test('a frame larger than the body limit closes the socket with 1009', async () => {
    const other = await MultiplexClient.connect(gateway);
    const closing = closed(other.ws);
    other.send(JSON.stringify({ type: 'request', id: 'big', body: { model: 'sim/ws', messages: [{ role: 'user', content: 'x'.repeat(BODY_LIMIT) }] } }));
    assert.equal((await closing).code, 1009);
  });

  test('closing a socket normally cuts its non-resumable request; the upstream sees it within 100 ms', async () => {
    await assertPromptly('upstream abort after a close', 100, async () => {
      const other = await MultiplexClient.connect(gateway);
      other.send({ type: 'request', id: 'plain', resumable: false, body: chatBody({ model: 'up/m', sim: { tokens: 100, fault: { stallAfter: 2 } } }) });
      await other.next((m) => m.type === 'chunk' && m.seq === 2);
      const accepted = other.all[0] as WsAcceptedMessage;
      assert.equal(accepted.token, undefined, 'a non-resumable stream has no token to resume with');
      const aborted = nextEvent<{ tokensSent: number }>(upstream.events, 'abort');
      const cutAt = performance.now();
      other.ws.close(1000);
      await aborted;
      return performance.now() - cutAt;
    });
  });
});
