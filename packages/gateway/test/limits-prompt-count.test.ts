import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import type { Caller } from '../src/auth/key-ring.ts';
import { RateLimitExceededError } from '../src/errors/limit-errors.ts';
import { keySubject } from '../src/limits/limit-subjects.ts';
import { MemoryLimitStore } from '../src/limits/memory-limit-store.ts';
import { promptTokenBound } from '../src/streams/prompt-token-bound.ts';
import { countPromptTokens } from '../src/streams/usage-meter.ts';
import { engineOver, oneModelConfig, temporaryLedger } from './helpers/limit-engine.ts';
import { chatBody, postChat, startGatewayWithUpstream, startTestGateway, type UpstreamRig } from './helpers/gateway.ts';

// On the memory store, admission takes a prompt at a bound (its UTF-8 bytes) and counts it with the
// tokenizer a moment later, once the request is on its way upstream. Every decision and every figure
// must still be the one counting first gives.

const usage = temporaryLedger();
// 1,200 bytes that count about 200 tokens: the bound is six times the count.
const words = 'river '.repeat(200).trim();
const request = { model: 'm', max_tokens: 10, messages: [{ role: 'user' as const, content: words }] };
const counted = countPromptTokens(request) + 10;
const bound = promptTokenBound(request) + 10;
// The count runs two check phases after admission (after undici's own hop before it writes a request).
const counted2 = () => new Promise((resolve) => setImmediate(() => setImmediate(() => setImmediate(resolve))));

function engine(config = oneModelConfig()): { limits: ReturnType<typeof engineOver>; store: MemoryLimitStore } {
  const store = new MemoryLimitStore();
  return { store, limits: engineOver(store, usage, config) };
}

describe('a prompt counted after admission (memory store)', () => {
  test('the corpus this test leans on: the bound is far above the count', () => {
    assert.ok(bound > 4 * counted, `bound ${bound}, count ${counted}`);
  });

  test('the bound is never below the count, whatever the text', () => {
    const texts = ['', ' ', 'a', '\n\n\n', '日本語のテキストです。', '👩‍👩‍👧‍👦🚀✨', 'x'.repeat(5000), 'ab1 '.repeat(300), '<|endoftext|> and <|im_start|>', 'const f = (a) => a ** 2;\n\tif (x) {}', '١٢٣٤ 12345 ½ ⅔', 'Ünïcödé ﬁ ß İ'];
    for (const text of texts) {
      for (const shaped of [
        { model: 'm', messages: [{ role: 'user' as const, content: text }] },
        { model: 'm', messages: [{ role: 'system' as const, content: text }, { role: 'user' as const, content: [{ type: 'text' as const, text }, { type: 'text' as const, text: `${text}!` }] }] },
      ]) {
        const count = countPromptTokens(shaped);
        assert.ok(promptTokenBound(shaped) >= count, `${JSON.stringify(text.slice(0, 40))}: bound ${promptTokenBound(shaped)} < count ${count}`);
      }
    }
  });

  test('a request its bound would refuse and its count admits is admitted', async () => {
    const { limits } = engine();
    const caller: Caller = { id: 'k1', name: 'one', limits: { tpm: counted + 5 } };
    const admission = await limits.admit(caller, request, []);
    assert.equal(admission.headers['x-ratelimit-remaining-tokens'], '5');
    admission.settle(undefined);
  });

  test("two admitted in one turn: the second is not refused for the first one's bound", async () => {
    const { limits } = engine();
    // Room for the first's bound, then not for the second's count beside it: only once the first is counted.
    const tpm = bound + counted - 5;
    const caller: Caller = { id: 'k2', name: 'two', limits: { tpm } };
    const [first, second] = await Promise.all([limits.admit(caller, request, []), limits.admit(caller, request, [])]);
    assert.equal(second.headers['x-ratelimit-remaining-tokens'], String(tpm - 2 * counted));
    assert.equal(first.headers['x-ratelimit-remaining-tokens'], String(tpm - counted));
    first.settle(undefined);
    second.settle(undefined);
  });

  test('two at once with room for one count: one is admitted, the other refused, and nothing refused is given back', async () => {
    const { limits, store } = engine();
    // The bucket is not full (a full one would cap any wrong credit): a held request leaves room for one count and 5.
    const tpm = 3 * bound;
    const caller: Caller = { id: 'k7', name: 'seven', limits: { tpm } };
    const short = { model: 'm', max_tokens: 1, messages: [{ role: 'user' as const, content: 'x' }] };
    const holding = await limits.admit(caller, { ...short, max_tokens: tpm - counted - 5 - countPromptTokens(short) }, []);
    void holding.headers;
    const outcomes = await Promise.allSettled([limits.admit(caller, request, []), limits.admit(caller, request, [])]);
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
    const remaining = (await store.usage(keySubject(caller)!)).tokens!.remaining;
    // A refused request took nothing: a correction of its bound would credit tokens nobody took.
    assert.ok(remaining <= 6, `${remaining} left of ${counted + 5} after one count of ${counted}`);
    for (const o of outcomes) if (o.status === 'fulfilled') o.value.settle(undefined);
    holding.settle(undefined);
  });

  test("a queued key's bound, taken a moment before it is known as a bound, does not refuse another key of its team", async () => {
    const { limits } = engine();
    // The same room, in a team: the first key waits in a queue (its admission takes more turns), the other does not.
    const tpm = bound + counted - 5;
    const team = { name: 'shared', limits: { tpm } };
    const queued: Caller = { id: 'k5', name: 'queued', limits: { queue: { maxWaitMs: 1000 } }, team };
    const direct: Caller = { id: 'k6', name: 'direct', team };
    const [first, second] = await Promise.all([limits.admit(queued, request, []), limits.admit(direct, request, [])]);
    assert.equal(second.headers['x-ratelimit-remaining-tokens'], String(tpm - 2 * counted));
    first.settle(undefined);
    second.settle(undefined);
  });

  test('the store holds the count, not the bound, once the request is upstream, with nobody reading', async () => {
    const { limits, store } = engine();
    const caller: Caller = { id: 'k3', name: 'three', limits: { tpm: 100_000 } };
    const admission = await limits.admit(caller, request, []);
    await counted2();
    const remaining = (await store.usage(keySubject(caller)!)).tokens!.remaining;
    // The bucket refills 100,000 a minute (about two tokens a millisecond); the bound would be a thousand more.
    assert.ok(remaining >= 100_000 - counted && remaining <= 100_000 - counted + 100, `${remaining}, counted ${counted}`);
    admission.settle(undefined);
  });

  test('a budget reserves the counted prompt: the headers and the store agree to the dollar', async () => {
    const priced = oneModelConfig({ input: 1000, output: 1000 });
    const { limits, store } = engine(priced);
    const target = { price: priced.models[0].price } as never;
    const caller: Caller = { id: 'k4', name: 'four', limits: { budget: { usd: 10, period: 'day' } } };
    const admission = await limits.admit(caller, request, [target]);
    // $1,000 a million tokens: the prompt's count and the first output increment (max_tokens, 10).
    const reserved = (counted - 10) * 0.001 + 10 * 0.001;
    assert.equal(Number(admission.headers['x-sluice-budget-remaining']).toFixed(6), (10 - reserved).toFixed(6));
    const budget = (await limits.usage(keySubject(caller)!)).budget!;
    assert.equal(budget.held.toFixed(6), reserved.toFixed(6));
    admission.settle(undefined);
    assert.equal((await store.usage(keySubject(caller)!)).budget!.held, 0);
  });
});

describe('through the gateway: the response headers carry the count', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startTestGateway({ keys: [{ name: 'tpm', key: 'sk-test-prompt-count', limits: { tpm: 1_000_000 } }] });
  });
  after(() => gateway.close());
  const auth = { authorization: 'Bearer sk-test-prompt-count' };
  const body = (extra: Record<string, unknown>) => chatBody({ max_tokens: 10, messages: [{ role: 'user', content: words }], ...extra });

  test('streamed: remaining tokens are the limit less the counted prompt and max_tokens', async () => {
    const response = await postChat(gateway, body({ stream: true, sim: { tokens: 3 } }), auth);
    assert.equal(response.status, 200);
    const remaining = Number(response.headers.get('x-ratelimit-remaining-tokens'));
    assert.ok(remaining >= 1_000_000 - counted && remaining <= 1_000_000 - counted + 2, `${remaining}, counted ${counted}`);
    await response.arrayBuffer();
  });

  test('an upstream error before any output keeps the headers on the error response', async () => {
    const response = await postChat(gateway, body({ stream: true, sim: { fault: { status: 400 } } }), auth);
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('x-ratelimit-limit-tokens'), '1000000');
    assert.ok(Number(response.headers.get('x-ratelimit-remaining-tokens')) >= 1_000_000 - counted);
    await response.arrayBuffer();
  });
});

describe('over HTTP: the count is made after the upstream request is written', () => {
  let rig: UpstreamRig;
  before(async () => {
    rig = await startGatewayWithUpstream({ keys: [{ name: 'tpm', key: 'sk-test-count-order', limits: { tpm: 1_000_000 } }] });
  });
  after(() => rig.close());

  test('on a reused keep-alive socket, undici writes the request while the bound is still held; the response opens with the count', async () => {
    const auth = { authorization: 'Bearer sk-test-count-order' };
    const body = chatBody({ model: 'up/m', stream: true, max_tokens: 10, messages: [{ role: 'user', content: words }], sim: { tokens: 2, ttftMs: 20 } });
    // The first request opens the connection; the second reuses it.
    await (await postChat(rig.gateway, body, auth)).arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const subject = keySubject({ id: 'config:tpm', limits: { tpm: 1_000_000 } })!;
    const heldAtWrite: number[] = [];
    const upstream = new URL(rig.upstream.baseURL).origin;
    // The test's own client is undici too: only the gateway's request to the upstream counts.
    const onSend = (message: unknown) => {
      if ((message as { request: { origin: string } }).request.origin !== upstream) return;
      void rig.gateway.context.limits.store.usage(subject).then((state) => heldAtWrite.push(1_000_000 - state.tokens!.remaining));
    };
    diagnostics.subscribe('undici:client:sendHeaders', onSend);
    try {
      const response = await postChat(rig.gateway, body, auth);
      assert.equal(response.status, 200);
      const remaining = Number(response.headers.get('x-ratelimit-remaining-tokens'));
      assert.ok(remaining >= 1_000_000 - counted && remaining <= 1_000_000 - counted + 50, `${remaining}, counted ${counted}`);
      await response.arrayBuffer();
    } finally {
      diagnostics.unsubscribe('undici:client:sendHeaders', onSend);
    }
    assert.equal(heldAtWrite.length, 1);
    // Held when the request went out: the bound (what the first request took is back by now).
    assert.ok(heldAtWrite[0] >= bound - 50, `held ${heldAtWrite[0]} at the write; bound ${bound}, count ${counted}`);
  });
});
