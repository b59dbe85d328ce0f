/**
 * The README's limits walk-through, verbatim: its config file, and its curl
 * commands run by bash against a gateway started with that config (only
 * the gateway's address changes). The outcomes are the ones it shows.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { RunningGateway, SluiceConfigInput } from '@sluice/gateway';
import { startTestGateway } from './helpers/gateway.ts';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const SECTION = README.slice(README.indexOf('### Limits and budgets'), README.indexOf('\n## ', README.indexOf('### Limits and budgets')));
const CONFIG = /cat > limits\.json <<'JSON'\n([\s\S]*?)\nJSON\n/.exec(SECTION)?.[1];
const COMMANDS = [...SECTION.matchAll(/```sh\n(curl[\s\S]*?)```/g)].map((m) => m[1]);
const skip = existsSync('/usr/bin/curl') ? false : 'curl is not installed';
const run = promisify(execFile);

describe("the README's limits and budgets walk-through", { skip }, () => {
  let gateway: RunningGateway;
  before(async () => {
    assert.ok(CONFIG, 'the section writes limits.json');
    gateway = await startTestGateway(JSON.parse(CONFIG) as SluiceConfigInput);
  });
  after(() => gateway?.close());

  const shell = async (command: string) => (await run('bash', ['-o', 'pipefail', '-c', command.replaceAll('http://127.0.0.1:8787', gateway.url)])).stdout;

  test('the headers it shows, then a stream stopped by the budget, then a refusal', async () => {
    assert.equal(COMMANDS.length, 2);
    const headers = await shell(COMMANDS[0]);
    assert.match(headers, /^x-ratelimit-limit-requests: 20\r?$/m);
    assert.match(headers, /^x-ratelimit-remaining-requests: 19\r?$/m);
    assert.match(headers, /^x-ratelimit-limit-tokens: 20000\r?$/m);
    assert.match(headers, /^x-sluice-budget-remaining: 0\.0048\d\d\r?$/m);
    const end = await shell(COMMANDS[1]);
    assert.match(end, /^event: error\nid: \d+\ndata: \{"error":\{"message":"The budget is spent[^\n]*"code":"insufficient_quota"\}\}\n/);
    const refused = await fetch(`${gateway.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-demo-limited', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'pricey', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(refused.status, 429);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'insufficient_quota');
  });
});
