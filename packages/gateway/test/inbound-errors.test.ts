import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { RunningGateway } from '@sluice/gateway';
import { startTestGateway } from './helpers/gateway.ts';

const BODY_LIMIT = 8 * 1024;

interface AnthropicErrorBody {
  type: string;
  error: { type: string; message: string };
}

interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe('bad input on /v1/messages and /v1/responses: each endpoint’s own error shape, and no crash', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startTestGateway({ server: { bodyLimitBytes: BODY_LIMIT } });
  });
  after(() => gateway.close());

  function post(path: string, body: string, contentType = 'application/json'): Promise<Response> {
    return fetch(`${gateway.baseURL}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  }

  async function messagesError(body: string | object, status = 400): Promise<AnthropicErrorBody['error']> {
    const response = await post('/messages', typeof body === 'string' ? body : JSON.stringify(body));
    assert.equal(response.status, status);
    const json = (await response.json()) as AnthropicErrorBody;
    assert.equal(json.type, 'error');
    assert.deepEqual(Object.keys(json.error).sort(), ['message', 'type']);
    return json.error;
  }

  async function responsesError(body: string | object, status = 400): Promise<OpenAiErrorBody['error']> {
    const response = await post('/responses', typeof body === 'string' ? body : JSON.stringify(body));
    assert.equal(response.status, status);
    const json = (await response.json()) as OpenAiErrorBody;
    assert.deepEqual(Object.keys(json).sort(), ['error']);
    assert.deepEqual(Object.keys(json.error).sort(), ['code', 'message', 'param', 'type']);
    return json.error;
  }

  const message = (content: unknown, role = 'user') => ({ model: 'sim/m', max_tokens: 64, messages: [{ role, content }] });

  test('Messages: malformed JSON, a body that is not an object, a missing field', async () => {
    assert.deepEqual(await messagesError('{"model": "sim/m", "max_tokens": 10, "messages": ['), { type: 'invalid_request_error', message: 'The request body is not valid JSON.' });
    assert.match((await messagesError('[1, 2]')).message, /JSON object/);
    assert.deepEqual(await messagesError({ model: 'sim/m', messages: [{ role: 'user', content: 'Hi' }] }), { type: 'invalid_request_error', message: 'max_tokens: Invalid input: expected number, received undefined' });
  });

  test('Messages: wrong types name their field, the way Anthropic writes it', async () => {
    assert.match((await messagesError({ ...message('Hi'), max_tokens: '64' })).message, /^max_tokens: /);
    assert.match((await messagesError({ ...message('Hi'), temperature: 3 })).message, /^temperature: /);
    assert.match((await messagesError({ ...message('Hi'), messages: 'Hi' })).message, /^messages: /);
    assert.match((await messagesError(message(42))).message, /^messages\.0\.content: expected string or array/);
    assert.match((await messagesError(message([{ type: 'text', text: 7 }]))).message, /^messages\.0\.content\.0\.text: /);
    assert.match((await messagesError(message('Hi', 'robot'))).message, /^messages\.0\.role: /);
    assert.match((await messagesError({ ...message('Hi'), thinking: { type: 'enabled', budget_tokens: 10 } })).message, /^thinking\.budget_tokens: budget_tokens must be at least 1024/);
  });

  test('Messages: unknown or misplaced block types, and server tools, are refused by name', async () => {
    assert.equal((await messagesError(message([{ type: 'hologram', data: 'x' }]))).message, 'messages.0.content.0.type: unknown content block type "hologram"');
    assert.equal((await messagesError(message([{ text: 'no type' }]))).message, 'messages.0.content.0.type: a content block needs a "type"');
    assert.equal((await messagesError(message([{ type: 'tool_result', tool_use_id: 't1', content: 'x' }], 'assistant'))).message, 'messages.0.content.0.type: a "tool_result" block belongs in a user message');
    assert.equal((await messagesError(message([{ type: 'thinking', thinking: 'x', signature: 's' }]))).message, 'messages.0.content.0.type: a "thinking" block belongs in an assistant message');
    const server = await messagesError({ ...message('Hi'), tools: [{ type: 'web_search_20250305', name: 'web_search' }] });
    assert.match(server.message, /^tools\.0\.type: the server tool "web_search_20250305" is not supported/);
    assert.match((await messagesError(message([{ type: 'image', source: { type: 'file', file_id: 'f' } }]))).message, /^messages\.0\.content\.0\.source\.type: unknown image source type "file"/);
  });

  test('Messages: an oversized body is a 413 request_too_large', async () => {
    const error = await messagesError(message('x'.repeat(BODY_LIMIT)), 413);
    assert.equal(error.type, 'request_too_large');
    // The body is read as JSON whatever the Content-Type says (`curl -d` sends form-urlencoded), as on chat completions.
    assert.equal((await post('/messages', JSON.stringify(message('Hi')), 'application/x-www-form-urlencoded')).status, 200);
  });

  test('Responses: malformed JSON, a body that is not an object, a missing field', async () => {
    const malformed = await responsesError('{"model": "sim/m", "input": ');
    assert.deepEqual({ type: malformed.type, code: malformed.code }, { type: 'invalid_request_error', code: 'invalid_json' });
    assert.match((await responsesError('"hello"')).message, /JSON object/);
    assert.deepEqual(await responsesError({ model: 'sim/m' }), { message: 'input: expected string or array', type: 'invalid_request_error', param: 'input', code: 'invalid_request' });
  });

  test('Responses: wrong types and unknown item or part types name their field, the way OpenAI writes it', async () => {
    assert.equal((await responsesError({ model: 'sim/m', input: 5 })).param, 'input');
    assert.equal((await responsesError({ model: 'sim/m', input: 'Hi', temperature: 'hot' })).param, 'temperature');
    const item = await responsesError({ model: 'sim/m', input: [{ type: 'computer_call', id: 'c' }] });
    assert.deepEqual({ message: item.message, param: item.param }, { message: 'input[0].type: unknown input item type "computer_call"', param: 'input[0].type' });
    const part = await responsesError({ model: 'sim/m', input: [{ role: 'user', content: [{ type: 'input_audio', data: 'x' }] }] });
    assert.equal(part.message, 'input[0].content[0].type: unknown content part type "input_audio"');
    assert.match((await responsesError({ model: 'sim/m', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'f' }] }] })).message, /^input\[0\]\.content\[0\]\.image_url: /);
    assert.match((await responsesError({ model: 'sim/m', input: 'Hi', background: true })).message, /^background: background responses are not supported/);
    assert.match((await responsesError({ model: 'sim/m', input: 'Hi', tool_choice: { type: 'file_search' } })).message, /^tool_choice/);
  });

  test('Responses: an oversized body is a 413; unknown responses are 404s', async () => {
    assert.equal((await responsesError({ model: 'sim/m', input: 'x'.repeat(BODY_LIMIT) }, 413)).code, 'body_too_large');
    const previous = await responsesError({ model: 'sim/m', input: 'Hi', previous_response_id: 'resp_nope' }, 404);
    assert.deepEqual({ code: previous.code, param: previous.param }, { code: 'response_not_found', param: 'previous_response_id' });
    assert.equal((await fetch(`${gateway.baseURL}/responses/resp_0123456789abcdefghij`)).status, 404);
    assert.equal((await fetch(`${gateway.baseURL}/responses/resp_0123456789abcdefghij?stream=true`)).status, 404);
  });

  test('any JSON at all gets a 4xx in the endpoint’s shape, and the gateway goes on serving', async () => {
    const bodies = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ model: fc.constant('sim/m'), max_tokens: fc.oneof(fc.integer(), fc.string()), messages: fc.array(fc.record({ role: fc.constantFrom('user', 'assistant', 'system', 'x'), content: fc.oneof(fc.string(), fc.array(fc.dictionary(fc.constantFrom('type', 'text', 'id', 'input', 'source'), fc.jsonValue({ maxDepth: 2 })))) }), { maxLength: 3 }) }),
      fc.record({ model: fc.constant('sim/m'), input: fc.oneof(fc.string(), fc.array(fc.dictionary(fc.constantFrom('type', 'role', 'content', 'call_id', 'output', 'arguments', 'name'), fc.jsonValue({ maxDepth: 2 })), { maxLength: 3 })) }),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        for (const path of ['/messages', '/responses']) {
          const response = await post(path, JSON.stringify(body));
          const json = (await response.json()) as Partial<AnthropicErrorBody & OpenAiErrorBody>;
          if (response.status === 200) continue;
          assert.ok(response.status >= 400 && response.status < 500, `${path} answered ${response.status} to ${JSON.stringify(body)}: ${JSON.stringify(json)}`);
          if (path === '/messages') assert.equal(json.type, 'error');
          else assert.equal(typeof json.error?.message, 'string');
        }
      }),
      { numRuns: 60 },
    );
    const healthy = await post('/messages', JSON.stringify({ ...message('Hi'), sim: { text: 'Still here.' } }));
    assert.equal(((await healthy.json()) as { content: { text: string }[] }).content[0].text, 'Still here.');
  });
});
