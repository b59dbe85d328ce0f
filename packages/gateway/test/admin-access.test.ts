import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, resolveConfig, startGateway, type RunningGateway } from '@sluice/gateway';
import { chatBody, postChat, startTestGateway } from './helpers/gateway.ts';
import { ADMIN_KEY, ADMIN_KEY_ENV, adminCall, startAdminGateway } from './helpers/admin.ts';
import { openSocket, wsURL } from './helpers/ws.ts';

const CONFIG_KEY = 'sk-config-key-0123456789';

function post(gateway: RunningGateway, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Every way in to a generation, each answering whether `headers` got a stream started. */
const ENTRANCES: [string, (gateway: RunningGateway, headers: Record<string, string>) => Promise<number>][] = [
  ['chat completions (SSE)', async (g, h) => (await postChat(g, chatBody({ stream: true }), h)).status],
  ['chat completions (JSON)', async (g, h) => (await postChat(g, chatBody(), h)).status],
  ['POST /v1/streams', async (g, h) => (await post(g, '/v1/streams', chatBody(), h)).status],
  ['Anthropic Messages', async (g, h) => (await post(g, '/v1/messages', { model: 'sim/test', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, h)).status],
  ['OpenAI Responses', async (g, h) => (await post(g, '/v1/responses', { model: 'sim/test', input: 'hi' }, h)).status],
  [
    'WebSocket',
    async (g, h) => {
      try {
        const ws = await openSocket(wsURL(g), ['sluice.v1'], { headers: h });
        ws.terminate();
        return 101;
      } catch (error) {
        return (error as { status: number }).status;
      }
    },
  ],
];

describe('admin API off', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startTestGateway({});
  });
  after(() => gateway.close());

  test('without an admin block every /admin path is the 404 of unknown paths, whatever the key', async () => {
    for (const [method, path] of [['GET', '/admin/keys'], ['POST', '/admin/keys'], ['GET', '/admin/usage'], ['GET', '/admin/nothing']]) {
      const { status, body } = await adminCall(gateway, method, path, method === 'POST' ? { name: 'x' } : undefined);
      assert.equal(status, 404, `${method} ${path}`);
      assert.equal(body.error.code, 'not_found');
    }
  });
});

describe('admin block whose variable is unset', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startAdminGateway({}, { adminKey: null });
  });
  after(() => gateway.close());

  test('the admin API is 404, and chat still needs a key', async () => {
    assert.equal((await adminCall(gateway, 'GET', '/admin/keys')).status, 404);
    assert.equal((await postChat(gateway, chatBody())).status, 401);
  });
});

describe('admin API on, no gateway key exists yet', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startAdminGateway({});
  });
  after(() => gateway.close());

  for (const [name, enter] of ENTRANCES) {
    test(`${name}: refused without a key, and the admin key is no gateway key`, async () => {
      assert.equal(await enter(gateway, {}), 401);
      assert.equal(await enter(gateway, { authorization: `Bearer ${ADMIN_KEY}` }), 401);
    });
  }

  test('the models list and metrics need a key too', async () => {
    assert.equal((await fetch(`${gateway.baseURL}/models`)).status, 401);
    assert.equal((await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status, 401);
  });

  test('an admin route answers the admin key only: 401 invalid_admin_key otherwise', async () => {
    for (const key of [null, 'wrong-admin-key-0123456789', `${ADMIN_KEY}x`]) {
      const { status, body } = await adminCall(gateway, 'GET', '/admin/keys', undefined, key);
      assert.equal(status, 401);
      assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
      assert.equal(body.error.code, 'invalid_admin_key');
    }
    assert.equal((await adminCall(gateway, 'GET', '/admin/keys')).status, 200);
  });

  test('an unknown admin path is a 404 for the admin too', async () => {
    assert.equal((await adminCall(gateway, 'GET', '/admin/nothing-here')).status, 404);
  });
});

describe('admin API on, with a config key', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startAdminGateway({ keys: [{ name: 'web', key: CONFIG_KEY }] });
  });
  after(() => gateway.close());

  test('the config key streams on every API; it does not open the admin API', async () => {
    for (const [name, enter] of ENTRANCES) assert.ok([101, 200, 201].includes(await enter(gateway, { authorization: `Bearer ${CONFIG_KEY}` })), name);
    assert.equal((await adminCall(gateway, 'GET', '/admin/keys', undefined, CONFIG_KEY)).status, 401);
  });

  test('GET /admin/keys lists the config key, read-only and without its secret', async () => {
    const { status, body } = await adminCall(gateway, 'GET', '/admin/keys');
    assert.equal(status, 200);
    const web = body.data.find((k: { id: string }) => k.id === 'config:web');
    assert.equal(web.name, 'web');
    assert.equal(web.source, 'config');
    assert.ok(!JSON.stringify(body).includes(CONFIG_KEY));
  });
});

describe('admin key configuration', () => {
  test('an admin key that is also a gateway key, or a short one, is refused at start, naming the field', () => {
    const admin = { keyEnv: ADMIN_KEY_ENV };
    assert.throws(() => resolveConfig({ admin, keys: [{ name: 'web', key: ADMIN_KEY }] }, { [ADMIN_KEY_ENV]: ADMIN_KEY }), (error: Error) => error instanceof ConfigError && /admin\.keyEnv: .*also the gateway key keys\[0\]/.test(error.message));
    assert.throws(() => resolveConfig({ admin }, { [ADMIN_KEY_ENV]: 'short' }), (error: Error) => error instanceof ConfigError && /admin\.keyEnv: .*at least 16/.test(error.message));
    assert.throws(() => resolveConfig({ admin: { keyenv: 'X' } } as never), (error: Error) => /admin: unknown key "keyenv" \(did you mean "keyEnv"\?\)/.test(error.message));
  });

  test('with an admin block a gateway may bind beyond loopback, since it is never open', async () => {
    await assert.rejects(startGateway({ config: { ledger: false }, host: '0.0.0.0', port: 0, logLevel: 'silent' }), ConfigError);
    const gateway = await startGateway({ config: { ledger: false, admin: { keyEnv: ADMIN_KEY_ENV } }, env: { [ADMIN_KEY_ENV]: ADMIN_KEY }, host: '0.0.0.0', port: 0, logLevel: 'silent' });
    await gateway.close();
  });
});
