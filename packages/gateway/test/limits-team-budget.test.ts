import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import type { RunningGateway, SluiceConfigInput } from '@sluice/gateway';
import { teamSubject } from '../src/limits/limit-subjects.ts';
import { adminCall, startAdminGateway } from './helpers/admin.ts';
import { chatBody, postChat } from './helpers/gateway.ts';
import { readSse } from './helpers/sse.ts';
import { dropPostgresTables } from './helpers/postgres.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A tenth of a cent an output token. */
const PRICED = { name: 'priced', target: 'sim/priced', price: { input: 10, output: 1000 } };
const TEAM = { name: 'rivers', limits: { budget: { usd: 1, period: 'day' as const } } };
const auth = (key: string) => ({ authorization: `Bearer ${key}` });

function teamGateway(ledger: SluiceConfigInput['ledger']): Promise<RunningGateway> {
  return startAdminGateway({
    ledger,
    teams: [TEAM],
    // Two keys of the team, neither with a budget of its own, and one outside it.
    keys: [
      { name: 'first', key: 'sk-test-team-first', team: 'rivers' },
      { name: 'second', key: 'sk-test-team-second', team: 'rivers' },
      { name: 'loner', key: 'sk-test-team-loner' },
    ],
    models: [PRICED],
  });
}

async function spend(gateway: RunningGateway, key: string, tokens: number): Promise<void> {
  const response = await postChat(gateway, chatBody({ model: 'priced', stream: true, sim: { tokens } }), auth(key));
  assert.equal(response.status, 200);
  await readSse(response);
}

/** The team's budget as this replica's limit store holds it (read only: it seeds nothing). */
async function teamBudget(gateway: RunningGateway) {
  const state = await gateway.context.limits.store.usage(teamSubject(TEAM)!);
  return state.budget!;
}

const ledgers = [
  { name: 'SQLite', skip: false as const, ledger: () => ({ path: join(mkdtempSync(join(tmpdir(), 'sluice-team-')), 'ledger.db') }) },
  {
    name: 'PostgreSQL',
    skip: process.env.DATABASE_URL ? (false as const) : 'DATABASE_URL is not set (CI sets it when PostgreSQL runs on 127.0.0.1:5432)',
    ledger: () => ({ url: process.env.DATABASE_URL ?? '', table: `sluice_team_budget_${process.pid}` }),
  },
];

for (const kind of ledgers) {
  describe(`a team's budget over a restart (${kind.name} ledger, memory limits)`, { skip: kind.skip }, () => {
    let gateway: RunningGateway | undefined;
    const ledger = kind.ledger();
    after(async () => {
      await gateway?.close();
      if ('table' in ledger) await dropPostgresTables([ledger.table]);
    });

    test('the team spent part of its day; after a restart its remaining budget is what it was, and /admin/usage shows it by team', async () => {
      gateway = await teamGateway(ledger);
      await spend(gateway, 'sk-test-team-first', 120);
      await spend(gateway, 'sk-test-team-second', 80);
      await spend(gateway, 'sk-test-team-loner', 50);
      await sleep(100);
      const before = await teamBudget(gateway);
      assert.equal(before.held, 0);
      // Both keys' streams and nothing of the key outside the team: about 200 output tokens' worth.
      assert.ok(before.spent > 0.2 && before.spent < 0.21, String(before.spent));

      await gateway.close();
      gateway = await teamGateway(ledger);
      // The fresh process knows nothing yet; the first request of the team reads the ledger.
      const probe = await postChat(gateway, chatBody({ model: 'priced', stream: true, sim: { tokens: 5 } }), auth('sk-test-team-second'));
      assert.equal(probe.status, 200);
      const headerRemaining = Number(probe.headers.get('x-sluice-budget-remaining'));
      assert.ok(headerRemaining < 1 - before.spent, `the header says ${headerRemaining} left, the team had ${1 - before.spent} before its reservation`);
      await readSse(probe);
      await sleep(100);
      const afterRestart = await teamBudget(gateway);
      const probeCost = afterRestart.spent - before.spent;
      assert.ok(probeCost > 0.005 && probeCost < 0.0061, `spent ${afterRestart.spent} after the restart, ${before.spent} before`);
      assert.ok(Math.abs(afterRestart.remaining - (before.remaining - probeCost)) < 1e-9);

      const byTeam = await adminCall(gateway, 'GET', '/admin/usage?groupBy=team');
      assert.equal(byTeam.status, 200);
      const rows = byTeam.body.data as { team: string | null; requests: number; cost: number }[];
      assert.deepEqual(rows.map((row) => [row.team, row.requests]), [[null, 1], ['rivers', 3]]);
      assert.ok(Math.abs(rows[1].cost - afterRestart.spent) < 1e-9);
      const filtered = await adminCall(gateway, 'GET', '/admin/usage?team=rivers&groupBy=key');
      assert.deepEqual((filtered.body.data as { name: string }[]).map((row) => row.name).sort(), ['first', 'second']);
      const bad = await adminCall(gateway, 'GET', '/admin/usage?team=no%20spaces');
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.param, 'team');
    });
  });
}

test('a SQLite ledger written before teams were recorded gains the column, its rows counting for no team', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'sluice-team-')), 'ledger.db');
  const old = new DatabaseSync(path);
  old.exec(`CREATE TABLE usage (at INTEGER NOT NULL, stream_id TEXT NOT NULL, endpoint TEXT NOT NULL DEFAULT 'chat', key TEXT NOT NULL, key_id TEXT, model TEXT NOT NULL, target TEXT,
    status TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, estimated INTEGER NOT NULL, cost REAL NOT NULL, ttft_ms INTEGER, duration_ms INTEGER NOT NULL,
    route TEXT, cached INTEGER NOT NULL DEFAULT 0, retries INTEGER NOT NULL DEFAULT 0, error_code TEXT, error_message TEXT)`);
  old.prepare("INSERT INTO usage (at, stream_id, key, key_id, model, status, prompt_tokens, completion_tokens, estimated, cost, duration_ms) VALUES (?, 's1', 'first', 'config:first', 'priced', 'done', 1, 1, 0, 0.5, 1)").run(Date.now());
  old.close();
  const gateway = await teamGateway({ path });
  try {
    await spend(gateway, 'sk-test-team-first', 10);
    await sleep(100);
    // The old row is the key's, not the team's: the team's budget counts only what was recorded with it.
    const budget = await teamBudget(gateway);
    assert.ok(budget.spent > 0.01 && budget.spent < 0.011, String(budget.spent));
    const rows = (await adminCall(gateway, 'GET', '/admin/usage?groupBy=team')).body.data as { team: string | null; requests: number }[];
    assert.deepEqual(rows.map((row) => [row.team, row.requests]), [[null, 1], ['rivers', 1]]);
  } finally {
    await gateway.close();
  }
});
