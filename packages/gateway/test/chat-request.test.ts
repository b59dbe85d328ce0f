import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChatRequest } from '../src/request/chat-request.ts';
import { InvalidRequestError } from '../src/errors/index.ts';

const ok = { model: 'up/m', messages: [{ role: 'user', content: 'Hi' }] };

/** The refusal's param and message for a body. */
function refusal(body: unknown): { param: string | null; message: string } {
  try {
    parseChatRequest(body);
  } catch (error) {
    assert.ok(error instanceof InvalidRequestError, String(error));
    return { param: error.param, message: error.message };
  }
  assert.fail(`accepted ${JSON.stringify(body)}`);
}

test('a valid request passes with every field it has, named or not, as a copy of the body', () => {
  const body = {
    ...ok,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'image_url', image_url: { url: 'data:,' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: '42' },
    ],
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: 10,
    max_completion_tokens: null,
    temperature: 0,
    top_p: 1,
    n: 1,
    stop: ['\n'],
    tools: [{ type: 'function', function: { name: 'f' } }],
    user: 'u',
    seed: 7,
    response_format: { type: 'json_object' },
  };
  const parsed = parseChatRequest(body);
  assert.deepEqual(parsed, body);
  assert.notEqual(parsed, body);
  assert.deepEqual(parseChatRequest({ ...ok, stop: 'END', stream_options: null, temperature: null }), { ...ok, stop: 'END', stream_options: null, temperature: null });
});

test('the first problem is refused, naming its field', () => {
  const cases: [unknown, string | null, string][] = [
    [[], null, 'The request body must be a JSON object with "model" and "messages".'],
    [{ messages: ok.messages }, 'model', 'model: Invalid input: expected string, received undefined'],
    [{ ...ok, model: '' }, 'model', 'model: model is required'],
    [{ ...ok, model: 'm'.repeat(257) }, 'model', 'model: at most 256 characters'],
    [{ model: 'm' }, 'messages', 'messages: Invalid input: expected array, received undefined'],
    [{ model: 'm', messages: [] }, 'messages', 'messages: at least one message is required'],
    [{ model: 'm', messages: ['hi'] }, 'messages[0]', 'messages[0]: Invalid input: expected object, received string'],
    [{ model: 'm', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', 'messages[0].role: Invalid option: expected one of "system"|"developer"|"user"|"assistant"|"tool"|"function"'],
    [{ model: 'm', messages: [ok.messages[0], { role: 'user', content: 42 }] }, 'messages[1].content', 'messages[1].content: Invalid input: expected string, array or null, received number'],
    [{ model: 'm', messages: [{ role: 'user', content: [{ text: 'x' }] }] }, 'messages[0].content[0].type', 'messages[0].content[0].type: Invalid input: expected string, received undefined'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x', name: 3 }] }, 'messages[0].name', 'messages[0].name: Invalid input: expected string, received number'],
    [{ model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f' } }] }] }, 'messages[0].tool_calls[0].function.arguments', 'messages[0].tool_calls[0].function.arguments: Invalid input: expected string, received undefined'],
    [{ model: 'm', messages: [{ role: 'tool', content: 'x', tool_call_id: 1 }] }, 'messages[0].tool_call_id', 'messages[0].tool_call_id: Invalid input: expected string, received number'],
    [{ ...ok, stream: 'yes' }, 'stream', 'stream: Invalid input: expected boolean, received string'],
    [{ ...ok, stream: null }, 'stream', 'stream: Invalid input: expected boolean, received null'],
    [{ ...ok, stream_options: { include_usage: 1 } }, 'stream_options.include_usage', 'stream_options.include_usage: Invalid input: expected boolean, received number'],
    [{ ...ok, max_tokens: 0 }, 'max_tokens', 'max_tokens: Too small: expected number to be >0'],
    [{ ...ok, max_tokens: 1.5 }, 'max_tokens', 'max_tokens: Invalid input: expected int, received number'],
    [{ ...ok, max_completion_tokens: '9' }, 'max_completion_tokens', 'max_completion_tokens: Invalid input: expected number, received string'],
    [{ ...ok, temperature: 3 }, 'temperature', 'temperature: Too big: expected number to be <=2'],
    [{ ...ok, top_p: -0.1 }, 'top_p', 'top_p: Too small: expected number to be >=0'],
    [{ ...ok, n: 129 }, 'n', 'n: Too big: expected number to be <=128'],
    [{ ...ok, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', 'stop: Too big: expected array to have <=4 items'],
    [{ ...ok, stop: [1] }, 'stop[0]', 'stop[0]: Invalid input: expected string, received number'],
    [{ ...ok, stop: 5 }, 'stop', 'stop: Invalid input: expected string or array, received number'],
    [{ ...ok, tools: {} }, 'tools', 'tools: Invalid input: expected array, received object'],
    [{ ...ok, tools: [{ function: {} }] }, 'tools[0].type', 'tools[0].type: Invalid input: expected string, received undefined'],
    [{ ...ok, user: 1 }, 'user', 'user: Invalid input: expected string, received number'],
    [{ model: 1, messages: [] }, 'model', 'model: Invalid input: expected string, received number'],
  ];
  for (const [body, param, message] of cases) assert.deepEqual(refusal(body), { param, message }, JSON.stringify(body));
});

test('a body nested too deep or carrying __proto__ is refused before its fields are read', () => {
  let deep: unknown = 'x';
  for (let i = 0; i < 70; i++) deep = [deep];
  assert.match(refusal({ ...ok, extra: deep }).message, /^extra(\[0\])+: nested more than 64 levels deep\.$/);
  assert.equal(refusal(JSON.parse('{"model":"m","messages":[{"role":"user","content":"x","__proto__":{}}]}')).param, 'messages[0].__proto__');
});
