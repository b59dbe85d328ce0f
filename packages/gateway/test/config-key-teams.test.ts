import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, resolveConfig, type RunningGateway } from '@sluice/gateway';
import { chatBody, postChat } from './helpers/gateway.ts';
import { adminCall, startAdminGateway } from './helpers/admin.ts';

const A = 'sk-config-a-0123456789';
const B = 'sk-config-b-0123456789';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('config keys with a team and a model allow-list', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startAdminGateway({
      teams: [{ name: 'batch', limits: { rpm: 3 } }],
      keys: [
        { name: 'a', key: A, team: 'batch', models: ['sim/*'] },
        { name: 'b', key: B, team: 'batch' },
      ],
    });
  });
  after(() => gateway.close());

  test("a config key's allow-list refuses other models with 403 model_not_allowed", async () => {
    const refused = await postChat(gateway, chatBody({ model: 'gpt-4.1' }), bearer(A));
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'model_not_allowed');
    assert.equal((await postChat(gateway, chatBody({ model: 'gpt-4.1' }), bearer(B))).status, 200);
  });

  test("the keys of a config team share its limits, and a managed key can join it", async () => {
    const managed = await adminCall(gateway, 'POST', '/admin/keys', { name: 'joiner', team: 'batch' });
    assert.equal(managed.status, 201);
    // One request was spent above by b; two more fill the team's rpm of 3, whichever key sends them.
    assert.equal((await postChat(gateway, chatBody(), bearer(A))).status, 200);
    assert.equal((await postChat(gateway, chatBody(), bearer(managed.body.key))).status, 200);
    const refused = await postChat(gateway, chatBody(), bearer(B));
    assert.equal(refused.status, 429);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'rate_limit_exceeded');
  });

  test('the admin API lists the config team and key as read-only', async () => {
    const teams = await adminCall(gateway, 'GET', '/admin/teams');
    assert.deepEqual(teams.body.data.find((t: { name: string }) => t.name === 'batch'), { object: 'team', name: 'batch', source: 'config', limits: { rpm: 3 }, createdAt: null });
    for (const [method, path, body] of [['PATCH', '/admin/teams/batch', { limits: null }], ['POST', '/admin/teams', { name: 'batch' }]] as const) {
      const refused = await adminCall(gateway, method, path, body);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'read_only_team');
    }
    const key = (await adminCall(gateway, 'GET', '/admin/keys/config:a')).body;
    assert.deepEqual({ team: key.team, models: key.models, source: key.source }, { team: 'batch', models: ['sim/*'], source: 'config' });
  });

  test('a config key naming a team that is not in teams, or a model the gateway does not serve, is refused at start', () => {
    const problems = (input: object) => {
      try {
        resolveConfig(input);
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.message;
      }
      assert.fail('accepted');
    };
    assert.match(problems({ keys: [{ name: 'a', key: A, team: 'nope' }] }), /keys\[0\]\.team: no team "nope" in teams/);
    assert.match(problems({ keys: [{ name: 'a', key: A, models: ['gpt-4.1', 'gtp-4.1'] }] }), /keys\[0\]\.models\[1\]: no model alias "gtp-4\.1"/);
    assert.match(problems({ keys: [{ name: 'a', key: A, models: ['nope/*'] }] }), /keys\[0\]\.models\[0\]: no provider "nope"/);
    assert.match(problems({ teams: [{ name: 't' }, { name: 't' }] }), /teams\[1\]\.name: duplicate team name "t"/);
  });
});
