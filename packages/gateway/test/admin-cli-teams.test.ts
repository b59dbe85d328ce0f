import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { assertAligned, runCli } from './helpers/cli.ts';
import { chatBody, postChat } from './helpers/gateway.ts';
import { ADMIN_KEY, adminCall, startAdminGateway } from './helpers/admin.ts';
import { readSse } from './helpers/sse.ts';

describe('sluice teams and sluice keys update, run as processes against a gateway', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startAdminGateway({
      ledger: { path: join(mkdtempSync(join(tmpdir(), 'sluice-cli-teams-')), 'ledger.db') },
      teams: [{ name: 'configured', limits: { rpm: 10 } }],
      models: [{ name: 'priced', target: 'sim/priced', price: { input: 10, output: 1000 } }],
    });
  });
  after(() => gateway.close());

  async function sluice(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const run = runCli([...args, '--url', gateway.url], { SLUICE_ADMIN_KEY: ADMIN_KEY });
    const code = await run.exited;
    return { code, stdout: run.stdout(), stderr: run.stderr() };
  }

  test('teams create, list in an aligned table, show with the live usage of its keys, update keeping the other limits', async () => {
    const created = await sluice(['teams', 'create', '--name', 'crew', '--rpm', '2', '--concurrency', '4', '--budget', '5/day']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^name\s+crew$/m);
    assert.match(created.stdout, /^limits\s+rpm 2, concurrency 4, \$5\/day$/m);

    const member = JSON.parse((await sluice(['keys', 'create', '--name', 'member', '--team', 'crew', '--json'])).stdout) as { id: string; key: string };
    const stream = await postChat(gateway, chatBody({ model: 'priced', stream: true, sim: { tokens: 20 } }), { authorization: `Bearer ${member.key}` });
    assert.equal(stream.status, 200);
    await readSse(stream);

    const list = await sluice(['teams', 'list']);
    assert.equal(list.code, 0, list.stderr);
    const rows = assertAligned(list.stdout, ['NAME', 'SOURCE', 'LIMITS', 'CREATED']);
    assert.deepEqual(rows.map((row) => row.slice(0, 3)), [['configured', 'config', 'rpm 10'], ['crew', 'managed', 'rpm 2, concurrency 4, $5/day']]);

    const shown = await sluice(['teams', 'show', 'crew']);
    assert.equal(shown.code, 0, shown.stderr);
    // The member's stream: 20 output tokens at a tenth of a cent, and its request taken from the team's bucket (refilled one every 30 s).
    const spent = Number(/^spent\s+\$(\S+)$/m.exec(shown.stdout)?.[1]);
    assert.ok(spent > 0.02 && spent < 0.021, shown.stdout);
    assert.match(shown.stdout, /^requestsRemaining\s+1$/m);
    assert.match(shown.stdout, /^running\s+0$/m);
    const json = JSON.parse((await sluice(['teams', 'show', 'crew', '--json'])).stdout) as { usage: { budgetRemaining: number; periodResetsAt: string } };
    assert.ok(Math.abs(json.usage.budgetRemaining - (5 - spent)) < 1e-6, JSON.stringify(json));
    assert.ok(Date.parse(json.usage.periodResetsAt) > Date.now());

    const updated = await sluice(['teams', 'update', 'crew', '--rpm', 'none', '--tpm', '5000']);
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /^limits\s+tpm 5000, concurrency 4, \$5\/day$/m);
    const stored = await adminCall(gateway, 'GET', '/admin/teams/crew');
    assert.deepEqual(stored.body.limits, { tpm: 5000, concurrency: 4, budget: { usd: 5, period: 'day' } });
  });

  test('keys update changes only what it is given: the name, the models, one limit, the expiry', async () => {
    const made = JSON.parse((await sluice(['keys', 'create', '--name', 'before', '--rpm', '60', '--budget', '2/month', '--expires', '2099-01-01T00:00:00Z', '--json'])).stdout) as { id: string; key: string };
    const updated = await sluice(['keys', 'update', made.id, '--name', 'after', '--models', 'priced, sim/*', '--tpm', '9000', '--expires', 'never', '--json']);
    assert.equal(updated.code, 0, updated.stderr);
    const key = JSON.parse(updated.stdout) as { name: string; models: string[]; limits: unknown; expiresAt: string | null };
    assert.deepEqual([key.name, key.models, key.limits, key.expiresAt], ['after', ['priced', 'sim/*'], { rpm: 60, tpm: 9000, budget: { usd: 2, period: 'month' } }, null]);
    // The gateway holds the change: a model outside the new list is refused.
    const refused = await postChat(gateway, chatBody({ model: 'gpt-4.1' }), { authorization: `Bearer ${made.key}` });
    assert.equal(refused.status, 403);

    const table = await sluice(['keys', 'update', made.id, '--budget', 'none', '--models', 'all']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^name\s+after$/m);
    assert.match(table.stdout, /^limits\s+rpm 60, tpm 9000$/m);
    assert.match(table.stdout, /^models\s+-$/m);
  });

  test('mistakes: nothing to change, a bad limit, an unknown team, a config team', async () => {
    const nothing = await sluice(['teams', 'update', 'crew']);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /^sluice: nothing to change/);
    const nothingKey = await sluice(['keys', 'update', '0000000000000000']);
    assert.equal(nothingKey.code, 2);
    const badRpm = await sluice(['teams', 'create', '--name', 'x', '--rpm', 'lots']);
    assert.equal(badRpm.code, 2);
    assert.match(badRpm.stderr, /^sluice: --rpm: "lots" is not a positive whole number/);
    const unknown = await sluice(['teams', 'show', 'nobody']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^sluice: 404: /);
    const readOnly = await sluice(['teams', 'update', 'configured', '--rpm', '5']);
    assert.equal(readOnly.code, 1);
    assert.match(readOnly.stderr, /^sluice: 409: /);
  });
});
