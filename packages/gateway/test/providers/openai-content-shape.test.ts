/**
 * The OpenAI-compatible decoder reads most content chunks without JSON.parse,
 * once a response has shown its plain content shape. Whatever the chunk, it
 * must mean exactly what a full parse says it means: every case below is
 * decoded after the shape was learned and compared with the full parse of
 * the same data alone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamEvent } from '../../src/events/stream-event.ts';
import { parseUpstreamChunk } from '../../src/providers/openai-compatible/chunk-parser.ts';
import { ContentShape } from '../../src/providers/openai-compatible/content-shape.ts';
import { OpenAIChunkDecoder } from '../../src/providers/openai-compatible/sse-decoder.ts';

const head = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":';
const content = (raw: string, after = '') => `${head}[{"index":0,"delta":{"content":"${raw}"},"finish_reason":null}]${after}}`;

function fullParse(data: string): StreamEvent[] {
  const out: StreamEvent[] = [];
  parseUpstreamChunk(data, out);
  return out;
}

function learnedDecoder(): OpenAIChunkDecoder {
  const decoder = new OpenAIChunkDecoder();
  const out: StreamEvent[] = [];
  decoder.decode(undefined, `${head}[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`, out);
  decoder.decode(undefined, content('Hello'), out);
  assert.deepEqual(out, [{ type: 'role', choice: 0, role: 'assistant' }, { type: 'content', choice: 0, text: 'Hello' }]);
  return decoder;
}

const cases: [string, string][] = [
  ['plain text', content(' world')],
  ['unicode text', content('été 😀 日本')],
  ['an escaped quote', content('say \\"hi\\"')],
  ['a backslash escape', content('a\\\\b')],
  ['a newline escape', content('line\\nbreak')],
  ['a unicode escape', content('\\u00e9')],
  ['an empty delta', content('')],
  ['another stream id', content('x').replace('chatcmpl-1', 'chatcmpl-2')],
  ['a member after the choices', content('x', ',"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}')],
  ['a finish', `${head}[{"index":0,"delta":{},"finish_reason":"stop"}]}`],
  ['content and a finish', `${head}[{"index":0,"delta":{"content":"x"},"finish_reason":"length"}]}`],
  ['choice 1', `${head}[{"index":1,"delta":{"content":"x"},"finish_reason":null}]}`],
  ['usage alone', `${head}[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`],
  ['an in-band error', '{"error":{"message":"boom","code":"x"}}'],
  ['a tool call', `${head}[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]},"finish_reason":null}]}`],
];

for (const [name, data] of cases) {
  test(`after the plain shape is learned, ${name} decodes as a full parse does`, () => {
    const decoder = learnedDecoder();
    const out: StreamEvent[] = [];
    decoder.decode(undefined, data, out);
    assert.deepEqual(out, fullParse(data));
  });
}

test('a chunk that is not JSON is still refused once the shape is learned', () => {
  const decoder = learnedDecoder();
  // Same prefix and suffix around a raw control character: not a JSON string, so not the plain shape.
  assert.throws(() => decoder.decode(undefined, content('a\u0001b'), []), /not JSON/);
  assert.throws(() => decoder.decode(undefined, `${head}[{"index":0,"delta":{"content":"x"}`, []), /not JSON/);
});

test('the shape is only learned from a chunk that is one plain content delta with a flat head', () => {
  const nested = new ContentShape();
  const data = `{"meta":{"choices":[{"index":0,"delta":{"content":"a"}}]},"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}`;
  nested.learn(data, fullParse(data));
  assert.equal(nested.match(data.replaceAll('"a"', '"b"')), undefined, 'a nested "choices" before the real one teaches nothing');

  const escaped = new ContentShape();
  escaped.learn(content('a\\"b'), fullParse(content('a\\"b')));
  assert.equal(escaped.match(content('c')), undefined, 'a text with an escape teaches nothing');

  const learned = new ContentShape();
  learned.learn(content('a'), fullParse(content('a')));
  assert.equal(learned.match(content('bcd')), 'bcd');
});
