import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { assertAligned, runCli } from './helpers/cli.ts';
import { chatBody, postChat } from './helpers/gateway.ts';
import { ADMIN_KEY, startAdminGateway } from './helpers/admin.ts';
import { readSse } from './helpers/sse.ts';

describe('sluice keys and sluice usage, run as processes against a gateway', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startAdminGateway({ ledger: { path: join(mkdtempSync(join(tmpdir(), 'sluice-cli-')), 'ledger.db') }, keys: [{ name: 'web', key: 'sk-config-key-0123456789' }] });
  });
  after(() => gateway.close());

  async function sluice(args: string[], env: NodeJS.ProcessEnv = { SLUICE_ADMIN_KEY: ADMIN_KEY }): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const run = runCli([...args, '--url', gateway.url], env);
    const code = await run.exited;
    return { code, stdout: run.stdout(), stderr: run.stderr() };
  }

  test('keys create prints the key once; it streams; keys list shows it in an aligned table; show and revoke', async () => {
    const created = await sluice(['keys', 'create', '--name', 'cli-made', '--rpm', '60', '--budget', '2.5/month', '--models', 'gpt-4.1, sim/*']);
    assert.equal(created.code, 0, created.stderr);
    const key = /^key\s+(sk-sluice-[0-9a-f]{16}-\S+)$/m.exec(created.stdout)?.[1];
    assert.ok(key, created.stdout);
    const id = key.split('-')[2];
    assert.match(created.stdout, /^limits\s+rpm 60, \$2\.5\/month$/m);
    assert.match(created.stdout, /^models\s+gpt-4\.1, sim\/\*$/m);
    const stream = await postChat(gateway, chatBody({ stream: true, sim: { tokens: 5 } }), { authorization: `Bearer ${key}` });
    assert.equal(stream.status, 200);
    await readSse(stream);

    const list = await sluice(['keys', 'list']);
    assert.equal(list.code, 0, list.stderr);
    const rows = assertAligned(list.stdout, ['ID', 'NAME', 'SOURCE', 'STATUS', 'TEAM', 'MODELS', 'LIMITS', 'EXPIRES']);
    assert.deepEqual(rows.find((row) => row[0] === id)?.slice(1, 7), ['cli-made', 'managed', 'active', '-', 'gpt-4.1,sim/*', 'rpm 60, $2.5/month']);
    assert.ok(rows.some((row) => row[0] === 'config:web' && row[2] === 'config'));
    assert.ok(!list.stdout.includes(key.slice(-43)), 'no secret in the list');

    const shown = await sluice(['keys', 'show', id, '--json']);
    const json = JSON.parse(shown.stdout) as { id: string; usage: { spent: number; periodResetsAt: string } };
    assert.equal(json.id, id);
    assert.equal(typeof json.usage.spent, 'number');
    assert.ok(Date.parse(json.usage.periodResetsAt) > Date.now());

    const revoked = await sluice(['keys', 'revoke', id]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`^revoked ${id} \\(cli-made\\) at `));
    assert.equal((await postChat(gateway, chatBody(), { authorization: `Bearer ${key}` })).status, 401);
  });

  test('usage --by model prints an aligned table of the ledger; --json the rows', async () => {
    const made = JSON.parse((await sluice(['keys', 'create', '--name', 'metered', '--json'])).stdout) as { id: string; key: string };
    for (const model of ['gpt-4.1', 'deepseek-v3.2', 'deepseek-v3.2']) await readSse(await postChat(gateway, chatBody({ model, stream: true, sim: { tokens: 8 } }), { authorization: `Bearer ${made.key}` }));
    const table = await sluice(['usage', '--by', 'model', '--key', made.id]);
    assert.equal(table.code, 0, table.stderr);
    const rows = assertAligned(table.stdout, ['MODEL', 'REQUESTS', 'ERRORS', 'PROMPT', 'COMPLETION', 'COST', 'P50 TTFT'], ['REQUESTS', 'ERRORS', 'PROMPT', 'COMPLETION', 'COST', 'P50 TTFT']);
    assert.deepEqual(rows.map((row) => [row[0], row[1], row[4]]), [['deepseek-v3.2', '2', '16'], ['gpt-4.1', '1', '8']]);
    const json = JSON.parse((await sluice(['usage', '--key', made.id, '--json'])).stdout) as { key: string; name: string; requests: number }[];
    assert.deepEqual(json.map((row) => [row.key, row.name, row.requests]), [[made.id, 'metered', 3]]);
  });

  test('mistakes: a bad flag, a refusal by the gateway, no admin key, the wrong admin key', async () => {
    const badBudget = await sluice(['keys', 'create', '--name', 'x', '--budget', '10/week']);
    assert.equal(badBudget.code, 2);
    assert.match(badBudget.stderr, /^sluice: --budget: "10\/week" is not <usd>\/<day\|month\|total>/);
    const refused = await sluice(['keys', 'create', '--name', 'x', '--models', 'nope/*']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^sluice: 400: models\[0\]: no provider "nope"/);
    const unknown = await sluice(['keys', 'show', '0000000000000000']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /404: No key with id/);
    const noKey = await sluice(['keys', 'list'], { SLUICE_ADMIN_KEY: '' });
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /admin key is missing/);
    const wrongKey = await sluice(['keys', 'list', '--admin-key', 'not-the-admin-key-0123']);
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /401: The admin API needs the admin key/);
    const badBy = await sluice(['usage', '--by', 'week']);
    assert.equal(badBy.code, 2);
  });
});
