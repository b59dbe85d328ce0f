import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simText, type RunningGateway, type SimServer } from '@sluice/gateway';
import { chatBody, postChat, startGatewayWithUpstream, type UpstreamRig } from './helpers/gateway.ts';
import { readEventsThenCut } from './helpers/partial-sse.ts';
import { assertPromptly, nextEvent, readSse, textOf } from './helpers/sse.ts';

const RESUMABLE = { 'x-sluice-resumable': '1' };
const KEY_A = { authorization: 'Bearer sk-a-0123456789' };
const KEY_B = { authorization: 'Bearer sk-b-0123456789' };

describe('resumable streams on one replica', () => {
  let upstream: SimServer;
  let gateway: RunningGateway;
  let rig: UpstreamRig;

  before(async () => {
    rig = await startGatewayWithUpstream({
      keys: [{ name: 'a', key: 'sk-a-0123456789' }, { name: 'b', key: 'sk-b-0123456789' }],
      streams: { lingerMs: 300, retentionMs: 60_000 },
    });
    ({ upstream, gateway } = rig);
  });
  after(() => rig.close());

  function get(id: string, headers: Record<string, string> = {}, query = ''): Promise<Response> {
    return fetch(`${gateway.baseURL}/streams/${id}${query}`, { headers });
  }

  test('a cut stream resumes after Last-Event-ID with no gap, no duplicate, byte-identical events', async () => {
    const body = chatBody({ model: 'up/m', stream: true, sim: { tokens: 40, delayMs: 5 } });
    const controller = new AbortController();
    const first = await postChat(gateway, body, { ...KEY_A, ...RESUMABLE }, controller.signal);
    const id = first.headers.get('x-sluice-stream-id')!;
    assert.ok(first.headers.get('x-sluice-stream-token'), 'resumable streams carry their token');
    const head = await readEventsThenCut(first, 12, controller);
    const rest = await readSse(await get(id, { ...KEY_A, 'last-event-id': head.at(-1)!.id }));
    const all = [...head, ...rest.events];
    assert.deepEqual(all.map((e) => Number(e.id)), all.map((_, i) => i + 1));
    assert.equal(all.at(-1)!.data, '[DONE]');
    assert.equal(textOf(all.map((e) => e.data)), simText({ ...body, model: 'm' } as never));
    // A late reader of the whole finished stream sees the very same bytes.
    const replay = await readSse(await get(id, KEY_A, '?after=0'));
    assert.deepEqual(replay.data, all.map((e) => e.data));
  });

  test('the per-stream token reads without a key; `?after=` works like Last-Event-ID', async () => {
    const body = chatBody({ model: 'up/m', stream: true, sim: { tokens: 10 } });
    const response = await postChat(gateway, body, { ...KEY_A, ...RESUMABLE });
    const id = response.headers.get('x-sluice-stream-id')!;
    const token = response.headers.get('x-sluice-stream-token')!;
    const whole = await readSse(response);
    const viaQuery = await readSse(await get(id, {}, `?token=${token}&after=5`));
    assert.deepEqual(viaQuery.data, whole.data.slice(5));
    const viaHeader = await readSse(await get(id, { 'x-sluice-stream-token': token, 'last-event-id': '7' }));
    assert.deepEqual(viaHeader.data, whole.data.slice(7));
  });

  test('a reader that already has the end gets 204, which also stops an EventSource', async () => {
    const response = await postChat(gateway, chatBody({ model: 'up/m', stream: true, sim: { tokens: 3 } }), { ...KEY_A, ...RESUMABLE });
    const id = response.headers.get('x-sluice-stream-id')!;
    const whole = await readSse(response);
    const again = await get(id, { ...KEY_A, 'last-event-id': whole.events.at(-1)!.id });
    assert.equal(again.status, 204);
  });

  test('resuming a running stream after a seq it has not reached is a 400 invalid_cursor, not a stream that pings forever', { timeout: 10_000 }, async () => {
    // Running for about a second, so the resume below finds it running.
    const response = await postChat(gateway, chatBody({ model: 'up/m', stream: true, sim: { tokens: 20, delayMs: 50 } }), { ...KEY_A, ...RESUMABLE });
    assert.equal(response.status, 200);
    const id = response.headers.get('x-sluice-stream-id')!;
    const ahead = await get(id, { ...KEY_A, 'last-event-id': '50' });
    assert.equal(ahead.status, 400);
    const body = (await ahead.json()) as { error: { code: string; param: string; type: string } };
    assert.deepEqual([body.error.code, body.error.param, body.error.type], ['invalid_cursor', 'after', 'invalid_request_error']);
    const whole = await readSse(response);
    assert.equal(whole.data.at(-1), '[DONE]', 'the stream itself goes on');
    // Once it has ended, a cursor at its end, or past it, has nothing left to read: 204.
    for (const after of [whole.events.at(-1)!.id, '50']) assert.equal((await get(id, { ...KEY_A, 'last-event-id': after })).status, 204);
  });

  test('unknown ids, wrong tokens, other keys and plain streams are all the same 404', async () => {
    const response = await postChat(gateway, chatBody({ model: 'up/m', stream: true, sim: { tokens: 3 } }), { ...KEY_A, ...RESUMABLE });
    const id = response.headers.get('x-sluice-stream-id')!;
    await readSse(response);
    const plain = await postChat(gateway, chatBody({ model: 'up/m', stream: true, sim: { tokens: 200, delayMs: 5 } }), KEY_A);
    const plainId = plain.headers.get('x-sluice-stream-id')!;
    for (const [what, reply] of [
      ['unknown id', await get('AAAAAAAAAAAAAAAAAAAAAAAA', KEY_A)],
      ['malformed id', await get('..%2F..%2Fetc', KEY_A)],
      ['wrong token', await get(id, {}, '?token=forged')],
      ['another key', await get(id, KEY_B)],
      ['no key, no token', await get(id)],
      ['a plain stream', await get(plainId, KEY_A)],
      ['cancel with another key', await fetch(`${gateway.baseURL}/streams/${id}`, { method: 'DELETE', headers: KEY_B })],
    ] as const) {
      assert.equal(reply.status, 404, what);
      assert.equal(((await reply.json()) as { error: { code: string } }).error.code, 'stream_not_found', what);
    }
    await plain.body?.cancel();
    assert.equal((await get(id, { authorization: 'Bearer sk-nope-0000000' })).status, 401, 'a bad key is still a 401');
  });

  test('a stream nobody resumes within the linger time aborts its upstream', async () => {
    const controller = new AbortController();
    const response = await postChat(gateway, chatBody({ model: 'up/m', stream: true, sim: { tokens: 10_000, delayMs: 5 } }), { ...KEY_A, ...RESUMABLE }, controller.signal);
    await readEventsThenCut(response, 3, controller);
    const cutAt = performance.now();
    await nextEvent(upstream.events, 'abort', 3000);
    const waited = performance.now() - cutAt;
    assert.ok(waited >= 250 && waited < 1000, `upstream aborted ${waited.toFixed(0)} ms after the cut (linger 300 ms)`);
  });

  test('the wait for a slow first token does not count against the linger while its client waits', async () => {
    // The first token comes after twice the linger time, yet the client is there all along.
    const body = chatBody({ model: 'up/m', stream: true, sim: { tokens: 5, ttftMs: 700 } });
    const response = await postChat(gateway, body, { ...KEY_A, ...RESUMABLE });
    assert.equal(response.status, 200);
    const whole = await readSse(response);
    assert.equal(whole.data.at(-1), '[DONE]');
    assert.equal(textOf(whole.data), simText({ ...body, model: 'm' } as never));
  });

  test('a client that leaves while waiting for the first token starts the linger; nobody resuming aborts the upstream', async () => {
    const controller = new AbortController();
    const pending = postChat(gateway, chatBody({ model: 'up/m', stream: true, sim: { tokens: 10_000, delayMs: 5, ttftMs: 200 } }), { ...KEY_A, ...RESUMABLE }, controller.signal);
    await nextEvent(upstream.events, 'request', 3000);
    controller.abort();
    await pending.catch(() => {});
    const leftAt = performance.now();
    await nextEvent(upstream.events, 'abort', 3000);
    const waited = performance.now() - leftAt;
    assert.ok(waited >= 250 && waited < 1500, `upstream aborted ${waited.toFixed(0)} ms after the client left (linger 300 ms)`);
  });

  test('a stream resumed within the linger time runs to its end', async () => {
    const body = chatBody({ model: 'up/m', stream: true, sim: { tokens: 60, delayMs: 5 } });
    const controller = new AbortController();
    let aborted = false;
    const onAbort = () => (aborted = true);
    upstream.events.on('abort', onAbort);
    const response = await postChat(gateway, body, { ...KEY_A, ...RESUMABLE }, controller.signal);
    const id = response.headers.get('x-sluice-stream-id')!;
    const head = await readEventsThenCut(response, 5, controller);
    await new Promise((r) => setTimeout(r, 150));
    const rest = await readSse(await get(id, { ...KEY_A, 'last-event-id': head.at(-1)!.id }));
    upstream.events.off('abort', onAbort);
    assert.equal(aborted, false);
    assert.equal(textOf([...head, ...rest.events].map((e) => e.data)), simText({ ...body, model: 'm' } as never));
  });

  test('DELETE cancels: the upstream is aborted within 50 ms and every reader ends with `cancelled`', async () => {
    await assertPromptly('upstream abort after DELETE', 50, async () => {
      // A stalled upstream sends nothing more, so only an active abort ends it.
      const response = await postChat(gateway, chatBody({ model: 'up/m', stream: true, sim: { tokens: 100, fault: { stallAfter: 3 } } }), { ...KEY_A, ...RESUMABLE });
      const id = response.headers.get('x-sluice-stream-id')!;
      const token = response.headers.get('x-sluice-stream-token')!;
      const second = await get(id, {}, `?token=${token}`);
      const readers = Promise.all([readSse(response), readSse(second)]);
      await new Promise((r) => setTimeout(r, 30));
      const aborted = nextEvent(upstream.events, 'abort');
      const sentAt = performance.now();
      const cancel = await fetch(`${gateway.baseURL}/streams/${id}?token=${token}`, { method: 'DELETE' });
      assert.equal(cancel.status, 204);
      await aborted;
      const took = performance.now() - sentAt;
      for (const sse of await readers) {
        const last = sse.events.at(-1)!;
        assert.equal(last.event, 'error');
        assert.equal((JSON.parse(last.data) as { error: { code: string } }).error.code, 'cancelled');
      }
      return took;
    });
  });

  test('POST /v1/streams starts a stream without holding a response; its url streams it', async () => {
    const body = chatBody({ model: 'up/m', sim: { tokens: 15 } });
    const created = await postChat(gateway, body, KEY_A).then(() => fetch(`${gateway.baseURL}/streams`, { method: 'POST', headers: { ...KEY_A, 'content-type': 'application/json' }, body: JSON.stringify(body) }));
    assert.equal(created.status, 201);
    const { id, token, url } = (await created.json()) as { id: string; token: string; url: string };
    assert.match(id, /^[A-Za-z0-9_-]{24}$/, '144 random bits');
    assert.equal(url, `/v1/streams/${id}?token=${encodeURIComponent(token)}`);
    const sse = await readSse(await fetch(`${gateway.url}${url}`));
    assert.equal(textOf(sse.data), simText({ ...body, model: 'm' } as never));
    assert.equal(sse.data.at(-1), '[DONE]');
  });

  test('POST /v1/streams passes an upstream refusal on with its status', async () => {
    const created = await fetch(`${gateway.baseURL}/streams`, { method: 'POST', headers: { ...KEY_A, 'content-type': 'application/json' }, body: JSON.stringify(chatBody({ model: 'up/m', sim: { fault: { status: 429, retryAfter: 60 } } })) });
    assert.equal(created.status, 429);
    assert.equal(created.headers.get('retry-after'), '60');
  });
});
