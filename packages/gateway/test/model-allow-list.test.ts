import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import type { WsErrorMessage } from '@sluice/protocol';
import { modelAllowed } from '../src/keys/model-allow-list.ts';
import { chatBody, postChat } from './helpers/gateway.ts';
import { adminCall, startAdminGateway } from './helpers/admin.ts';
import { readSse } from './helpers/sse.ts';
import { MultiplexClient, openSocket, wsURL } from './helpers/ws.ts';

describe('model allow-list patterns', () => {
  test('exact names, and * for any run of characters, slashes included', () => {
    const list = ['gpt-4.1', 'sim/allowed-*', '*-flash'];
    for (const model of ['gpt-4.1', 'sim/allowed-', 'sim/allowed-a/b', 'gemini-2.5-flash']) assert.ok(modelAllowed(list, model), model);
    for (const model of ['gpt-4.10', 'xgpt-4.1', 'sim/other', 'up/allowed-x', 'gemini-2.5-flash-lite', 'gpt-4a1']) assert.ok(!modelAllowed(list, model), model);
    assert.ok(modelAllowed(undefined, 'anything'));
    assert.ok(modelAllowed(['*'], 'sim/x'));
  });
});

describe('403 model_not_allowed on every inbound API', () => {
  let gateway: RunningGateway;
  let key: string;
  const bearer = () => ({ authorization: `Bearer ${key}` });
  const post = (path: string, body: unknown, headers: Record<string, string> = bearer()) =>
    fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  before(async () => {
    gateway = await startAdminGateway({});
    key = (await adminCall(gateway, 'POST', '/admin/keys', { name: 'narrow', models: ['gpt-4.1', 'sim/allowed-*'] })).body.key;
  });
  after(() => gateway.close());

  async function assertRefused(response: Response): Promise<void> {
    assert.equal(response.status, 403);
    const body = (await response.json()) as { error: { code: string; param: string; type: string } };
    assert.deepEqual({ code: body.error.code, param: body.error.param, type: body.error.type }, { code: 'model_not_allowed', param: 'model', type: 'permission_error' });
  }

  test('chat completions over SSE: refused before the stream starts; allowed models stream', async () => {
    await assertRefused(await postChat(gateway, chatBody({ model: 'deepseek-v3.2', stream: true }), bearer()));
    await assertRefused(await postChat(gateway, chatBody({ model: 'sim/other', stream: true }), bearer()));
    for (const model of ['gpt-4.1', 'sim/allowed-1']) {
      const response = await postChat(gateway, chatBody({ model, stream: true, sim: { tokens: 3 } }), bearer());
      assert.equal(response.status, 200, model);
      assert.equal((await readSse(response)).data.at(-1), '[DONE]');
    }
  });

  test('chat completions as JSON, and POST /v1/streams', async () => {
    await assertRefused(await postChat(gateway, chatBody({ model: 'sim/other' }), bearer()));
    await assertRefused(await post('/v1/streams', chatBody({ model: 'sim/other' })));
    assert.equal((await post('/v1/streams', chatBody({ model: 'sim/allowed-2' }))).status, 201);
  });

  test('OpenAI Responses, streamed and not', async () => {
    await assertRefused(await post('/v1/responses', { model: 'sim/other', input: 'hi', stream: true }));
    await assertRefused(await post('/v1/responses', { model: 'sim/other', input: 'hi' }));
    assert.equal((await post('/v1/responses', { model: 'sim/allowed-3', input: 'hi', stream: true })).status, 200);
  });

  test('Anthropic Messages (x-api-key), streamed, not, and count_tokens: 403 permission_error in its shape', async () => {
    const headers = { 'x-api-key': key, 'anthropic-version': '2023-06-01' };
    const body = { model: 'sim/other', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
    for (const [path, extra] of [['/v1/messages', { stream: true }], ['/v1/messages', {}], ['/v1/messages/count_tokens', { max_tokens: undefined }]] as const) {
      const response = await post(path, { ...body, ...extra }, headers);
      assert.equal(response.status, 403, path);
      const error = (await response.json()) as { type: string; error: { type: string; message: string } };
      assert.equal(error.type, 'error');
      assert.equal(error.error.type, 'permission_error');
      assert.match(error.error.message, /may not use the model "sim\/other"/);
    }
    assert.equal((await post('/v1/messages', { ...body, model: 'sim/allowed-4', stream: true }, headers)).status, 200);
  });

  test('WebSocket sluice.v1: that request gets the error; the socket and its other streams go on', async () => {
    const client = await MultiplexClient.connect(gateway, ['sluice.v1', `bearer.${key}`]);
    try {
      const running = client.request('slow', chatBody({ model: 'sim/allowed-5', sim: { tokens: 20, delayMs: 10 } }));
      const refused = await client.request('refused', chatBody({ model: 'sim/other' }));
      assert.equal(refused.end.type, 'error');
      assert.equal((refused.end as WsErrorMessage).error.code, 'model_not_allowed');
      assert.equal((await running).end.type, 'done');
      assert.equal((await client.request('after', chatBody({ model: 'gpt-4.1', sim: { tokens: 2 } }))).end.type, 'done');
    } finally {
      client.ws.terminate();
    }
  });

  test('WebSocket plain mode: the error arrives as a frame and the socket stays open', async () => {
    const ws = await openSocket(wsURL(gateway), [], { headers: bearer() });
    try {
      const frames: string[] = [];
      const first = new Promise<void>((resolve) => ws.once('message', (data) => resolve(void frames.push(data.toString()))));
      ws.send(JSON.stringify(chatBody({ model: 'sim/other' })));
      await first;
      assert.equal((JSON.parse(frames[0]) as { error: { code: string } }).error.code, 'model_not_allowed');
      assert.equal(ws.readyState, ws.OPEN);
    } finally {
      ws.terminate();
    }
  });

  test('changing the allow-list takes effect on the next request', async () => {
    const { body } = await adminCall(gateway, 'POST', '/admin/keys', { name: 'widened', models: ['gpt-4.1'] });
    await assertRefused(await postChat(gateway, chatBody({ model: 'sim/other' }), { authorization: `Bearer ${body.key}` }));
    await adminCall(gateway, 'PATCH', `/admin/keys/${body.id}`, { models: null });
    assert.equal((await postChat(gateway, chatBody({ model: 'sim/other' }), { authorization: `Bearer ${body.key}` })).status, 200);
  });
});
