import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
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
}

const dir = mkdtempSync(join(tmpdir(), 'sluice-ledger-'));
const tables: string[] = [];
const kinds: LedgerKind[] = [
  { name: 'SQLite', skip: false, open: (where) => new SqliteUsageStore(join(dir, `${where}.db`), fail), config: (where) => ({ path: join(dir, `${where}.db`) }) },
  {
    name: 'PostgreSQL',
    skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set (CI sets it when PostgreSQL runs on 127.0.0.1:5432)',
    open: (where) => new PostgresUsageStore(process.env.DATABASE_URL ?? '', table(where), fail),
    config: (where) => ({ url: process.env.DATABASE_URL ?? '', table: table(where) }),
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

after(async () => {
  if (!process.env.DATABASE_URL || tables.length === 0) return;
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  for (const name of tables) await client.query(`DROP TABLE IF EXISTS ${name}`);
  await client.end();
});

function record(i: number, key: string): UsageRecord {
  return { at: Date.now(), streamId: `s${i}`, key, model: 'm', target: 'p/m', status: 'done', promptTokens: 10, completionTokens: i, estimated: i % 2 === 0, cost: 0.001 * i, ttftMs: 5, durationMs: 50 };
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
