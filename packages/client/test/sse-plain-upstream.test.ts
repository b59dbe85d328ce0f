/**
 * The SDK over SSE against a plain OpenAI-compatible server (not sluice):
 * streaming, retries before the first chunk, timeouts, aborts, budgets, and
 * the honest failure when a stream breaks and cannot be resumed.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import type { ChatCompletionChunk } from '@sluice/protocol';
import {
  AbortError,
  APIError,
  AuthenticationError,
  BudgetExceededError,
  SluiceClient,
  StreamInterruptedError,
  TimeoutError,
  type SluiceClientOptions,
} from '../src/index.ts';
import { startPlainUpstream, tokensOf, type Answer, type PlainUpstream } from './helpers/plain-upstream.ts';

const SENTENCE = 'The quick brown fox jumps over the lazy dog and keeps on running far away';
const TOKENS = tokensOf(SENTENCE);
const messages = [{ role: 'user' as const, content: 'hi' }];
const upstreams: PlainUpstream[] = [];
after(() => Promise.all(upstreams.map((u) => u.close())));

async function setup(respond: (n: number) => Answer, options: Partial<SluiceClientOptions> = {}) {
  const upstream = await startPlainUpstream((_body, n) => respond(n));
  upstreams.push(upstream);
  const client = new SluiceClient({ baseURL: upstream.baseURL, transport: 'sse', retry: { backoff: { baseMs: 10, maxMs: 50 } }, ...options });
  return { upstream, client };
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check(), what);
}

test('streams every chunk once and in order; final() has text, usage, cost and no stream id', async () => {
  const { client, upstream } = await setup(() => ({ kind: 'stream', tokens: TOKENS }));
  const stream = client.chat.stream({ model: 'gpt-4.1', messages });
  const seen: ChatCompletionChunk[] = [];
  for await (const chunk of stream) seen.push(chunk);
  assert.equal(seen.map((c) => c.choices[0]?.delta.content ?? '').join(''), SENTENCE);
  assert.ok(seen.every((c) => c.choices.length > 0), 'the usage chunk is not shown when the caller did not ask for it');
  const final = await stream.final();
  assert.equal(final.text, SENTENCE);
  assert.equal(final.finishReason, 'stop');
  assert.deepEqual(final.usage, { prompt_tokens: 10, completion_tokens: TOKENS.length, total_tokens: 10 + TOKENS.length });
  assert.equal(final.cost, (10 * 2 + TOKENS.length * 8) / 1e6);
  assert.equal(final.streamId, null);
  assert.equal(final.transport, 'sse');
  assert.equal(final.resumes, 0);
  assert.equal(upstream.requests[0].body.stream_options?.include_usage, true, 'usage is always requested');
  const stats = client.stats();
  assert.equal(stats.completed, 1);
  assert.equal(stats.tokens, 10 + TOKENS.length);
  assert.ok(stats.ttftP50Ms !== null && stats.ttftP50Ms >= 0);
});

test('the usage chunk is shown when the caller asked for it; final() alone reads the stream', async () => {
  const { client } = await setup(() => ({ kind: 'stream', tokens: TOKENS }));
  const shown: ChatCompletionChunk[] = [];
  for await (const chunk of client.chat.stream({ model: 'm', messages, stream_options: { include_usage: true } })) shown.push(chunk);
  assert.equal(shown.at(-1)?.usage?.total_tokens, 10 + TOKENS.length);
  const final = await client.chat.stream({ model: 'unpriced-model', messages }).final();
  assert.equal(final.text, SENTENCE);
  assert.equal(final.cost, null, 'no price for this model and the server sent none');
});

test('a break mid-stream from a server that is not sluice: StreamInterruptedError, resumable false, text so far', async () => {
  const { client, upstream } = await setup(() => ({ kind: 'stream', tokens: TOKENS, cutAfter: 4 }));
  const stream = client.chat.stream({ model: 'm', messages });
  let text = '';
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })(),
    (error) => {
      assert.ok(error instanceof StreamInterruptedError);
      assert.equal(error.resumable, false);
      assert.equal(error.text, TOKENS.slice(0, 4).join(''));
      assert.match(error.message, /not a sluice gateway/);
      return true;
    },
  );
  assert.equal(text, TOKENS.slice(0, 4).join(''));
  assert.equal(upstream.requests.length, 1, 'a stream is never sent again after its first chunk');
  assert.equal(client.stats().failed, 1);
});

test('a body that ends without [DONE] is a break too', async () => {
  const { client } = await setup(() => ({ kind: 'stream', tokens: TOKENS, noDone: true }));
  await assert.rejects(client.chat.stream({ model: 'm', messages }).final(), StreamInterruptedError);
});

test('5xx and a connection cut before the first chunk are retried; the stream then succeeds', async () => {
  const { client, upstream } = await setup((n) =>
    n === 1 ? { kind: 'error', status: 503 } : n === 2 ? { kind: 'stream', tokens: TOKENS, cutAfter: 0 } : { kind: 'stream', tokens: TOKENS },
  );
  const final = await client.chat.stream({ model: 'm', messages }).final();
  assert.equal(final.text, SENTENCE);
  assert.equal(upstream.requests.length, 3);
});

test('maxRetries bounds the retries; the last error surfaces with its class', async () => {
  const { client, upstream } = await setup(() => ({ kind: 'error', status: 502 }), { maxRetries: 1 });
  await assert.rejects(client.chat.stream({ model: 'm', messages }).final(), (error) => error instanceof APIError && error.status === 502);
  assert.equal(upstream.requests.length, 2);
});

test('4xx is not retried', async () => {
  const { client, upstream } = await setup((n) => (n === 1 ? { kind: 'error', status: 401, body: JSON.stringify({ error: { message: 'bad key', type: 'auth', param: null, code: 'invalid_api_key' } }) } : { kind: 'stream', tokens: TOKENS }));
  await assert.rejects(client.chat.stream({ model: 'm', messages }).final(), (error) => {
    assert.ok(error instanceof AuthenticationError);
    assert.equal(error.code, 'invalid_api_key');
    assert.equal(error.message, 'bad key');
    return true;
  });
  assert.equal(upstream.requests.length, 1);
});

test('429 with retry-after-ms: the retry waits at least the advised time', async () => {
  const { client, upstream } = await setup((n) => (n === 1 ? { kind: 'error', status: 429, headers: { 'retry-after-ms': '150', 'retry-after': '1' } } : { kind: 'stream', tokens: TOKENS }));
  assert.equal((await client.chat.stream({ model: 'm', messages }).final()).text, SENTENCE);
  assert.equal(upstream.requests.length, 2);
  assert.ok(upstream.requests[1].at - upstream.requests[0].at >= 145, `retried after ${upstream.requests[1].at - upstream.requests[0].at} ms`);
});

test('an idle stream times out; keepalive comments count as liveness', async () => {
  const timeouts = { idleMs: 150 };
  const stalled = await setup(() => ({ kind: 'stream', tokens: TOKENS, stallAfter: 3 }), { timeouts });
  await assert.rejects(stalled.client.chat.stream({ model: 'm', messages }).final(), (error) => {
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.ok(error.cause instanceof TimeoutError && error.cause.phase === 'idle');
    return true;
  });
  const pinged = await setup(() => ({ kind: 'stream', tokens: TOKENS.slice(0, 3), ttftMs: 400, pingEveryMs: 40 }), { timeouts });
  assert.equal((await pinged.client.chat.stream({ model: 'm', messages }).final()).text, TOKENS.slice(0, 3).join(''));
});

test('the first-token timeout fails the stream and hangs up on the server', async () => {
  const { client, upstream } = await setup(() => ({ kind: 'stream', tokens: TOKENS, ttftMs: 2000, pingEveryMs: 30 }), {
    timeouts: { firstTokenMs: 200 },
    maxRetries: 0,
  });
  await assert.rejects(client.chat.stream({ model: 'm', messages }).final(), (error) => error instanceof TimeoutError && error.phase === 'first-token');
  await eventually(() => upstream.aborted.length === 1, 'the server saw the client leave');
});

test('abort() ends the loop with AbortError at once and the server sees the client leave', async () => {
  const { client, upstream } = await setup(() => ({ kind: 'stream', tokens: TOKENS, delayMs: 30 }));
  const stream = client.chat.stream({ model: 'm', messages });
  let count = 0;
  let abortedAt = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of stream) {
        if (++count === 3) {
          abortedAt = performance.now();
          stream.abort();
        }
      }
    })(),
    AbortError,
  );
  assert.ok(performance.now() - abortedAt < 100, 'the loop ended within 100 ms of abort()');
  await assert.rejects(stream.final(), AbortError);
  await eventually(() => upstream.aborted.length === 1, 'the server saw the client leave');
});

test('break out of the loop cancels; so does the caller\'s AbortSignal', async () => {
  const { client, upstream } = await setup(() => ({ kind: 'stream', tokens: TOKENS, delayMs: 30 }));
  const stream = client.chat.stream({ model: 'm', messages });
  for await (const _ of stream) break;
  await assert.rejects(stream.final(), AbortError);
  const controller = new AbortController();
  const second = client.chat.stream({ model: 'm', messages }, { signal: controller.signal });
  setTimeout(() => controller.abort(), 60);
  await assert.rejects(second.final(), AbortError);
  await eventually(() => upstream.aborted.length === 2, 'the server saw both clients leave');
});

test('an event that is not a chunk fails the stream with a clear error', async () => {
  const { client } = await setup(() => ({ kind: 'stream', tokens: TOKENS, badAt: 2 }));
  await assert.rejects(client.chat.stream({ model: 'm', messages }).final(), (error) => error instanceof APIError && error.code === 'malformed_event');
});

test('the budget refuses a request whose worst case passes it, without sending it', async () => {
  const { client, upstream } = await setup(() => ({ kind: 'stream', tokens: TOKENS }), { budget: 0.001 });
  // gpt-4.1 output is $8 per million: 1000 tokens may cost $0.008.
  await assert.rejects(client.chat.stream({ model: 'gpt-4.1', messages, max_tokens: 1000 }).final(), BudgetExceededError);
  assert.equal(upstream.requests.length, 0);
});

test('the budget stops a running stream once its live cost passes the limit', async () => {
  // claude-sonnet-4.5 output is $15 per million: with a prompt of ~5 tokens, the 6th output token passes $0.0001.
  const { client, upstream } = await setup(() => ({ kind: 'stream', tokens: TOKENS, delayMs: 10 }), { budget: 0.0001 });
  await assert.rejects(client.chat.stream({ model: 'claude-sonnet-4.5', messages }).final(), (error) => {
    assert.ok(error instanceof BudgetExceededError, String(error));
    assert.ok(error.text.length > 0 && SENTENCE.startsWith(error.text) && error.text !== SENTENCE, `stopped at ${JSON.stringify(error.text)}`);
    return true;
  });
  await eventually(() => upstream.aborted.length === 1, 'the server saw the client leave');
  assert.ok(client.budget!.spent > 0.0001);
  await assert.rejects(client.chat.stream({ model: 'claude-sonnet-4.5', messages }).final(), BudgetExceededError);
});

test('create() answers one completion, retrying a 5xx first', async () => {
  const { client, upstream } = await setup((n) => (n === 1 ? { kind: 'error', status: 500 } : { kind: 'stream', tokens: TOKENS }));
  const completion = await client.chat.create({ model: 'deepseek-v3.2', messages });
  assert.equal(completion.choices[0].message.content, SENTENCE);
  assert.equal(upstream.requests.length, 2);
  assert.equal(upstream.requests[1].body.stream, false);
  assert.equal(client.stats().completed, 1);
});

test('bad input is refused with a clear error before anything is sent', async () => {
  assert.throws(() => new SluiceClient({ baseURL: 'not a url' }), /baseURL/);
  assert.throws(() => new SluiceClient({ baseURL: 'ftp://x/v1' }), /http/);
  assert.throws(() => new SluiceClient({ baseURL: 'http://x/v1', transport: 'carrier-pigeon' as 'sse' }), /transport/);
  const client = new SluiceClient({ baseURL: 'http://127.0.0.1:9/v1', transport: 'sse' });
  assert.throws(() => client.chat.stream({ model: '', messages }), /model/);
  assert.throws(() => client.chat.stream({ model: 'm' } as never), /messages/);
});

test('a server that accepts the connection and never answers hits the connect timeout, retried then reported', async () => {
  let requests = 0;
  const silent = createServer((socket) => {
    socket.once('data', () => requests++);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as AddressInfo;
  const client = new SluiceClient({ baseURL: `http://127.0.0.1:${port}/v1`, transport: 'sse', maxRetries: 1, timeouts: { connectMs: 100 }, retry: { backoff: { baseMs: 1, maxMs: 5 } } });
  try {
    await assert.rejects(client.chat.stream({ model: 'm', messages }).final(), (error) => error instanceof TimeoutError && error.phase === 'connect');
    assert.equal(requests, 2, 'the request and one retry');
  } finally {
    silent.close();
  }
});
