import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfigFile, resolveConfig, type RunningGateway } from '@sluice/gateway';
import { startTestGateway } from './helpers/gateway.ts';
import { streamOnce } from './helpers/deployments.ts';

/** The config file the README's "Routing" section quotes from. */
const EXAMPLES = fileURLToPath(new URL('../examples/routing.json', import.meta.url));

describe('the README routing examples', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startTestGateway(loadConfigFile(EXAMPLES));
  });
  after(() => gateway.close());

  test('the file is a valid config with an alias for every strategy', () => {
    const config = loadConfigFile(EXAMPLES);
    assert.deepEqual(new Set(config.models.filter((m) => m.deployments !== undefined).map((m) => m.strategy)), new Set(['weighted', 'latency', 'least-busy', 'cost', 'priority']));
  });

  test('every alias in it answers, and the router names its decision', async () => {
    for (const model of ['chat-weighted', 'chat-fastest', 'chat-least-busy', 'chat-cheapest', 'chat-primary', 'chat-hedged', 'faq']) {
      const result = await streamOnce(gateway, model);
      assert.equal(result.status, 200, model);
      assert.ok(result.headers.get('x-sluice-target'), model);
    }
    assert.equal((await streamOnce(gateway, 'chat-cheapest')).headers.get('x-sluice-target'), 'budget/gpt-4.1-mini');
    const routed = await streamOnce(gateway, 'smart', { messages: [{ role: 'user', content: 'Help me debug this' }] });
    assert.equal(routed.headers.get('x-sluice-route'), 'chat-primary; rule=reasoning');
  });

  test('mistakes in routing config are named by field', () => {
    const problems = (input: object) => {
      try {
        resolveConfig(input as never, {});
      } catch (error) {
        if (error instanceof ConfigError) return error.message;
        throw error;
      }
      return '';
    };
    assert.match(problems({ models: [{ name: 'x', target: 'sim/a', deployments: [{ target: 'sim/b' }] }] }), /models\[0\]: give exactly one of "target", "deployments" or "router"/);
    assert.match(problems({ models: [{ name: 'x', strategy: 'fastest', deployments: [{ target: 'sim/b' }] }] }), /models\[0\]\.strategy/);
    assert.match(problems({ models: [{ name: 'x', deployments: [{ target: 'nope/b' }] }] }), /models\[0\]\.deployments\[0\]\.target: unknown provider "nope"/);
    assert.match(problems({ models: [{ name: 'x', deployments: [{ target: 'sim/b' }, { target: 'sim/b' }] }] }), /models\[0\]\.deployments\[1\]: "sim\/b" is listed twice/);
    assert.match(problems({ models: [{ name: 'r', router: { rules: [{ use: 'ghost' }], default: 'ghost' } }] }), /models\[0\]\.router\.default: "ghost" is not a model alias/);
    assert.match(problems({ models: [{ name: 'r', router: { rules: [{ use: 'x', lastUserMessage: '(' }], default: 'x' } }] }), /models\[0\]\.router\.rules\[0\]\.lastUserMessage: not a valid regular expression/);
    assert.match(problems({ models: [{ name: 'x', target: 'sim/a', hedge: { afterMs: 0 } }] }), /models\[0\]\.hedge/);
  });
});
