import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { chatBody, postChat, startTestGateway } from './helpers/gateway.ts';
import { readSse } from './helpers/sse.ts';

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
type ErrorBody = { error: { code: string } };

describe('limits.queue: requests over concurrency or rpm wait their turn', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startTestGateway({
      keys: [
        { name: 'patient', key: 'sk-test-patient', limits: { concurrency: 1, queue: { maxWaitMs: 5000 } } },
        { name: 'other', key: 'sk-test-other', limits: { concurrency: 1, queue: { maxWaitMs: 5000 } } },
        { name: 'hasty', key: 'sk-test-hasty', limits: { concurrency: 1, queue: { maxWaitMs: 300 } } },
        { name: 'paced', key: 'sk-test-paced', limits: { rpm: 120, queue: { maxWaitMs: 10_000 } } },
      ],
      streams: { keepaliveMs: 100 },
    });
  });
  after(() => gateway.close());

  const long = (tokens: number) => chatBody({ stream: true, sim: { tokens, delayMs: 10 } });

  test('a waiting stream is answered in turn, first come first served, and its client gets pings meanwhile', async () => {
    const first = await postChat(gateway, long(30), auth('sk-test-patient'));
    const order: number[] = [];
    const waiting = [1, 2, 3].map(async (n) => {
      await new Promise((r) => setTimeout(r, n * 20));
      const response = await postChat(gateway, long(5), auth('sk-test-patient'));
      assert.equal(response.status, 200);
      const sse = await readSse(response);
      order.push(n);
      return sse;
    });
    await readSse(first);
    const captures = await Promise.all(waiting);
    assert.deepEqual(order, [1, 2, 3]);
    for (const capture of captures) assert.equal(capture.events.at(-1)!.data, '[DONE]');
    // The last one waited for three streams, far longer than the 100 ms keepalive.
    assert.ok(captures[2].comments.some((c) => c.includes('ping')), JSON.stringify(captures[2].comments));
  });

  test('Messages and Responses streams wait in the same line, pinged meanwhile, and go on in their own event shapes', async () => {
    const hog = await postChat(gateway, long(30), auth('sk-test-patient'));
    const messages = fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-test-patient' },
      body: JSON.stringify({ model: 'sim/x', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }], sim: { tokens: 5 } }),
    });
    const responses = fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth('sk-test-patient') },
      body: JSON.stringify({ model: 'sim/x', stream: true, input: 'hi', sim: { tokens: 5 } }),
    });
    await readSse(hog);
    const [m, r] = await Promise.all([readSse(await messages), readSse(await responses)]);
    assert.equal(m.events.at(-1)!.event, 'message_stop');
    assert.equal(r.events.at(-1)!.event, 'response.completed');
    assert.ok(m.comments.length + r.comments.length > 0, 'pinged while waiting');
  });

  test("one key's line does not hold up another key", async () => {
    const hog = await postChat(gateway, long(40), auth('sk-test-patient'));
    const queued = Array.from({ length: 3 }, () => postChat(gateway, long(5), auth('sk-test-patient')));
    const started = performance.now();
    const other = await postChat(gateway, chatBody(), auth('sk-test-other'));
    assert.equal(other.status, 200);
    assert.ok(performance.now() - started < 300, 'the other key was answered at once');
    await other.arrayBuffer();
    await readSse(hog);
    await Promise.all((await Promise.all(queued)).map((r) => r.arrayBuffer()));
  });

  test('past maxWaitMs: 429 for a request still waiting; a stream already pinging ends with the error event', async () => {
    const hog = await postChat(gateway, long(100), auth('sk-test-hasty'));
    const started = performance.now();
    const plain = await postChat(gateway, chatBody(), auth('sk-test-hasty'));
    assert.equal(plain.status, 429);
    assert.ok(Number(plain.headers.get('retry-after')) >= 1, 'a non-stream request waits silently, then gets Retry-After with its 429');
    assert.ok(Number(plain.headers.get('retry-after-ms')) > 0);
    assert.equal(((await plain.json()) as ErrorBody).error.code, 'rate_limit_exceeded');
    const waited = performance.now() - started;
    assert.ok(waited >= 280 && waited < 2000, `it waited about maxWaitMs (300) before giving up: ${waited.toFixed(0)} ms`);
    const streamed = await postChat(gateway, long(5), auth('sk-test-hasty'));
    assert.equal(streamed.status, 200, 'the stream opened while it waited');
    const { events, comments } = await readSse(streamed);
    assert.ok(comments.length > 0);
    assert.equal(events.at(-1)!.event, 'error');
    assert.equal((JSON.parse(events.at(-1)!.data) as ErrorBody).error.code, 'rate_limit_exceeded');
    await hog.body?.cancel();
  });

  test('over rpm, requests wait for the bucket to refill instead of a 429', async () => {
    const started = performance.now();
    const responses = await Promise.all(Array.from({ length: 124 }, () => postChat(gateway, chatBody({ sim: { tokens: 1 } }), auth('sk-test-paced'))));
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [200]);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    // 120 a minute is one every 500 ms: the last of the four past the burst waited about 2 s.
    assert.ok(performance.now() - started > 1900, `${(performance.now() - started).toFixed(0)} ms`);
  });
});
