import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { chatBody, postChat } from './helpers/gateway.ts';
import { adminCall, startAdminGateway } from './helpers/admin.ts';
import { readSse, textOf } from './helpers/sse.ts';

const CONFIG_KEY = 'sk-config-key-0123456789';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('admin API: managed keys and teams over HTTP', () => {
  let gateway: RunningGateway;
  const ledger = join(mkdtempSync(join(tmpdir(), 'sluice-admin-')), 'ledger.db');

  before(async () => {
    gateway = await startAdminGateway({ ledger: { path: ledger }, keys: [{ name: 'web', key: CONFIG_KEY }] });
  });
  after(() => gateway.close());

  test('a created key is shown once as sk-sluice-<id>-<secret> and streams at once', async () => {
    const created = await adminCall(gateway, 'POST', '/admin/keys', { name: 'ci', limits: { rpm: 100 } });
    assert.equal(created.status, 201);
    const { id, key, name, team, models, limits, createdAt } = created.body;
    assert.match(key, new RegExp(`^sk-sluice-${id}-[A-Za-z0-9_-]{43}$`));
    assert.deepEqual({ name, team, models, limits }, { name: 'ci', team: null, models: null, limits: { rpm: 100 } });
    assert.ok(Math.abs(Date.parse(createdAt) - Date.now()) < 60_000);
    const stream = await postChat(gateway, chatBody({ stream: true, sim: { text: 'Hello there.' } }), bearer(key));
    assert.equal(stream.status, 200);
    assert.equal(textOf((await readSse(stream)).data), 'Hello there.');

    const listed = await adminCall(gateway, 'GET', '/admin/keys');
    const entry = listed.body.data.find((k: { id: string }) => k.id === id);
    assert.equal(entry.status, 'active');
    assert.ok(!JSON.stringify(listed.body).includes(key.slice(-43)), 'no secret in the list');
    const shown = await adminCall(gateway, 'GET', `/admin/keys/${id}`);
    assert.equal(shown.body.key, undefined, 'no secret when shown');
    assert.equal(shown.body.digest, undefined);
  });

  test('a revoked key is refused with 401 at once; revoking again keeps the first time', async () => {
    const { body } = await adminCall(gateway, 'POST', '/admin/keys', { name: 'short-lived' });
    assert.equal((await postChat(gateway, chatBody(), bearer(body.key))).status, 200);
    const revoked = await adminCall(gateway, 'DELETE', `/admin/keys/${body.id}`);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.status, 'revoked');
    const refused = await postChat(gateway, chatBody(), bearer(body.key));
    assert.equal(refused.status, 401);
    const error = ((await refused.json()) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'invalid_api_key');
    assert.match(error.message, /revoked/);
    const again = await adminCall(gateway, 'DELETE', `/admin/keys/${body.id}`);
    assert.equal(again.body.revokedAt, revoked.body.revokedAt);
  });

  test('a key whose secret is wrong, or whose id is unknown, is a plain 401', async () => {
    const { body } = await adminCall(gateway, 'POST', '/admin/keys', { name: 'guarded' });
    const tampered = `${body.key.slice(0, -1)}${body.key.endsWith('A') ? 'B' : 'A'}`;
    assert.equal((await postChat(gateway, chatBody(), bearer(tampered))).status, 401);
    assert.equal((await postChat(gateway, chatBody(), bearer(body.key.replace(body.id, '0123456789abcdef')))).status, 401);
  });

  test('an expired key is refused with 401; PATCH moves its expiry', async () => {
    const { body } = await adminCall(gateway, 'POST', '/admin/keys', { name: 'expiring', expiresAt: new Date(Date.now() + 60_000).toISOString() });
    assert.equal((await postChat(gateway, chatBody(), bearer(body.key))).status, 200);
    const past = await adminCall(gateway, 'PATCH', `/admin/keys/${body.id}`, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    assert.equal(past.status, 200);
    assert.equal(past.body.status, 'expired');
    const refused = await postChat(gateway, chatBody(), bearer(body.key));
    assert.equal(refused.status, 401);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /expired/);
    await adminCall(gateway, 'PATCH', `/admin/keys/${body.id}`, { expiresAt: null });
    assert.equal((await postChat(gateway, chatBody(), bearer(body.key))).status, 200);
  });

  test('PATCH changes name, models and limits, and null clears them', async () => {
    const { body } = await adminCall(gateway, 'POST', '/admin/keys', { name: 'before', models: ['gpt-4.1'] });
    const changed = await adminCall(gateway, 'PATCH', `/admin/keys/${body.id}`, { name: 'after', models: ['sim/*'], limits: { tpm: 5000, budget: { usd: 10, period: 'day' } } });
    assert.equal(changed.status, 200);
    assert.deepEqual({ name: changed.body.name, models: changed.body.models, limits: changed.body.limits }, { name: 'after', models: ['sim/*'], limits: { tpm: 5000, budget: { usd: 10, period: 'day' } } });
    const cleared = await adminCall(gateway, 'PATCH', `/admin/keys/${body.id}`, { models: null, limits: null });
    assert.deepEqual({ models: cleared.body.models, limits: cleared.body.limits }, { models: null, limits: null });
  });

  test('teams: created with limits, listed, changed; a key joins one that exists', async () => {
    const team = `research-${Date.now()}`;
    const created = await adminCall(gateway, 'POST', '/admin/teams', { name: team, limits: { concurrency: 4 } });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.limits, { concurrency: 4 });
    assert.equal((await adminCall(gateway, 'POST', '/admin/teams', { name: team })).status, 409);
    const changed = await adminCall(gateway, 'PATCH', `/admin/teams/${team}`, { limits: { concurrency: 8, budget: { usd: 100, period: 'month' } } });
    assert.deepEqual(changed.body.limits, { concurrency: 8, budget: { usd: 100, period: 'month' } });
    assert.ok((await adminCall(gateway, 'GET', '/admin/teams')).body.data.some((t: { name: string; limits: unknown }) => t.name === team && (t.limits as { concurrency: number }).concurrency === 8));
    const key = await adminCall(gateway, 'POST', '/admin/keys', { name: 'member', team });
    assert.equal(key.status, 201);
    assert.equal(key.body.team, team);
    const missing = await adminCall(gateway, 'POST', '/admin/keys', { name: 'lost', team: 'no-such-team' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.param, 'team');
    assert.equal((await adminCall(gateway, 'PATCH', '/admin/teams/no-such-team', { limits: null })).status, 404);
  });

  test('config keys are listed and shown, and read-only', async () => {
    const shown = await adminCall(gateway, 'GET', '/admin/keys/config:web');
    assert.equal(shown.status, 200);
    assert.equal(shown.body.source, 'config');
    assert.equal(typeof shown.body.usage.spent, 'number');
    for (const [method, body] of [['PATCH', { name: 'x' }], ['DELETE', undefined]] as const) {
      const refused = await adminCall(gateway, method, '/admin/keys/config:web', body);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'read_only_key');
    }
    assert.equal((await postChat(gateway, chatBody(), bearer(CONFIG_KEY))).status, 200);
  });

  test('an unknown key id is 404 key_not_found, for show, change and revoke', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const { status, body } = await adminCall(gateway, method, '/admin/keys/0000000000000000', method === 'PATCH' ? { name: 'x' } : undefined);
      assert.equal(status, 404, method);
      assert.equal(body.error.code, 'key_not_found');
    }
  });

  for (const [what, method, path, body, param] of [
    ['no body', 'POST', '/admin/keys', undefined, null],
    ['a body that is not an object', 'POST', '/admin/keys', [1], null],
    ['no name', 'POST', '/admin/keys', {}, 'name'],
    ['an empty name', 'POST', '/admin/keys', { name: '  ' }, 'name'],
    ['an unknown field', 'POST', '/admin/keys', { name: 'a', limts: {} }, 'limts'],
    ['an unknown limit', 'POST', '/admin/keys', { name: 'a', limits: { rpn: 5 } }, 'limits.rpn'],
    ['a negative rpm', 'POST', '/admin/keys', { name: 'a', limits: { rpm: -1 } }, 'limits.rpm'],
    ['a budget without period', 'POST', '/admin/keys', { name: 'a', limits: { budget: { usd: 5 } } }, 'limits.budget.period'],
    ['a bad budget period', 'POST', '/admin/keys', { name: 'a', limits: { budget: { usd: 5, period: 'week' } } }, 'limits.budget.period'],
    ['models that are not a list', 'POST', '/admin/keys', { name: 'a', models: 'gpt-4.1' }, 'models'],
    ['an empty models list', 'POST', '/admin/keys', { name: 'a', models: [] }, 'models'],
    ['a model alias that does not exist', 'POST', '/admin/keys', { name: 'a', models: ['gpt-4.1', 'gpt-5-typo'] }, 'models[1]'],
    ['a provider that does not exist', 'POST', '/admin/keys', { name: 'a', models: ['nope/*'] }, 'models[0]'],
    ['an expiry that is not a time', 'POST', '/admin/keys', { name: 'a', expiresAt: 'tomorrow' }, 'expiresAt'],
    ['an expiry in the past', 'POST', '/admin/keys', { name: 'a', expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
    ['a bad team name', 'POST', '/admin/keys', { name: 'a', team: 'has space' }, 'team'],
    ['a PATCH with an unknown field', 'PATCH', '/admin/keys/0000000000000000', { secret: 'x' }, 'secret'],
    ['a team without name', 'POST', '/admin/teams', { limits: {} }, 'name'],
    ['a team PATCH without limits', 'PATCH', '/admin/teams/x', {}, 'limits'],
    ['usage grouped by something unknown', 'GET', '/admin/usage?groupBy=week', undefined, 'groupBy'],
    ['usage from a date that is not one', 'GET', '/admin/usage?from=yesterday', undefined, 'from'],
    ['usage with to before from', 'GET', '/admin/usage?from=2026-12-02&to=2026-12-01', undefined, 'to'],
    ['usage with an unknown parameter', 'GET', '/admin/usage?by=key', undefined, 'by'],
  ] as const) {
    test(`bad admin input: ${what} is a 400 naming the field`, async () => {
      const answer = await adminCall(gateway, method, path, body);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.deepEqual(Object.keys(answer.body.error).sort(), ['code', 'message', 'param', 'type']);
      assert.equal(answer.body.error.type, 'invalid_request_error');
      assert.equal(answer.body.error.param, param);
    });
  }

  test('malformed JSON is a 400 in the same shape, and nothing was created', async () => {
    const before = (await adminCall(gateway, 'GET', '/admin/keys')).body.data.length;
    const answer = await adminCall(gateway, 'POST', '/admin/keys', '{"name": ');
    assert.equal(answer.status, 400);
    assert.equal(typeof answer.body.error.message, 'string');
    assert.equal((await adminCall(gateway, 'GET', '/admin/keys')).body.data.length, before);
  });

  test('usage from the ledger: GET /admin/usage by key, model and day, and the key\'s spend in its budget period', async () => {
    const { body } = await adminCall(gateway, 'POST', '/admin/keys', { name: 'metered', limits: { budget: { usd: 5, period: 'day' } } });
    for (const model of ['gpt-4.1', 'gpt-4.1', 'claude-sonnet-4.5']) {
      const response = await postChat(gateway, chatBody({ model, stream: true, sim: { tokens: 50 } }), bearer(body.key));
      await readSse(response);
    }
    const today = new Date().toISOString().slice(0, 10);
    const byModel = await adminCall(gateway, 'GET', `/admin/usage?groupBy=model&key=${body.id}&from=${today}`);
    assert.equal(byModel.status, 200);
    assert.deepEqual(byModel.body.data.map((g: { model: string; requests: number }) => [g.model, g.requests]), [['claude-sonnet-4.5', 1], ['gpt-4.1', 2]]);
    for (const group of byModel.body.data) {
      assert.equal(group.completionTokens, group.requests * 50);
      assert.ok(group.cost > 0 && group.p50TtftMs >= 0 && group.errors === 0, JSON.stringify(group));
    }
    const byKey = await adminCall(gateway, 'GET', '/admin/usage');
    assert.equal(byKey.body.groupBy, 'key');
    const mine = byKey.body.data.find((g: { key: string }) => g.key === body.id);
    assert.equal(mine.name, 'metered');
    assert.equal(mine.requests, 3);
    const byDay = await adminCall(gateway, 'GET', `/admin/usage?groupBy=day&key=${body.id}`);
    assert.deepEqual(byDay.body.data.map((g: { day: string }) => g.day), [today]);

    const shown = await adminCall(gateway, 'GET', `/admin/keys/${body.id}`);
    assert.ok(Math.abs(shown.body.usage.spent - mine.cost) < 1e-9, JSON.stringify(shown.body.usage));
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString();
    assert.equal(shown.body.usage.periodResetsAt, tomorrow);
    for (const live of ['requestsRemaining', 'tokensRemaining', 'running', 'budgetRemaining']) assert.ok(live in shown.body.usage, live);
  });

  test('GET /admin/keys/{id} shows the limit store\'s live state: buckets, running streams, budget left', async () => {
    const { body } = await adminCall(gateway, 'POST', '/admin/keys', { name: 'live', limits: { rpm: 100, tpm: 100000, concurrency: 3, budget: { usd: 5, period: 'month' } } });
    const fresh = (await adminCall(gateway, 'GET', `/admin/keys/${body.id}`)).body.usage;
    assert.deepEqual({ requests: fresh.requestsRemaining, tokens: fresh.tokensRemaining, running: fresh.running, budget: fresh.budgetRemaining, spent: fresh.spent }, { requests: 100, tokens: 100000, running: 0, budget: 5, spent: 0 });
    const controller = new AbortController();
    const slow = await postChat(gateway, chatBody({ model: 'gpt-4.1', stream: true, sim: { tokens: 400, delayMs: 5 } }), bearer(body.key), controller.signal);
    assert.equal(slow.status, 200);
    const during = (await adminCall(gateway, 'GET', `/admin/keys/${body.id}`)).body.usage;
    assert.equal(during.running, 1);
    assert.ok(during.requestsRemaining < 100 && during.requestsRemaining >= 98, JSON.stringify(during));
    assert.ok(during.tokensRemaining < 100000, JSON.stringify(during));
    assert.ok(during.budgetRemaining < 5, 'the running stream holds a reservation');
    await readSse(slow);
    let after = during;
    for (let i = 0; i < 40 && after.running !== 0; i++) after = (await adminCall(gateway, 'GET', `/admin/keys/${body.id}`)).body.usage;
    assert.equal(after.running, 0);
    assert.ok(after.spent > 0 && Math.abs(after.budgetRemaining - (5 - after.spent)) < 1e-6, JSON.stringify(after));
    const unlimited = await adminCall(gateway, 'POST', '/admin/keys', { name: 'unlimited' });
    const none = (await adminCall(gateway, 'GET', `/admin/keys/${unlimited.body.id}`)).body.usage;
    assert.deepEqual([none.requestsRemaining, none.tokensRemaining, none.running, none.budgetRemaining, none.periodResetsAt], [null, null, null, null, null]);
  });

  test('keys survive a restart of the gateway on the same ledger', async () => {
    const { body } = await adminCall(gateway, 'POST', '/admin/keys', { name: 'durable' });
    const second = await startAdminGateway({ ledger: { path: ledger } });
    try {
      assert.equal((await postChat(second, chatBody(), bearer(body.key))).status, 200);
    } finally {
      await second.close();
    }
  });
});
