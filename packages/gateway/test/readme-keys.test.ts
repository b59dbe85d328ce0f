/**
 * The README's keys walk-through, verbatim: its curl block and its CLI
 * block run in bash against a gateway started with the README's config and
 * an admin key in SLUICE_ADMIN_KEY. Only the gateway's address changes
 * (a free port for 8787), and `npx sluice` runs this checkout's CLI.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startGateway, type RunningGateway } from '@sluice/gateway';
import { ADMIN_KEY } from './helpers/admin.ts';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const SECTION = README.slice(README.indexOf('## Keys, limits and budgets'), README.indexOf('### Limits and budgets'));
const BLOCKS = [...SECTION.matchAll(/```sh\n((?:(?!```)[\s\S])*)```/g)].map((match) => match[1]);
const CLI = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('bash', ['-c', script], { cwd, env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
    child.stdin?.end();
  });
}

describe("the README's keys walk-through", () => {
  let gateway: RunningGateway;
  let cwd: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    assert.equal(BLOCKS.length, 3, 'the section has its start, curl and CLI blocks');
    const config = /echo '(\{.*\})' > \.sluice\/admin\.json/.exec(BLOCKS[0])?.[1];
    assert.ok(config, 'the start block writes the config with echo');
    assert.match(BLOCKS[0], /export SLUICE_ADMIN_KEY=/);
    cwd = mkdtempSync(join(tmpdir(), 'sluice-readme-keys-'));
    mkdirSync(join(cwd, '.sluice'));
    gateway = await startGateway({ config: { ...JSON.parse(config), ledger: { path: join(cwd, '.sluice', 'ledger.db') } }, env: { ...process.env, SLUICE_ADMIN_KEY: ADMIN_KEY }, port: 0, logLevel: 'silent' });
    // `node` is this test's Node, `npx sluice` this checkout's CLI, both pointed at the gateway above.
    env = { ...process.env, SLUICE_ADMIN_KEY: ADMIN_KEY, SLUICE_URL: gateway.url, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
  });
  after(() => gateway?.close());

  const run = (block: string) => {
    const npx = `npx() { if [ "$1" = sluice ]; then shift; node --conditions=@sluice/source ${JSON.stringify(CLI)} "$@"; else command npx "$@"; fi; }\n`;
    return bash(`set -euo pipefail\n${npx}${block.replaceAll('http://127.0.0.1:8787', gateway.url)}`, cwd, env);
  };

  test('the curl block: refused without a key, a key made, a stream, 403 outside the allow-list, lists, revoked', async () => {
    const { code, stdout, stderr } = await run(BLOCKS[1]);
    assert.equal(code, 0, stderr);
    const lines = stdout.split('\n');
    // Every answer the block shows in a comment is what came back, word for word.
    const shown = BLOCKS[1].split('\n').filter((line) => line.startsWith('# {')).map((line) => line.slice(2));
    assert.equal(shown.length, 3);
    for (const answer of shown) assert.ok(stdout.includes(answer), `the README shows ${answer}`);
    assert.ok(lines.includes('data: [DONE]'), 'the stream ran to its end');
    assert.match(stdout, /"name":"docs-demo"/);
    assert.match(stdout, /"groupBy":"model"/);
    assert.match(stdout, /"status":"revoked"/);
    assert.ok(stdout.trimEnd().endsWith('{"error":{"message":"This API key has been revoked.","type":"authentication_error","param":null,"code":"invalid_api_key"}}'), stdout.slice(-300));
  });

  test('the CLI block: create, list, show, usage, teams, update, revoke', async () => {
    const { code, stdout, stderr } = await run(BLOCKS[2]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^ID +NAME +SOURCE +STATUS +TEAM +MODELS +LIMITS +EXPIRES$/m);
    assert.match(stdout, /^[0-9a-f]{16} +ci +managed +active +- +deepseek-v3\.2,sim\/\* +rpm 100, \$10\/day +-$/m);
    assert.match(stdout, /^budgetRemaining +\$10\.000000$/m);
    assert.match(stdout, /^MODEL +REQUESTS +ERRORS +PROMPT +COMPLETION +COST +P50 TTFT$/m);
    // The key joined the team with its other limits kept and no expiry; the team's budget was raised.
    assert.match(stdout, /^team +platform$/m);
    assert.match(stdout, /^limits +rpm 100, tpm 20000, \$10\/day$/m);
    assert.match(stdout, /^NAME +SOURCE +LIMITS +CREATED$/m);
    assert.match(stdout, /^platform +managed +concurrency 20, \$50\/month +\S+$/m);
    assert.match(stdout, /^budgetRemaining +\$50\.000000$/m);
    assert.match(stdout, /^limits +concurrency 20, \$80\/month$/m);
    assert.match(stdout, /^revoked [0-9a-f]{16} \(ci\) at /m);
  });
});
