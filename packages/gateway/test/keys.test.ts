import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, type RunningGateway } from '@sluice/gateway';
import { chatBody, postChat } from './helpers/gateway.ts';

describe('gateway keys', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startGateway({
      config: { ledger: false, keys: [{ name: 'web', key: 'sk-web-0123456789' }, { name: 'batch', keyEnv: 'SLUICE_TEST_BATCH_KEY' }] },
      env: { ...process.env, SLUICE_TEST_BATCH_KEY: 'sk-batch-9876543210' },
      port: 0,
      logLevel: 'silent',
    });
  });
  after(() => gateway.close());

  for (const [name, headers] of [
    ['no Authorization header', {}],
    ['a wrong key', { authorization: 'Bearer sk-web-0123456780' }],
    ['a key that is a prefix of a real one', { authorization: 'Bearer sk-web-01234' }],
    ['another scheme', { authorization: 'Basic c2std2ViLTAxMjM0NTY3ODk=' }],
  ] as const) {
    test(`${name} gets a 401`, async () => {
      const response = await postChat(gateway, chatBody(), headers);
      assert.equal(response.status, 401);
      const body = (await response.json()) as { error: { code: string; type: string } };
      assert.equal(body.error.code, 'invalid_api_key');
      assert.equal(body.error.type, 'authentication_error');
    });
  }

  test('a configured key, inline or from the environment, is let in', async () => {
    assert.equal((await postChat(gateway, chatBody(), { authorization: 'Bearer sk-web-0123456789' })).status, 200);
    assert.equal((await postChat(gateway, chatBody(), { authorization: 'Bearer sk-batch-9876543210' })).status, 200);
  });

  test('the models list needs a key too; health checks do not', async () => {
    assert.equal((await fetch(`${gateway.baseURL}/models`)).status, 401);
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${gateway.url}/readyz`)).status, 200);
  });
});
