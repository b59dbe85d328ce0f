import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, resolveConfig, startGateway } from '@sluice/gateway';
import { runCli } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-config-'));
function configFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('configuration is checked at start and errors name the field', () => {
  const cases: [string, unknown, RegExp][] = [
    ['a port of the wrong type', { server: { port: 'eighty' } }, /server\.port/],
    ['an unknown provider type', { providers: [{ id: 'x', type: 'magic', baseURL: 'http://a' }] }, /providers\[0\]\.type/],
    ['a provider without baseURL', { providers: [{ id: 'x', type: 'openai-compatible' }] }, /providers\[0\]\.baseURL/],
    ['an alias to an unknown provider', { models: [{ name: 'fast', target: 'nowhere/m' }] }, /models\[0\]\.target: unknown provider "nowhere"/],
    ['an alias target without a provider', { models: [{ name: 'fast', target: 'justamodel' }] }, /models\[0\]\.target/],
    ['a negative price', { models: [{ name: 'fast', target: 'sim/m', price: { input: -1, output: 1 } }] }, /models\[0\]\.price\.input/],
    ['an unknown fallback', { models: [{ name: 'fast', target: 'sim/m', fallbacks: ['ghost'] }] }, /models\[0\]\.fallbacks\[0\]: "ghost" is neither a model name nor/],
    ['a fallback to an unknown provider', { models: [{ name: 'fast', target: 'sim/m', fallbacks: ['nowhere/m'] }] }, /models\[0\]\.fallbacks\[0\]: unknown provider "nowhere" in "nowhere\/m"/],
    ['a misspelt key, with the one it may mean', { streams: { keepAliveMs: 5000 } }, /streams: unknown key "keepAliveMs" \(did you mean "keepaliveMs"\?\)/],
    ['a misspelt key in a list entry', { providers: [{ id: 'p', type: 'sim', maxConection: 3 }] }, /providers\[0\]: unknown key "maxConection" \(did you mean "maxConnections"\?\)/],
    ['a key from an unset variable', { keys: [{ name: 'app', keyEnv: 'SLUICE_TEST_UNSET_KEY' }] }, /keys\[0\]\.keyEnv/],
    ['a misspelt section', { servr: {} }, /servr/],
    ['an Anthropic option on a Gemini provider', { providers: [{ id: 'g', type: 'gemini', anthropicVersion: '2023-06-01' }] }, /providers\[0\]/],
    ['a default max_tokens that is not positive', { providers: [{ id: 'c', type: 'anthropic', defaultMaxTokens: 0 }] }, /providers\[0\]\.defaultMaxTokens/],
    ['a negative cache price', { providers: [{ id: 'c', type: 'anthropic', price: { input: 3, output: 15, cachedInput: -1 } }] }, /providers\[0\]\.price\.cachedInput/],
  ];
  for (const [name, config, message] of cases) {
    test(name, () => {
      assert.throws(() => resolveConfig(config as never, {}), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }

  test('Anthropic and Gemini providers need no baseURL and get their defaults', () => {
    const config = resolveConfig({ providers: [{ id: 'claude', type: 'anthropic', apiKey: 'k' }, { id: 'gem', type: 'gemini', apiKey: 'k', thinkingBudgets: { high: 20_000 } }] }, {});
    const [claude, gem] = config.providers;
    assert.ok(claude.type === 'anthropic' && gem.type === 'gemini');
    assert.deepEqual([claude.anthropicVersion, claude.defaultMaxTokens, claude.thinkingBudgets], ['2023-06-01', 4096, { low: 1024, medium: 4096, high: 16384 }]);
    assert.deepEqual([gem.apiVersion, gem.thinkingBudgets], ['v1beta', { low: 1024, medium: 4096, high: 20_000 }]);
  });

  test('a key nothing resembles gets no suggestion', () => {
    assert.throws(() => resolveConfig({ streams: { zzzzzzzz: 1 } } as never, {}), (error: unknown) => error instanceof ConfigError && /unknown key "zzzzzzzz"$/m.test(error.message));
  });

  test('every unset environment variable is reported at once', () => {
    const config = {
      providers: [{ id: 'a', type: 'openai-compatible', baseURL: 'http://127.0.0.1:1/v1', apiKeyEnv: 'SLUICE_TEST_UNSET_A' }, { id: 'b', type: 'openai-compatible', baseURL: 'http://127.0.0.1:1/v1', apiKeyEnv: 'SLUICE_TEST_UNSET_B' }],
      keys: [{ name: 'app', keyEnv: 'SLUICE_TEST_UNSET_KEY' }],
    };
    assert.throws(
      () => resolveConfig(config as never, {}),
      (error: unknown) =>
        error instanceof ConfigError &&
        ['providers[0].apiKeyEnv: environment variable SLUICE_TEST_UNSET_A', 'providers[1].apiKeyEnv: environment variable SLUICE_TEST_UNSET_B', 'keys[0].keyEnv: environment variable SLUICE_TEST_UNSET_KEY'].every((line) => error.message.includes(line)),
    );
  });

  test('the embedded default serves the simulator and the seed models', () => {
    const config = resolveConfig({});
    assert.deepEqual(config.providers.map((p) => p.id), ['sim']);
    assert.deepEqual(config.models.map((m) => m.name).sort(), ['auto', 'claude-sonnet-4.5', 'deepseek-v3.2', 'gemini-2.5-flash', 'gpt-4.1']);
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.port, 8787);
  });

  test('refuses to listen beyond loopback without keys', async () => {
    await assert.rejects(startGateway({ config: { ledger: false }, host: '0.0.0.0', port: 0, logLevel: 'silent' }), /without gateway keys/);
  });

  test('sluice serve exits non-zero naming the field of a bad file', async () => {
    const run = runCli(['serve', '--config', configFile('bad.json', JSON.stringify({ server: { port: 'x' } }))]);
    assert.equal(await run.exited, 2);
    assert.match(run.stderr(), /server\.port/);
  });

  test('sluice serve says a file is not JSON', async () => {
    const run = runCli(['serve', '--config', configFile('broken.json', '{ "server": ')]);
    assert.equal(await run.exited, 2);
    assert.match(run.stderr(), /not valid JSON/);
  });

  test('sluice serve reads SLUICE_CONFIG too', async () => {
    const run = runCli(['serve'], { SLUICE_CONFIG: configFile('env.json', JSON.stringify({ providers: [{ id: 'p', type: 'openai-compatible' }] })) });
    assert.equal(await run.exited, 2);
    assert.match(run.stderr(), /providers\[0\]\.baseURL/);
  });
});
