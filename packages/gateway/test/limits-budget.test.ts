import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway, SluiceConfigInput } from '@sluice/gateway';
import { keySubject } from '../src/limits/limit-subjects.ts';
import { chatBody, postChat, startTestGateway } from './helpers/gateway.ts';
import { readSse, textOf } from './helpers/sse.ts';

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** $10 a million prompt tokens, $1,000 a million output tokens: a tenth of a cent an output token. */
const PRICED = { name: 'priced', target: 'sim/priced', price: { input: 10, output: 1000 } };
const OUTPUT_USD = 0.001;

function budgetGateway(usd: number, ledgerPath: string, period: 'day' | 'month' | 'total' = 'day'): Promise<RunningGateway> {
  const config: SluiceConfigInput = { keys: [{ name: 'budgeted', key: 'sk-test-budget', limits: { budget: { usd, period } } }], models: [PRICED], ledger: { path: ledgerPath } };
  return startTestGateway(config);
}

function lastEvent(events: { event?: string; data: string }[]): { event?: string; code?: string } {
  const last = events.at(-1)!;
  const parsed = JSON.parse(last.data) as { error?: { code?: string; type?: string }; code?: string };
  return { event: last.event, code: parsed.error?.code ?? parsed.error?.type ?? parsed.code };
}

describe('budgets while a stream runs', () => {
  let gateway: RunningGateway;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-budget-'));
    gateway = await budgetGateway(0.3, join(dir, 'ledger.db'));
  });
  after(() => gateway.close());

  const budget = async () => (await gateway.context.limits.store.usage({ ...keySubject({ id: 'config:budgeted', limits: { budget: { usd: 0.3, period: 'day' } } })! })).budget!;

  test('a stream that would outrun its budget stops before it does: an insufficient_quota error frame, and the ledger is charged no more than the budget', async () => {
    const response = await postChat(gateway, chatBody({ model: 'priced', stream: true, sim: { tokens: 1000 } }), auth('sk-test-budget'));
    assert.equal(response.status, 200);
    const remainingAtStart = Number(response.headers.get('x-sluice-budget-remaining'));
    // The first reservation: the prompt and 256 output tokens.
    assert.ok(remainingAtStart < 0.3 - 0.256 && remainingAtStart > 0.03, String(remainingAtStart));
    const { events, data } = await readSse(response);
    const end = events.at(-1)!;
    assert.equal(end.event, 'error');
    assert.equal((JSON.parse(end.data) as { error: { code: string } }).error.code, 'insufficient_quota');
    assert.ok(textOf(data.slice(0, -1)).length > 0);
    await sleep(100);
    const totals = await gateway.context.usage.totals('budgeted');
    // Stopped near the budget: about 300 tokens' worth, not 1000, and past the first 256 (the last, smaller extension was granted).
    assert.ok(totals.completionTokens > 256 && totals.completionTokens <= 300, `${totals.completionTokens} tokens`);
    assert.ok(totals.cost <= 0.3 + 1e-9, `spent ${totals.cost}`);
    assert.ok(totals.cost > 0.25, `spent ${totals.cost}`);
    const after = await budget();
    assert.equal(after.held, 0, 'nothing stays reserved once the stream settled');
    assert.ok(Math.abs(after.spent - totals.cost) < 1e-9);
    // What is left cannot cover another reservation.
    const refused = await postChat(gateway, chatBody({ model: 'priced', stream: true }), auth('sk-test-budget'));
    assert.equal(refused.status, 429);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'insufficient_quota');
  });

  test('a restart reads the period spend back from the ledger', async () => {
    const spent = (await gateway.context.usage.totals('budgeted')).cost;
    await gateway.close();
    gateway = await budgetGateway(0.3, join(dir, 'ledger.db'));
    const refused = await postChat(gateway, chatBody({ model: 'priced', stream: true }), auth('sk-test-budget'));
    assert.equal(refused.status, 429);
    assert.ok(Math.abs((await budget()).spent - spent) < 1e-9);
  });
});

describe('budget reservations', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await budgetGateway(1, join(mkdtempSync(join(tmpdir(), 'sluice-budget-')), 'ledger.db'));
  });
  after(() => gateway.close());
  const budget = async () => (await gateway.context.limits.store.usage(keySubject({ id: 'config:budgeted', limits: { budget: { usd: 1, period: 'day' } } })!)).budget!;

  test('a stream that reserved more than it used gives the difference back at once', async () => {
    const response = await postChat(gateway, chatBody({ model: 'priced', stream: true, sim: { tokens: 10, delayMs: 20 } }), auth('sk-test-budget'));
    const during = await budget();
    assert.ok(during.held > 0.256, JSON.stringify(during));
    await readSse(response);
    await sleep(20);
    const after = await budget();
    assert.equal(after.held, 0);
    assert.ok(after.spent > 10 * OUTPUT_USD && after.spent < 10 * OUTPUT_USD + 0.001, String(after.spent));
    assert.ok(Math.abs(after.remaining - (1 - after.spent)) < 1e-9);
  });

  test('concurrent streams never spend more than the budget; each completes or ends insufficient_quota', async () => {
    const responses = await Promise.all(Array.from({ length: 12 }, () => postChat(gateway, chatBody({ model: 'priced', stream: true, sim: { tokens: 200, delayMs: 2 } }), auth('sk-test-budget'))));
    const outcomes = await Promise.all(
      responses.map(async (r) => {
        if (r.status !== 200) return `refused ${((await r.json()) as { error: { code: string } }).error.code}`;
        const { events } = await readSse(r);
        return events.at(-1)!.data === '[DONE]' ? 'done' : lastEvent(events).code!;
      }),
    );
    for (const outcome of outcomes) assert.ok(['done', 'insufficient_quota', 'refused insufficient_quota'].includes(outcome), outcome);
    await sleep(100);
    const totals = await gateway.context.usage.totals('budgeted');
    assert.ok(totals.cost <= 1 + 1e-9, `spent ${totals.cost}`);
    assert.ok(outcomes.includes('done'));
  });

  test('the Messages API ends a stream out of budget with its own error event', async () => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-test-budget' },
      body: JSON.stringify({ model: 'priced', max_tokens: 4000, stream: true, messages: [{ role: 'user', content: 'hi' }], sim: { tokens: 4000 } }),
    });
    if (response.status === 429) return assert.equal(((await response.json()) as { error: { type: string } }).error.type, 'rate_limit_error');
    const { events } = await readSse(response);
    const end = events.at(-1)!;
    assert.equal(end.event, 'error');
    assert.match(end.data, /budget/);
  });
});
