import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { dropPostgresTables } from './helpers/postgres.ts';
import { PostgresUsageStore } from '../src/billing/postgres-usage-store.ts';
import { SqliteUsageStore } from '../src/billing/sqlite-usage-store.ts';
import type { UsageRecord, UsageStore } from '../src/billing/usage-store.ts';

/** The aggregates the admin API reads, on every UsageStore: SQLite always, PostgreSQL when DATABASE_URL is set. */
const dir = mkdtempSync(join(tmpdir(), 'sluice-aggregates-'));
const suffix = randomBytes(4).toString('hex');
const tables: string[] = [];
const fail = (error: unknown) => assert.fail(String(error));

const kinds: { name: string; skip: string | false; open(where: string): UsageStore; exec(where: string, sql: string): Promise<void> }[] = [
  {
    name: 'SQLite',
    skip: false,
    open: (where) => new SqliteUsageStore(join(dir, `${where}.db`), fail),
    exec: async (where, sql) => {
      const db = new DatabaseSync(join(dir, `${where}.db`));
      db.exec(sql.replaceAll('$TABLE', 'usage'));
      db.close();
    },
  },
  {
    name: 'PostgreSQL',
    skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set (CI sets it when PostgreSQL runs on 127.0.0.1:5432)',
    open: (where) => new PostgresUsageStore(process.env.DATABASE_URL ?? '', table(where), fail),
    exec: async (where, sql) => {
      const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      await client.query(sql.replaceAll('$TABLE', table(where)));
      await client.end();
    },
  },
];

function table(where: string): string {
  const name = `sluice_aggtest_${where}_${suffix}`;
  if (!tables.includes(name)) tables.push(name);
  return name;
}

after(() => dropPostgresTables(tables));

const DAY1 = Date.UTC(2026, 10, 30, 12);
const DAY2 = Date.UTC(2026, 11, 1, 0, 30);

function row(keyId: string, model: string, at: number, fields: Partial<UsageRecord> = {}): UsageRecord {
  return { at, streamId: randomBytes(6).toString('hex'), endpoint: 'chat', key: keyId, keyId, model, target: `sim/${model}`, status: 'done', promptTokens: 10, completionTokens: 20, estimated: false, cost: 0.5, ttftMs: 100, durationMs: 300, route: null, cached: false, ...fields };
}

for (const kind of kinds) {
  describe(`usage aggregates: ${kind.name}`, { skip: kind.skip }, () => {
    test('grouped by key, model and UTC day: requests, errors, tokens, cost and the median time to first token', async () => {
      const store = kind.open('groups');
      try {
        for (const [i, ttft] of [40, 10, 30, 20].entries()) store.record(row('a', 'gpt-4.1', DAY1 + i, { ttftMs: ttft }));
        store.record(row('a', 'gpt-4.1', DAY1 + 9, { status: 'error', ttftMs: null, completionTokens: 0, cost: 0 }));
        store.record(row('a', 'claude-sonnet-4.5', DAY2, { ttftMs: 7, cost: 1.25 }));
        store.record(row('b', 'gpt-4.1', DAY2 + 1, { ttftMs: 9, status: 'cancelled' }));
        store.record(row('b', 'gpt-4.1', DAY2 + 2, { ttftMs: null, status: 'hedge_lost', completionTokens: 0, cost: 0.25 }));
        const byKey = await store.aggregate({ groupBy: 'key' });
        assert.deepEqual(byKey, [
          { group: 'a', requests: 6, errors: 1, promptTokens: 60, completionTokens: 100, cost: 3.25, p50TtftMs: 20 },
          { group: 'b', requests: 1, errors: 0, promptTokens: 20, completionTokens: 20, cost: 0.75, p50TtftMs: 9 },
        ]);
        const byModel = await store.aggregate({ groupBy: 'model' });
        assert.deepEqual(byModel.map((g) => [g.group, g.requests, g.p50TtftMs]), [['claude-sonnet-4.5', 1, 7], ['gpt-4.1', 6, 20]]);
        const byDay = await store.aggregate({ groupBy: 'day' });
        assert.deepEqual(byDay.map((g) => [g.group, g.requests, g.cost]), [['2026-11-30', 5, 2], ['2026-12-01', 2, 2]]);
      } finally {
        await store.close();
      }
    });

    test('filters: a time window (to exclusive), a key, a model; nothing matching is an empty list', async () => {
      const store = kind.open('filters');
      try {
        store.record(row('a', 'gpt-4.1', DAY1));
        store.record(row('a', 'gpt-4.1', DAY2));
        store.record(row('b', 'deepseek-v3.2', DAY2));
        assert.deepEqual((await store.aggregate({ groupBy: 'key', from: DAY2 })).map((g) => [g.group, g.requests]), [['a', 1], ['b', 1]]);
        assert.deepEqual((await store.aggregate({ groupBy: 'key', to: DAY2 })).map((g) => [g.group, g.requests]), [['a', 1]]);
        assert.deepEqual((await store.aggregate({ groupBy: 'model', keyId: 'a' })).map((g) => [g.group, g.requests]), [['gpt-4.1', 2]]);
        assert.deepEqual((await store.aggregate({ groupBy: 'day', model: 'deepseek-v3.2' })).map((g) => g.group), ['2026-12-01']);
        assert.deepEqual(await store.aggregate({ groupBy: 'key', keyId: 'nobody' }), []);
        assert.equal(await store.spent('a', 0), 1);
        assert.equal(await store.spent('a', DAY2), 0.5);
        assert.equal(await store.spent('nobody', 0), 0);
      } finally {
        await store.close();
      }
    });

    test('a ledger from before caller ids counts its rows as the config keys (or anonymous) that wrote them', async () => {
      await kind.exec(
        'legacy',
        `CREATE TABLE $TABLE (at BIGINT NOT NULL, stream_id TEXT NOT NULL, endpoint TEXT NOT NULL DEFAULT 'chat', key TEXT NOT NULL, model TEXT NOT NULL, target TEXT, status TEXT NOT NULL,
          prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, estimated BOOLEAN NOT NULL, cost DOUBLE PRECISION NOT NULL, ttft_ms INTEGER, duration_ms INTEGER NOT NULL);
         INSERT INTO $TABLE VALUES (1, 's1', 'chat', 'web', 'm', 'p/m', 'done', 1, 1, ${kind.name === 'SQLite' ? 0 : 'false'}, 0.25, 5, 9);
         INSERT INTO $TABLE VALUES (2, 's2', 'chat', 'anonymous', 'm', 'p/m', 'done', 1, 1, ${kind.name === 'SQLite' ? 0 : 'false'}, 0.5, 5, 9);`,
      );
      const store = kind.open('legacy');
      try {
        assert.deepEqual((await store.aggregate({ groupBy: 'key' })).map((g) => [g.group, g.cost]), [['anonymous', 0.5], ['config:web', 0.25]]);
      } finally {
        await store.close();
      }
    });
  });
}
