import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway, SimServer } from '@sluice/gateway';
import { chatBody, postChat, upstreamProvider, startGatewayWithUpstream, type UpstreamRig, unusedPort } from './helpers/gateway.ts';
import { captureLog, type CapturedLog } from './helpers/log.ts';
import { readSse } from './helpers/sse.ts';
import { InvalidRequestError } from '../src/errors/index.ts';
import { serialiseRequest } from '../src/providers/request-body.ts';

interface WireError {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function expectError(response: Response, status: number, code: string | null, param?: string | null): Promise<WireError> {
  assert.equal(response.status, status, `status for ${code}`);
  const body = (await response.json()) as WireError;
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  assert.equal(typeof body.error.type, 'string');
  assert.equal(body.error.code, code);
  if (param !== undefined) assert.equal(body.error.param, param);
  return body;
}


describe('errors, in the OpenAI shape', () => {
  let upstream: SimServer;
  let gateway: RunningGateway;
  let rig: UpstreamRig;
  let log: CapturedLog;
  let deadPort: number;

  before(async () => {
    log = captureLog();
    deadPort = await unusedPort();
    rig = await startGatewayWithUpstream(
      {
        server: { bodyLimitBytes: 64 * 1024 },
        providers: [upstreamProvider('dead', `http://127.0.0.1:${deadPort}/v1`)],
        retries: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 2000 },
      },
      {},
      { logger: log.logger },
    );
    ({ upstream, gateway } = rig);
  });
  after(() => rig.close());

  test('malformed JSON is a 400', async () => {
    await expectError(await postChat(gateway, '{"model": "sim/x", "messages": ['), 400, 'invalid_json');
  });

  test('a body that is not an object is a 400', async () => {
    await expectError(await postChat(gateway, '[1,2]'), 400, 'invalid_request');
  });

  test('missing messages names the field', async () => {
    const body = await expectError(await postChat(gateway, { model: 'sim/x' }), 400, 'invalid_request', 'messages');
    assert.match(body.error.message, /^messages: /);
  });

  test('a wrong field type names the field', async () => {
    await expectError(await postChat(gateway, chatBody({ temperature: 'hot' })), 400, 'invalid_request', 'temperature');
    await expectError(await postChat(gateway, chatBody({ stream: 'yes' })), 400, 'invalid_request', 'stream');
  });

  test('an unknown role names the message', async () => {
    await expectError(await postChat(gateway, chatBody({ messages: [{ role: 'user', content: 'a' }, { role: 'robot', content: 'b' }] })), 400, 'invalid_request', 'messages[1].role');
  });

  test('an unknown model is a 404 model_not_found', async () => {
    await expectError(await postChat(gateway, chatBody({ model: 'gpt-17' })), 404, 'model_not_found', 'model');
    await expectError(await postChat(gateway, chatBody({ model: 'nowhere/gpt-4.1' })), 404, 'model_not_found', 'model');
  });

  test('a body over the limit is a 413', async () => {
    const big = chatBody({ messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] });
    await expectError(await postChat(gateway, big), 413, 'body_too_large');
  });

  test('an upstream 429 stays a 429 with its Retry-After', async () => {
    const response = await postChat(gateway, chatBody({ model: 'up/m', stream: true, sim: { fault: { status: 429, retryAfter: 30 } } }));
    assert.equal(response.headers.get('retry-after'), '30');
    await expectError(response, 429, 'rate_limit_exceeded');
  });

  test('an upstream 5xx is a 502 that keeps the upstream message', async () => {
    const response = await postChat(gateway, chatBody({ model: 'up/m', stream: true, sim: { fault: { status: 503, body: '{"error":{"message":"overloaded"}}' } } }));
    const body = await expectError(response, 502, 'upstream_error');
    assert.match(body.error.message, /overloaded/);
  });

  test('an upstream 4xx passes through with its status', async () => {
    const response = await postChat(gateway, chatBody({ model: 'up/m', sim: { fault: { status: 400, body: '{"error":{"message":"context too long","code":"context_length_exceeded"}}' } } }));
    await expectError(response, 400, 'context_length_exceeded');
  });

  test('an unreachable upstream is a 502 that names the provider, and only the log has its address', async () => {
    const body = await expectError(await postChat(gateway, chatBody({ model: 'dead/m', stream: true })), 502, 'upstream_unavailable');
    assert.match(body.error.message, /upstream "dead" is unreachable/);
    assert.doesNotMatch(body.error.message, new RegExp(`127\\.0\\.0\\.1|${deadPort}`));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(log.text(), new RegExp(`127\\.0\\.0\\.1:${deadPort}`), 'the log keeps the address');
  });

  describe('a body nested too deep is the client\'s 400 naming the field, never an upstream error', () => {
    // 5,000 nested arrays, as JSON text: too deep for JSON.stringify itself to write.
    const nested = 'NESTED';
    const nestedJson = '['.repeat(5000) + ']'.repeat(5000);
    const cases: [string, Record<string, unknown>, string][] = [
      ['metadata', { metadata: { trace: nested } }, 'metadata.trace[0][0]'],
      ['response_format', { response_format: { type: 'json_schema', json_schema: nested } }, 'response_format.json_schema[0][0]'],
      ['tool parameters', { tools: [{ type: 'function', function: { name: 'f', parameters: nested } }] }, 'tools[0].function.parameters'],
      ['an extra key on a message', { messages: [{ role: 'user', content: 'hi', extra: nested }] }, 'messages[0].extra[0]'],
    ];
    for (const [name, extra, field] of cases) {
      test(name, async () => {
        let requests = 0;
        const count = () => requests++;
        upstream.events.on('request', count);
        try {
          const text = JSON.stringify(chatBody({ model: 'up/m', stream: true, ...extra })).replace(`"${nested}"`, nestedJson);
          assert.ok(text.length < 12_000, 'about 10 KB');
          const body = await expectError(await postChat(gateway, text), 400, 'invalid_request', field);
          assert.match(body.error.message, /nested more than 64 levels deep/);
          assert.equal(requests, 0, 'nothing reached the upstream, so nothing was retried');
        } finally {
          upstream.events.off('request', count);
        }
      });
    }
  });

  test('a 5xx once is retried and the client never sees it', async () => {
    const key = `retry-${Date.now()}`;
    const response = await postChat(gateway, chatBody({ model: 'up/m', stream: true, sim: { tokens: 3, fault: { status: 503, times: 1, key } } }));
    assert.equal(response.status, 200);
    const sse = await readSse(response);
    assert.equal(sse.data.at(-1), '[DONE]');
  });

  for (const [name, fault] of [
    ['drops the connection', { dropAfter: 3 }],
    ['sends a malformed line', { malformedAfter: 3 }],
  ] as const) {
    test(`an upstream that ${name} mid-stream ends the stream with an error event and no [DONE]`, async () => {
      for (const model of ['up/m', 'sim/m']) {
        // Tokens a few ms apart, so the ones before the fault reach the gateway before the fault does.
        const response = await postChat(gateway, chatBody({ model, stream: true, sim: { tokens: 10, delayMs: 5, fault } }));
        assert.equal(response.status, 200);
        const sse = await readSse(response);
        const last = sse.events.at(-1);
        assert.equal(last?.event, 'error', `${model}: last event`);
        assert.ok(!sse.data.includes('[DONE]'));
        const error = JSON.parse(last?.data ?? '') as WireError;
        assert.equal(error.error.code, 'malformedAfter' in fault ? 'upstream_malformed' : 'upstream_disconnected', model);
        assert.equal(Number(last?.id), sse.events.length, 'the error carries the next seq');
        const tokens = sse.data.filter((d) => d.includes('"content":"') && !d.includes('"content":""'));
        assert.equal(tokens.length, 3, `${model}: the tokens before the fault are delivered`);
      }
    });
  }

  test('the other APIs refuse a body nested too deep the same way, in their own error shape', async () => {
    const nested = '['.repeat(5000) + ']'.repeat(5000);
    const cases: [string, string, string][] = [
      ['/v1/messages', `{"model":"up/m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":{"type":"object","properties":{"a":${nested}}}}]}`, 'tools[0].input_schema.properties'],
      ['/v1/responses', `{"model":"up/m","input":"hi","tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":{"a":${nested}}}}]}`, 'tools[0].parameters.properties'],
    ];
    for (const [path, body, field] of cases) {
      const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(response.status, 400, path);
      const error = ((await response.json()) as { error: { message: string } }).error;
      assert.match(error.message, new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}.*nested more than 64 levels deep`), path);
    }
  });

  test("a body that cannot be serialised for the upstream is the client's 400, not a connection failure", () => {
    const cyclic: Record<string, unknown> = { model: 'm', messages: [] };
    cyclic.self = cyclic;
    for (const body of [cyclic, { model: 'm', messages: [], n: 1n }]) {
      assert.throws(() => serialiseRequest(body as never), (error: unknown) => error instanceof InvalidRequestError && error.status === 400 && !error.retryable);
    }
  });

  test('an unknown path is a 404 in the same shape', async () => {
    await expectError(await fetch(`${gateway.url}/v2/nothing`), 404, 'not_found');
  });

  test('the gateway still serves after all of that', async () => {
    const response = await postChat(gateway, chatBody({ stream: true }));
    assert.equal(response.status, 200);
    assert.equal((await readSse(response)).data.at(-1), '[DONE]');
  });
});
