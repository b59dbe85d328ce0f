import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simText, type RunningGateway, type SimServer } from '@sluice/gateway';
import type { WsAcceptedMessage, WsChunkMessage, WsDoneMessage, WsErrorMessage } from '@sluice/protocol';
import { chatBody, postChat, startGatewayWithUpstream, type UpstreamRig } from './helpers/gateway.ts';
import { readEventsThenCut } from './helpers/partial-sse.ts';
import { textOf } from './helpers/sse.ts';
import { chunkText, closed, MultiplexClient } from './helpers/ws.ts';

const ALICE = 'alice-key-0001';
const BOB = 'bob-key-000002';

const auth = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

describe('WebSocket sluice.v1: resumable streams outlive their socket', () => {
  let upstream: SimServer;
  let gateway: RunningGateway;
  let rig: UpstreamRig;

  before(async () => {
    rig = await startGatewayWithUpstream({
      keys: [
        { name: 'alice', key: ALICE },
        { name: 'bob', key: BOB },
      ],
    });
    ({ upstream, gateway } = rig);
  });
  after(() => rig.close());

  /** Start a stream on a socket of its own, read `upTo` chunks, then drop the socket. */
  async function startAndDrop(body: object, upTo: number): Promise<{ accepted: WsAcceptedMessage; chunks: WsChunkMessage[] }> {
    const first = await MultiplexClient.connect(gateway, ['sluice.v1'], auth(ALICE));
    first.send({ type: 'request', id: 'q', body });
    await first.next((m) => m.type === 'chunk' && m.seq === upTo);
    const going = closed(first.ws);
    first.ws.terminate();
    await going;
    const accepted = first.all[0] as WsAcceptedMessage;
    const chunks = first.all.filter((m): m is WsChunkMessage => m.type === 'chunk' && m.seq <= upTo);
    return { accepted, chunks };
  }

  test('a dropped socket does not stop the upstream; another socket resumes after the last seq it had, with nothing lost or repeated', async () => {
    const body = chatBody({ model: 'up/m', sim: { tokens: 60, delayMs: 3 } });
    let aborted = false;
    const onAbort = () => (aborted = true);
    upstream.events.on('abort', onAbort);
    const { accepted, chunks } = await startAndDrop(body, 5);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(aborted, false, 'the upstream goes on while the stream lingers');

    const second = await MultiplexClient.connect(gateway, ['sluice.v1'], auth(BOB));
    const resumed = second.ended('again');
    second.send({ type: 'resume', id: 'again', streamId: accepted.streamId, after: 5, token: accepted.token });
    const capture = await resumed;
    upstream.events.off('abort', onAbort);
    assert.equal(capture.messages[0].type, 'accepted', 'accepted comes first');
    assert.equal((capture.messages[0] as WsAcceptedMessage).streamId, accepted.streamId);
    assert.equal(capture.chunks[0].seq, 6);
    const all = [...chunks, ...capture.chunks];
    assert.deepEqual(
      all.map((c) => c.seq),
      all.map((_, i) => i + 1),
    );
    assert.equal(chunkText(all), simText({ ...body, model: 'm' } as never));
    assert.equal(capture.end.type, 'done');
    assert.equal(capture.end.seq, all.length + 1);
    second.ws.terminate();
  });

  test('resuming a finished stream the client read to the end answers its end again, and nothing else', async () => {
    const client = await MultiplexClient.connect(gateway, ['sluice.v1'], auth(ALICE));
    const first = await client.request('q1', chatBody({ model: 'sim/x', sim: { tokens: 4 } }));
    const streamId = (first.accepted as WsAcceptedMessage).streamId;
    const done = first.end as WsDoneMessage;
    const again = await (async () => {
      const ended = client.ended('q2');
      client.send({ type: 'resume', id: 'q2', streamId, after: done.seq });
      return ended;
    })();
    assert.deepEqual(
      again.messages.map((m) => m.type),
      ['accepted', 'done'],
    );
    assert.deepEqual({ ...again.end, id: 'q1' }, done);
    client.ws.terminate();
  });

  test('resuming a finished stream from the middle replays the rest from the log', async () => {
    const client = await MultiplexClient.connect(gateway, ['sluice.v1'], auth(ALICE));
    const body = chatBody({ model: 'sim/x', sim: { tokens: 10 } });
    const first = await client.request('q1', body);
    const ended = client.ended('q2');
    client.send({ type: 'resume', id: 'q2', streamId: (first.accepted as WsAcceptedMessage).streamId, after: 3 });
    const replay = await ended;
    assert.deepEqual(
      replay.chunks.map((c) => c.data),
      first.chunks.slice(3).map((c) => c.data),
    );
    assert.equal(replay.end.seq, first.end.seq);
    client.ws.terminate();
  });

  test('another key cannot resume without the stream token, and learns nothing about the stream', async () => {
    const { accepted } = await startAndDrop(chatBody({ model: 'sim/x', sim: { tokens: 20, delayMs: 2 } }), 1);
    const bob = await MultiplexClient.connect(gateway, ['sluice.v1'], auth(BOB));
    for (const token of [undefined, 'not-the-token']) {
      const ended = bob.ended(`try-${token}`);
      bob.send({ type: 'resume', id: `try-${token}`, streamId: accepted.streamId, after: 0, ...(token ? { token } : {}) });
      const capture = await ended;
      assert.equal((capture.end as WsErrorMessage).error.code, 'stream_not_found');
      assert.equal(capture.messages.length, 1);
    }
    const ended = bob.ended('unknown');
    bob.send({ type: 'resume', id: 'unknown', streamId: 'no-such-stream-id-at-all', after: 0 });
    assert.equal(((await ended).end as WsErrorMessage).error.code, 'stream_not_found');
    bob.ws.terminate();
  });

  test('resuming a running stream after a seq it has not reached is refused, naming after', async () => {
    const client = await MultiplexClient.connect(gateway, ['sluice.v1'], auth(ALICE));
    client.send({ type: 'request', id: 'slow', body: chatBody({ model: 'sim/x', sim: { tokens: 5, ttftMs: 300 } }) });
    const accepted = (await client.next((m) => m.type === 'accepted')) as WsAcceptedMessage;
    const ended = client.ended('ahead');
    client.send({ type: 'resume', id: 'ahead', streamId: accepted.streamId, after: 50 });
    const error = (await ended).end as WsErrorMessage;
    assert.equal(error.error.code, 'invalid_cursor', 'the same refusal as over SSE');
    assert.equal(error.error.param, 'after');
    assert.equal((await client.ended('slow')).end.type, 'done');
    client.ws.terminate();
  });

  test('a stream started over SSE and cut is resumed over WebSocket, with the same seqs and nothing lost', async () => {
    const body = chatBody({ model: 'sim/x', stream: true, sim: { tokens: 40, delayMs: 2 } });
    const controller = new AbortController();
    const response = await postChat(gateway, body, { authorization: `Bearer ${ALICE}`, 'x-sluice-resumable': '1' }, controller.signal);
    const streamId = response.headers.get('x-sluice-stream-id')!;
    const token = response.headers.get('x-sluice-stream-token')!;
    const head = await readEventsThenCut(response, 8, controller);
    const bob = await MultiplexClient.connect(gateway, ['sluice.v1'], auth(BOB));
    const ended = bob.ended('from-sse');
    bob.send({ type: 'resume', id: 'from-sse', streamId, after: Number(head.at(-1)!.id), token });
    const capture = await ended;
    assert.equal(capture.chunks[0].seq, 9);
    assert.equal(textOf(head.map((e) => e.data)) + chunkText(capture.chunks), simText({ ...body, model: 'x' } as never));
    assert.equal(capture.end.type, 'done');
    bob.ws.terminate();
  });

  test('a stream paused behind a full socket goes on when it is resumed on another socket', async () => {
    const body = chatBody({ model: 'sim/x', sim: { tokens: 30_000 } });
    const first = await MultiplexClient.connect(gateway, ['sluice.v1'], auth(ALICE));
    first.send({ type: 'request', id: 'big', body });
    const accepted = (await first.next((m) => m.type === 'accepted')) as WsAcceptedMessage;
    first.ws.pause();
    // Wait until the generation stops, paused because its only reader's socket is full.
    const [generation] = [...gateway.context.registry.live()].filter((g) => g.id === accepted.streamId);
    let previous = -1;
    while (generation.log.lastSeq !== previous) {
      previous = generation.log.lastSeq;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(generation.log.lastSeq < 30_000, 'paused before the end');
    const gone = closed(first.ws);
    first.ws.terminate();
    await gone;

    const second = await MultiplexClient.connect(gateway, ['sluice.v1'], auth(ALICE));
    const ended = second.ended('again', 20_000);
    // From near where it paused: the replay is small enough not to fill the new socket.
    const after = generation.log.lastSeq - 2;
    second.send({ type: 'resume', id: 'again', streamId: accepted.streamId, after });
    const capture = await ended;
    assert.equal(capture.end.type, 'done');
    assert.equal(capture.chunks[0].seq, after + 1);
    assert.equal(capture.end.seq, 30_000 + 3, 'role, every token, finish, then done');
    second.ws.terminate();
  });
});
