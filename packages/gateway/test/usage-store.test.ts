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
import { chatBody, postChat, startTestGateway } from './helpers/gateway.ts';
import { readSse } from './helpers/sse.ts';

/** One suite, every UsageStore: SQLite always, PostgreSQL when DATABASE_URL is set. */
interface LedgerKind {
  name: string;
  skip: string | false;
  /** A store over the same place each time it is called with the same `where`. */
  open(where: string): UsageStore;
  config(where: string): { path: string } | { url: string; table: string };
  /** The endpoint of every row, read straight from the table. */
  endpoints(where: string): Promise<string[]>;
  /** Run SQL on the table's database directly: `$TABLE` stands for the table's name. */
  exec(where: string, sql: string): Promise<void>;
}

/** The ledger's table as it was before requests recorded their endpoint. */
const OLD_TABLE = `CREATE TABLE $TABLE (at BIGINT NOT NULL, stream_id TEXT NOT NULL, key TEXT NOT NULL, model TEXT NOT NULL, target TEXT, status TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, estimated BOOLEAN NOT NULL, cost DOUBLE PRECISION NOT NULL, ttft_ms INTEGER, duration_ms INTEGER NOT NULL);
  INSERT INTO $TABLE VALUES (1, 'old', 'web', 'm', 'p/m', 'done', 1, 1, false, 0, 1, 1)`;

const dir = mkdtempSync(join(tmpdir(), 'sluice-ledger-'));
const tables: string[] = [];
const kinds: LedgerKind[] = [
  {
    name: 'SQLite',
    skip: false,
    open: (where) => new SqliteUsageStore(join(dir, `${where}.db`), fail),
    config: (where) => ({ path: join(dir, `${where}.db`) }),
    endpoints: async (where) => {
      const db = new DatabaseSync(join(dir, `${where}.db`));
      try {
        return (db.prepare('SELECT endpoint FROM usage ORDER BY at, rowid').all() as { endpoint: string }[]).map((row) => row.endpoint);
      } finally {
        db.close();
      }
    },
    exec: async (where, sql) => {
      const db = new DatabaseSync(join(dir, `${where}.db`));
      db.exec(sql.replaceAll('$TABLE', 'usage').replace('false', '0'));
      db.close();
    },
  },
  {
    name: 'PostgreSQL',
    skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set (CI sets it when PostgreSQL runs on 127.0.0.1:5432)',
    open: (where) => new PostgresUsageStore(process.env.DATABASE_URL ?? '', table(where), fail),
    config: (where) => ({ url: process.env.DATABASE_URL ?? '', table: table(where) }),
    endpoints: async (where) => {
      const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      try {
        return (await client.query<{ endpoint: string }>(`SELECT endpoint FROM ${table(where)} ORDER BY at`)).rows.map((row) => row.endpoint);
      } finally {
        await client.end();
      }
    },
    exec: async (where, sql) => {
      const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      try {
        await client.query(sql.replaceAll('$TABLE', table(where)));
      } finally {
        await client.end();
      }
    },
  },
];

const suffix = randomBytes(4).toString('hex');
function table(where: string): string {
  const name = `sluice_test_${where}_${suffix}`;
  if (!tables.includes(name)) tables.push(name);
  return name;
}

function fail(error: unknown): never {
  throw error;
}

after(() => dropPostgresTables(tables));

function record(i: number, key: string): UsageRecord {
  return { at: Date.now(), streamId: `s${i}`, endpoint: 'chat', key, keyId: `config:${key}`, model: 'm', target: 'p/m', status: 'done', promptTokens: 10, completionTokens: i, estimated: i % 2 === 0, cost: 0.001 * i, ttftMs: 5, durationMs: 50, route: i % 3 === 0 ? 'small; rule=short' : null, cached: i % 4 === 0 };
}

for (const kind of kinds) {
  describe(`UsageStore: ${kind.name}`, { skip: kind.skip }, () => {
    test('totals add up, overall and per key, and survive a reopen', async () => {
      const store = kind.open('totals');
      for (let i = 1; i <= 300; i++) store.record(record(i, i <= 100 ? 'web' : 'batch'));
      const all = await store.totals();
      assert.equal(all.requests, 300);
      assert.equal(all.promptTokens, 3000);
      assert.equal(all.completionTokens, (300 * 301) / 2);
      assert.ok(Math.abs(all.cost - 0.001 * ((300 * 301) / 2)) < 1e-9);
      assert.equal((await store.totals('web')).requests, 100);
      store.record(record(301, 'web'));
      await store.close();
      const again = kind.open('totals');
      assert.equal((await again.totals()).requests, 301, 'close wrote what was queued');
      await again.close();
    });

    test('each request records the endpoint it came through', async () => {
      const gateway = await startTestGateway({ ledger: kind.config('endpoints') });
      const post = (path: string, body: object) => fetch(`${gateway.baseURL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      try {
        assert.equal((await postChat(gateway, chatBody({ sim: { tokens: 2 } }))).status, 200);
        await new Promise((resolve) => setTimeout(resolve, 5));
        assert.equal((await post('/messages', { model: 'sim/m', max_tokens: 8, messages: [{ role: 'user', content: 'Hi' }], sim: { tokens: 2 } })).status, 200);
        await new Promise((resolve) => setTimeout(resolve, 5));
        assert.equal((await post('/responses', { model: 'sim/m', input: 'Hi', store: false, sim: { tokens: 2 } })).status, 200);
        await gateway.context.usage.totals();
        assert.deepEqual(await kind.endpoints('endpoints'), ['chat', 'messages', 'responses']);
      } finally {
        await gateway.close();
      }
    });

    test('a ledger written before endpoints were recorded gains the column; its rows were chat completions', async () => {
      await kind.exec('old', OLD_TABLE);
      const store = kind.open('old');
      store.record({ ...record(1, 'web'), endpoint: 'messages' });
      assert.equal((await store.totals()).requests, 2);
      await store.close();
      assert.deepEqual(await kind.endpoints('old'), ['chat', 'messages']);
    });

    test('every stream through the gateway lands in the ledger with its cost', async () => {
      const gateway = await startTestGateway({ ledger: kind.config('gateway'), providers: [{ id: 'sim', type: 'sim', price: { input: 1, output: 2 } }] });
      try {
        for (let i = 0; i < 5; i++) await readSse(await postChat(gateway, chatBody({ stream: true, sim: { tokens: 10 } })));
        assert.equal((await postChat(gateway, chatBody({ sim: { tokens: 4 } }))).status, 200);
        const totals = await gateway.context.usage.totals('anonymous');
        assert.equal(totals.requests, 6);
        assert.equal(totals.completionTokens, 5 * 10 + 4);
        assert.ok(Math.abs(totals.cost - (totals.promptTokens * 1 + totals.completionTokens * 2) / 1e6) < 1e-9);
      } finally {
        await gateway.close();
      }
    });
  });
}
