import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { startSimServer, type SimServer } from '@sluice/gateway';
import { serveCli, serveReplicas } from './helpers/cli.ts';
import { chatBody } from './helpers/gateway.ts';
import { readSse } from './helpers/sse.ts';
import { mostAtOnce } from './helpers/upstream-concurrency.ts';

const skip = process.env.REDIS_URL && process.env.DATABASE_URL ? false : 'REDIS_URL and DATABASE_URL are not both set (CI sets them when Redis and PostgreSQL run on loopback)';
/** Leases live three heartbeats unrenewed. */
const HEARTBEAT_MS = 300;
/** $1,000 a million output tokens, prompts free: a tenth of a cent an output token. */
const OUTPUT_USD = 0.001;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type ErrorBody = { error: { code: string } };

describe('limits across two gateway processes sharing Redis and PostgreSQL', { skip }, () => {
  let upstream: SimServer;
  let replicas: Awaited<ReturnType<typeof serveCli>>[] = [];
  const table = `sluice_limits_${randomBytes(4).toString('hex')}`;

  before(async () => {
    upstream = await startSimServer();
    const config = join(mkdtempSync(join(tmpdir(), 'sluice-limits-')), 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        ledger: { url: process.env.DATABASE_URL, table },
        logLevel: 'info',
        providers: [{ id: 'up', type: 'openai-compatible', baseURL: upstream.baseURL }],
        models: [{ name: 'priced', target: 'up/priced', price: { input: 0, output: OUTPUT_USD * 1_000_000 } }],
        keys: [
          { name: 'rpm', key: 'sk-test-rpm-100', limits: { rpm: 100 } },
          { name: 'budget', key: 'sk-test-budget', limits: { budget: { usd: 6, period: 'day' } } },
          { name: 'five', key: 'sk-test-five', limits: { concurrency: 5 } },
        ],
        redis: { url: process.env.REDIS_URL, keyPrefix: `sluice-test-${randomBytes(4).toString('hex')}:`, heartbeatMs: HEARTBEAT_MS },
      }),
    );
    const env = { SLUICE_STREAM_SECRET: randomBytes(32).toString('hex') };
    replicas = await serveReplicas(2, ['--config', config], env);
  });
  after(async () => {
    for (const replica of replicas) replica.child.kill('SIGKILL');
    await upstream.close();
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  });

  const post = (replica: number, key: string, body: object) =>
    fetch(`${replicas[replica].baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });

  test('300 requests at once against rpm 100, spread over two replicas: exactly 100 pass, the rest are 429 with Retry-After', async () => {
    const started = performance.now();
    const responses = await Promise.all(Array.from({ length: 300 }, (_, i) => post(i % 2, 'sk-test-rpm-100', chatBody({ model: 'up/m', sim: { tokens: 1 } }))));
    const elapsed = performance.now() - started;
    const admitted = responses.filter((r) => r.status === 200).length;
    const refused = responses.filter((r) => r.status === 429);
    // The bucket refills one request every 600 ms: a slow machine may see one more per 600 ms the burst took.
    const refilled = Math.floor(elapsed / 600);
    assert.ok(admitted >= 100 && admitted <= 100 + refilled, `${admitted} admitted in ${elapsed.toFixed(0)} ms`);
    assert.equal(admitted + refused.length, 300);
    for (const r of refused) {
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      assert.equal(((await r.json()) as ErrorBody).error.code, 'rate_limit_exceeded');
    }
    await Promise.all(responses.filter((r) => r.status === 200).map((r) => r.arrayBuffer()));
  });

  /**
   * A key's spend in the ledger once both replicas' rows are in. Each replica
   * writes its rows in batches, and a loaded machine (the whole suite at once)
   * can take longer than a flush interval to get them to PostgreSQL: the count
   * is read until it has held still for half a second (10 s at most).
   */
  async function settledSpend(key: string): Promise<number> {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      const deadline = Date.now() + 10_000;
      let count = -1;
      let stillSince = Date.now();
      for (;;) {
        const { rows } = await client.query(`SELECT COALESCE(SUM(cost), 0) AS cost, COUNT(*) AS n FROM ${table} WHERE key = $1`, [key]);
        const row = rows[0] as { cost: string; n: string };
        const cost = Number(row.cost);
        if (Number(row.n) !== count) {
          count = Number(row.n);
          stillSince = Date.now();
        } else if ((cost > 0 && Date.now() - stillSince >= 500) || Date.now() > deadline) return cost;
        await sleep(100);
      }
    } finally {
      await client.end();
    }
  }

  test('60 concurrent streams against a budget for about 20, over two replicas: the ledger spend stays within it; each completes or ends insufficient_quota', async () => {
    const body = chatBody({ model: 'priced', stream: true, sim: { tokens: 300, delayMs: 2 } });
    const reservation = 256 * OUTPUT_USD;
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const response = await post(i % 2, 'sk-test-budget', body);
        if (response.status === 429) {
          const code = ((await response.json()) as ErrorBody).error.code;
          // Refused only when what was left could not cover the reservation.
          assert.ok(Number(response.headers.get('x-sluice-budget-remaining')) < reservation, `refused with ${response.headers.get('x-sluice-budget-remaining')} left`);
          return `refused ${code}`;
        }
        assert.equal(response.status, 200);
        const { events } = await readSse(response);
        const end = events.at(-1)!;
        return end.data === '[DONE]' ? 'done' : ((JSON.parse(end.data) as ErrorBody).error.code);
      }),
    );
    for (const outcome of outcomes) assert.ok(['done', 'insufficient_quota', 'refused insufficient_quota'].includes(outcome), outcome);
    // Each admitted stream holds 256 tokens' worth at once: about 23 of them fit the $6.
    assert.ok(outcomes.filter((o) => !o.startsWith('refused')).length >= 20, JSON.stringify(outcomes));
    const spent = await settledSpend('budget');
    assert.ok(spent <= 6 + 1e-9, `the ledger holds $${spent} against a $6 budget`);
    assert.ok(spent > 5, `$${spent} of $6 used`);
  });

  test('concurrency 5 over two replicas: the upstream never sees more than 5; a replica killed with SIGKILL frees its leases within three heartbeats', { timeout: 30_000 }, async () => {
    const most = await mostAtOnce(upstream, async () => {
      const body = chatBody({ model: 'up/m', stream: true, sim: { tokens: 20, delayMs: 10 } });
      const responses = await Promise.all(Array.from({ length: 16 }, (_, i) => post(i % 2, 'sk-test-five', body)));
      assert.equal(responses.filter((r) => r.status === 200).length, 5);
      await Promise.all(responses.map((r) => r.arrayBuffer()));
    });
    assert.ok(most <= 5, `the upstream saw ${most} at once`);
    await sleep(50);
    // Replica 1 holds all five slots with streams that run for a minute, then dies.
    const long = chatBody({ model: 'up/m', stream: true, sim: { tokens: 6000, delayMs: 10 } });
    const held = await Promise.all(Array.from({ length: 5 }, () => post(1, 'sk-test-five', long)));
    assert.deepEqual(held.map((r) => r.status), [200, 200, 200, 200, 200]);
    assert.equal((await post(0, 'sk-test-five', long)).status, 429);
    replicas[1].child.kill('SIGKILL');
    const killedAt = performance.now();
    for (;;) {
      const response = await post(0, 'sk-test-five', chatBody({ model: 'up/m', sim: { tokens: 1 } }));
      await response.arrayBuffer();
      if (response.status === 200) break;
      assert.ok(performance.now() - killedAt < 10 * HEARTBEAT_MS, 'the dead replica still holds its slots');
      await sleep(20);
    }
    const freedAfter = performance.now() - killedAt;
    assert.ok(freedAfter <= 3 * HEARTBEAT_MS + 150, `freed ${freedAfter.toFixed(0)} ms after the kill`);
    for (const r of held) await r.body?.cancel().catch(() => {});
  });
});
