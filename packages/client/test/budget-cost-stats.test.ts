import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Accumulator } from '../src/accumulator.ts';
import { Channel } from '../src/channel.ts';
import { DEFAULT_COMPLETION_ESTIMATE, estimatePromptTokens, estimateRequestTokens } from '../src/cost.ts';
import { percentile, StatsRecorder } from '../src/stats.ts';
import type { ChunkDelta } from '@sluice/protocol';
import { BudgetExceededError, BudgetGuard, PriceTable } from '../src/index.ts';

test('the price table has the seed models, takes overrides and strips provider prefixes', () => {
  const prices = new PriceTable({ 'my-model': { input: 1, output: 2 }, 'gpt-4.1': { input: 1, output: 1 } });
  assert.deepEqual(prices.priceOf('deepseek-v3.2'), { input: 0.28, output: 0.42 });
  assert.deepEqual(prices.priceOf('claude-sonnet-4.5'), { input: 3, output: 15 });
  assert.deepEqual(prices.priceOf('gpt-4.1'), { input: 1, output: 1 });
  assert.deepEqual(prices.priceOf('openrouter/my-model'), { input: 1, output: 2 });
  assert.equal(prices.priceOf('unknown'), undefined);
  // 1000 in at $3/M + 2000 out at $15/M
  assert.equal(prices.cost('claude-sonnet-4.5', { prompt_tokens: 1000, completion_tokens: 2000 }), 0.033);
  assert.equal(prices.cost('unknown', { prompt_tokens: 1, completion_tokens: 1 }), null);
  assert.throws(() => new PriceTable({ bad: { input: -1, output: 0 } }), /bad/);
});

test('cache reads and writes cost their own prices; the SDK and the gateway share costOf', () => {
  const prices = new PriceTable({ cached: { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 }, plain: { input: 3, output: 15 } });
  const usage = { prompt_tokens: 1_410, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 1_000, cache_write_tokens: 400 } };
  // 10 fresh at $3, 1000 read at $0.30, 400 written at $3.75, 20 out at $15, per million.
  assert.equal(prices.cost('cached', usage), (10 * 3 + 1_000 * 0.3 + 400 * 3.75 + 20 * 15) / 1e6);
  assert.equal(prices.cost('plain', usage), (1_410 * 3 + 20 * 15) / 1e6, 'without cache prices every prompt token costs input');
  assert.equal(prices.cost('cached', { prompt_tokens: 10, completion_tokens: 0 }), 30 / 1e6);
  assert.throws(() => new PriceTable({ bad: { input: 1, output: 1, cachedInput: -1 } }), /cachedInput/);
});

test('token estimates: four characters a token plus framing, and the completion bound', () => {
  const body = { model: 'm', messages: [{ role: 'user' as const, content: 'x'.repeat(400) }, { role: 'user' as const, content: [{ type: 'text', text: 'y'.repeat(40) }] }] };
  assert.equal(estimatePromptTokens(body), 100 + 10 + 8);
  assert.equal(estimateRequestTokens({ ...body, max_tokens: 50 }), 168);
  assert.equal(estimateRequestTokens({ ...body, max_completion_tokens: 7, max_tokens: 50 }), 125);
  assert.equal(estimateRequestTokens(body), 118 + DEFAULT_COMPLETION_ESTIMATE);
});

test('the budget refuses a request whose worst case passes the limit', () => {
  const guard = new BudgetGuard(1);
  const first = guard.admit(0.6);
  first.update(0.5);
  assert.throws(() => guard.admit(0.6), (error) => error instanceof BudgetExceededError && error.limit === 1 && error.spent === 0.5);
  first.settle(0.55);
  assert.equal(guard.spent, 0.55);
  assert.ok(Math.abs(guard.remaining - 0.45) < 1e-12);
  guard.admit(0.4).settle(0.4);
  assert.throws(() => guard.admit(0.1), BudgetExceededError);
  assert.throws(() => new BudgetGuard(-1), /budget/);
});

test('a running stream whose live cost passes the limit is told so', () => {
  const guard = new BudgetGuard(0.01);
  const a = guard.admit(0);
  const b = guard.admit(0);
  a.update(0.004);
  b.update(0.005);
  assert.throws(() => a.update(0.0051), BudgetExceededError);
  a.settle(0.0051);
  b.settle(0.005);
  assert.equal(guard.remaining, 0);
  b.settle(1); // settling twice counts once
  assert.ok(Math.abs(guard.spent - 0.0101) < 1e-12, `spent ${guard.spent}`);
});

test('percentiles are nearest-rank; stats keep counts and a sliding sample', () => {
  assert.equal(percentile([], 0.5), null);
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 0.5), 50);
  assert.equal(percentile(sorted, 0.99), 99);
  assert.equal(percentile([7], 0.99), 7);
  const stats = new StatsRecorder();
  for (let i = 1; i <= 2000; i++) stats.recordTtft(i);
  stats.recordCompleted(30, 0.001);
  stats.recordCompleted(10, 0.002);
  stats.recordFailed();
  stats.recordResume();
  const snap = stats.snapshot(3, 4);
  assert.deepEqual({ ...snap, ttftP50Ms: undefined, ttftP99Ms: undefined }, {
    active: 3, queued: 4, completed: 2, failed: 1, resumes: 1, tokens: 40, cost: 0.003, ttftP50Ms: undefined, ttftP99Ms: undefined,
  });
  // Only the last 1024 samples (977..2000) count.
  assert.equal(snap.ttftP50Ms, 977 + 511);
  assert.equal(snap.ttftP99Ms, 977 + Math.ceil(0.99 * 1024) - 1);
});

test('the accumulator joins text, reasoning and tool-call fragments of choice 0', () => {
  const acc = new Accumulator();
  const chunk = (delta: ChunkDelta, finish: string | null = null, index = 0) => ({
    id: 'c', object: 'chat.completion.chunk' as const, created: 0, model: 'm', choices: [{ index, delta, finish_reason: finish }],
  });
  acc.add(chunk({ role: 'assistant', content: '' }));
  acc.add(chunk({ content: 'Hel' }));
  acc.add(chunk({ content: 'lo' }));
  acc.add(chunk({ content: 'other choice' }, null, 1));
  acc.add(chunk({ reasoning_content: 'think' }));
  acc.add(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get', arguments: '{"a"' } }] }));
  acc.add(chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }));
  acc.add(chunk({}, 'tool_calls'));
  acc.add({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
  assert.equal(acc.text, 'Hello');
  assert.equal(acc.reasoning, 'think');
  assert.deepEqual(acc.toolCalls, [{ id: 'call_1', type: 'function', function: { name: 'get', arguments: '{"a":1}' } }]);
  assert.equal(acc.finishReason, 'tool_calls');
  assert.equal(acc.usage?.total_tokens, 3);
  assert.equal(acc.outputChunks, 5);
  assert.equal(acc.model, 'm');
});

test('a channel hands items over in order, then the end or the error', async () => {
  const channel = new Channel<number>();
  channel.push(1);
  const reading = (async () => {
    const seen: number[] = [];
    for await (const n of channel) seen.push(n);
    return seen;
  })();
  channel.push(2);
  channel.end();
  channel.push(3);
  assert.deepEqual(await reading, [1, 2]);
  const failing = new Channel<number>();
  failing.push(1);
  failing.fail(new Error('boom'));
  assert.equal((await failing.next()).value, 1);
  await assert.rejects(failing.next(), /boom/);
  assert.equal((await failing.next()).done, true);
});

test('a channel makes the producer wait for room, and break calls onReturn', async () => {
  let returned = 0;
  const channel = new Channel<number>(() => returned++);
  channel.push(1);
  channel.push(2);
  let roomy = false;
  const waiting = channel.waitForRoom(2).then(() => (roomy = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(roomy, false);
  await channel.next();
  await waiting;
  assert.equal(roomy, true);
  for await (const _ of channel) break;
  assert.equal(returned, 1);
});
