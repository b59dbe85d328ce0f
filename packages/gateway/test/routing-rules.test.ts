import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway, SluiceConfigInput } from '@sluice/gateway';
import { runCli } from './helpers/cli.ts';
import { postChat } from './helpers/gateway.ts';
import { closeAll, eventually, gatewayOver, startUpstreams, type CountedUpstream } from './helpers/deployments.ts';

const ROUTER: SluiceConfigInput['models'] = [
  { name: 'small', target: 'cheap/m' },
  { name: 'large', target: 'strong/m' },
  {
    name: 'auto',
    router: {
      rules: [
        { name: 'vip', keys: ['vip'], use: 'large' },
        { name: 'research', teams: ['research'], use: 'large' },
        { name: 'asked-cheap', hint: 'cheap', use: 'small' },
        { name: 'tools', tools: true, use: 'large' },
        { name: 'images', images: true, use: 'large' },
        { name: 'structured', responseFormat: true, use: 'large' },
        { name: 'reasoning', lastUserMessage: '\\b(prove|derive)\\b', use: 'large' },
        { name: 'long-chat', minMessages: 5, use: 'large' },
        { name: 'long-prompt', minPromptTokens: 500, use: 'large' },
        { name: 'short', maxPromptTokens: 40, use: 'small' },
      ],
      default: 'large',
    },
  },
];

const user = (content: unknown) => ({ role: 'user', content });
const filler = 'a river runs to the sea '.repeat(20);

/** For each rule, a request that matches it (and no rule before it), with the key and hint that go with it. */
const CASES: { rule: string; alias: string; body: Record<string, unknown>; key?: string; hint?: string; team?: string }[] = [
  { rule: 'vip', alias: 'large', key: 'vip', body: { messages: [user('hi')] } },
  { rule: 'research', alias: 'large', team: 'research', body: { messages: [user('hi')] } },
  { rule: 'asked-cheap', alias: 'small', hint: 'cheap', body: { messages: [user(`prove it. ${filler.repeat(5)}`)] } },
  { rule: 'hint', alias: 'small', hint: 'small', body: { messages: [user('prove it')] } },
  { rule: 'tools', alias: 'large', body: { messages: [user('hi')], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] } },
  { rule: 'images', alias: 'large', body: { messages: [user([{ type: 'text', text: 'what is this' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }])] } },
  { rule: 'structured', alias: 'large', body: { messages: [user('hi')], response_format: { type: 'json_object' } } },
  { rule: 'reasoning', alias: 'large', body: { messages: [user('Can you PROVE that?')] } },
  { rule: 'long-chat', alias: 'large', body: { messages: [user('a'), { role: 'assistant', content: 'b' }, user('c'), { role: 'assistant', content: 'd' }, user('e')] } },
  { rule: 'long-prompt', alias: 'large', body: { messages: [user(filler.repeat(5))] } },
  { rule: 'short', alias: 'small', body: { messages: [user('hello there')] } },
  { rule: 'default', alias: 'large', body: { messages: [user(filler)] } },
];

describe('router models: rules in order, first match wins', () => {
  let upstreams: CountedUpstream[];
  let gateway: RunningGateway;
  let ledgerPath: string;

  before(async () => {
    upstreams = await startUpstreams(['cheap', 'strong']);
    ledgerPath = join(mkdtempSync(join(tmpdir(), 'sluice-route-ledger-')), 'ledger.db');
    gateway = await gatewayOver(upstreams, { ledger: { path: ledgerPath }, keys: [{ name: 'vip', key: 'vip-key-123' }, { name: 'plain', key: 'plain-key-123' }], models: ROUTER });
  });
  after(() => closeAll([gateway], upstreams));

  for (const c of CASES.filter((c) => c.team === undefined)) {
    test(`rule "${c.rule}" is matched by its request, named in x-sluice-route, and served by ${c.alias}`, async () => {
      const [cheap, strong] = upstreams;
      const before = [cheap.requests, strong.requests];
      const headers: Record<string, string> = { authorization: `Bearer ${c.key === 'vip' ? 'vip-key-123' : 'plain-key-123'}` };
      if (c.hint !== undefined) headers['x-sluice-route'] = c.hint;
      const response = await postChat(gateway, { model: 'auto', ...c.body, sim: { tokens: 2 } }, headers);
      assert.equal(response.status, 200, await response.clone().text());
      await response.json();
      assert.equal(response.headers.get('x-sluice-route'), `${c.alias}; rule=${c.rule}`);
      assert.deepEqual([cheap.requests - before[0], strong.requests - before[1]], c.alias === 'small' ? [1, 0] : [0, 1]);
    });
  }

  test('the decision is in the ledger, beside the deployment that served it', async () => {
    await eventually(() => gateway.context.registry.running === 0);
    await gateway.context.usage.totals();
    const db = new DatabaseSync(ledgerPath, { readOnly: true });
    const rows = (db.prepare('SELECT model, target, route FROM usage ORDER BY at, rowid').all() as { model: string; target: string; route: string }[]).map((row) => ({ ...row }));
    db.close();
    assert.deepEqual(rows.find((row) => row.route === 'large; rule=reasoning'), { model: 'auto', target: 'strong/m', route: 'large; rule=reasoning' });
    assert.deepEqual(new Set(rows.map((row) => row.route)).size, CASES.length - 1);
  });
});

describe('sluice route "prompt"', () => {
  let configPath: string;

  before(() => {
    configPath = join(mkdtempSync(join(tmpdir(), 'sluice-route-')), 'config.json');
    writeFileSync(configPath, JSON.stringify({ providers: [{ id: 'cheap', type: 'sim' }, { id: 'strong', type: 'sim' }], models: ROUTER }));
  });

  const route = async (prompt: string, flags: string[] = []) => {
    const run = runCli(['route', prompt, '--config', configPath, ...flags]);
    const code = await run.exited;
    assert.equal(code, 0, run.stderr());
    return run.stdout().trim();
  };

  test('prints the rule each prompt matches, without calling a model', async () => {
    assert.equal(await route('hello there'), 'auto: rule "short" → small');
    assert.equal(await route('Please derive the formula'), 'auto: rule "reasoning" → large');
    assert.equal(await route('hi', ['--tools']), 'auto: rule "tools" → large');
    assert.equal(await route('hi', ['--team', 'research']), 'auto: rule "research" → large');
    assert.equal(await route('prove it', ['--hint', 'cheap']), 'auto: rule "asked-cheap" → small');
  });

  test('a model that is not a router is a clear error', async () => {
    const run = runCli(['route', 'hi', '--config', configPath, '--model', 'small']);
    assert.equal(await run.exited, 1);
    assert.match(run.stderr(), /"small" is not a router model \(routers: auto\)/);
  });
});
