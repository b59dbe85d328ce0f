/**
 * What reaches Anthropic for an OpenAI chat request: every field that has a
 * faithful Messages API form gets it (checked on the body the fake
 * received), and every field that has none is a 400 naming it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startNativeRig, type NativeRig } from '../helpers/native-rig.ts';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const weather: OpenAI.ChatCompletionTool = { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true } };

describe('an OpenAI request as Anthropic receives it', () => {
  let rig: NativeRig;
  before(async () => (rig = await startNativeRig({}, { anthropic: { maxTokensByModel: { 'claude-big': 32000 }, thinkingBudgets: { low: 1024, medium: 3000, high: 9000 } } })));
  after(() => rig.close());

  /** Send a request; the Messages API body it became. */
  async function sent(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const before = rig.anthropic.received.length;
    await rig.openai.chat.completions.create({ model: 'claude/claude-sonnet-4-5', ...body } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
    assert.equal(rig.anthropic.received.length, before + 1);
    return rig.anthropic.received.at(-1)!;
  }

  test('messages: system and developer join system; tool results share a user turn with the text after them; images as image blocks', async () => {
    const headers = new Promise<Record<string, unknown>>((resolve) => rig.anthropic.events.once('request', ({ headers }) => resolve(headers)));
    const body = await sent({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
        { role: 'user', content: [{ type: 'text', text: 'What is this, and the weather?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }, { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } }] },
        { role: 'assistant', content: 'Checking two cities.', tool_calls: [{ id: 'toolu_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }, { id: 'toolu_b', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
        { role: 'tool', tool_call_id: 'toolu_a', content: 'rain' },
        { role: 'tool', tool_call_id: 'toolu_b', content: [{ type: 'text', text: 'sun' }] },
        { role: 'user', content: 'Thanks, and tomorrow?' },
      ],
    });
    assert.equal(body.system, 'Be brief.\n\nUse metric units.');
    assert.deepEqual(body.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this, and the weather?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking two cities.' },
          { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'toolu_b', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_a', content: 'rain' },
          { type: 'tool_result', tool_use_id: 'toolu_b', content: [{ type: 'text', text: 'sun' }] },
          { type: 'text', text: 'Thanks, and tomorrow?' },
        ],
      },
    ]);
    assert.equal(body.stream, true);
    const received = await headers;
    assert.equal(received['x-api-key'], rig.anthropic.apiKey);
    assert.equal(received['anthropic-version'], '2023-06-01');
  });

  test('parameters: max_tokens (required upstream, defaulted per model), stop, temperature, top_p, tools, tool_choice, user, extras', async () => {
    const ask = { messages: [{ role: 'user', content: 'hi' }] };
    assert.equal((await sent(ask)).max_tokens, 4096, 'the provider default when the client sets none');
    assert.equal((await sent({ ...ask, model: 'claude/claude-big' })).max_tokens, 32000, 'the per-model default');
    assert.equal((await sent({ ...ask, max_completion_tokens: 77 })).max_tokens, 77);
    const body = await sent({ ...ask, max_tokens: 500, stop: 'END', temperature: 0.3, top_p: 0.9, tools: [weather], tool_choice: 'required', parallel_tool_calls: false, user: 'user-42', anthropic: { top_k: 5, metadata: { user_id: 'override' } } });
    assert.deepEqual(body.stop_sequences, ['END']);
    assert.equal(body.temperature, 0.3);
    assert.equal(body.top_p, 0.9);
    assert.deepEqual(body.tools, [{ name: 'get_weather', description: 'Weather now', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true }]);
    assert.deepEqual(body.tool_choice, { type: 'any', disable_parallel_tool_use: true });
    assert.equal(body.top_k, 5, 'extras under "anthropic" pass through');
    assert.deepEqual(body.metadata, { user_id: 'override' }, 'and win over what sluice set');
    const choices: [unknown, unknown][] = [
      ['auto', { type: 'auto' }],
      ['none', { type: 'none' }],
      [{ type: 'function', function: { name: 'get_weather' } }, { type: 'tool', name: 'get_weather' }],
    ];
    for (const [choice, expected] of choices) assert.deepEqual((await sent({ ...ask, tools: [weather], tool_choice: choice })).tool_choice, expected);
    assert.deepEqual((await sent({ ...ask, user: 'u-1' })).metadata, { user_id: 'u-1' });
  });

  test('reasoning_effort becomes a thinking budget; a default max_tokens leaves the answer its room', async () => {
    const ask = { messages: [{ role: 'user', content: 'think' }] };
    const medium = await sent({ ...ask, reasoning_effort: 'medium' });
    assert.deepEqual(medium.thinking, { type: 'enabled', budget_tokens: 3000 });
    assert.equal(medium.max_tokens, 4096 + 3000);
    const capped = await sent({ ...ask, reasoning_effort: 'high', max_tokens: 5000 });
    assert.deepEqual(capped.thinking, { type: 'enabled', budget_tokens: 4999 }, 'within the max_tokens the client set');
    assert.equal(capped.max_tokens, 5000);
    assert.equal((await sent({ ...ask, reasoning_effort: 'none' })).thinking, undefined);
  });

  test('response_format json_schema is Anthropic\'s structured output', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    const body = await sent({ messages: [{ role: 'user', content: 'json' }], response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } } });
    assert.deepEqual(body.output_config, { format: { type: 'json_schema', schema } });
  });

  test('thinking blocks on an assistant message go first, unmodified; redacted ones too', async () => {
    const signature = rig.anthropic.signer.sign('thinking', 'I should call the tool.');
    const redacted = rig.anthropic.signer.sign('redacted', '');
    const body = await sent({
      reasoning_effort: 'low',
      tools: [weather],
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: null,
          reasoning_blocks: [{ type: 'thinking', text: 'I should call the tool.', signature }, { type: 'redacted', data: redacted }, { type: 'thinking', text: 'unsigned, from elsewhere' }],
          tool_calls: [{ id: 'toolu_x', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }],
        },
        { role: 'tool', tool_call_id: 'toolu_x', content: 'warm' },
      ],
    });
    assert.deepEqual((body.messages as { content: unknown }[])[1].content, [
      { type: 'thinking', thinking: 'I should call the tool.', signature },
      { type: 'redacted_thinking', data: redacted },
      { type: 'tool_use', id: 'toolu_x', name: 'get_weather', input: { city: 'Rome' } },
    ]);
  });

  test('neutral values of fields Anthropic lacks are fine', async () => {
    const body = await sent({ messages: [{ role: 'user', content: 'hi' }], n: 1, logprobs: false, presence_penalty: 0, frequency_penalty: 0, parallel_tool_calls: true, store: false, stream_options: null });
    assert.equal(body.max_tokens, 4096);
  });

  test('what Anthropic cannot be told is a 400 naming the field, and nothing is sent', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ n: 2 }, 'n'],
      [{ logprobs: true }, 'logprobs'],
      [{ top_logprobs: 2 }, 'top_logprobs'],
      [{ logit_bias: { '50256': -100 } }, 'logit_bias'],
      [{ presence_penalty: 0.5 }, 'presence_penalty'],
      [{ seed: 7 }, 'seed'],
      [{ temperature: 1.5 }, 'temperature'],
      [{ response_format: { type: 'json_object' } }, 'response_format'],
      [{ tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'tools[0].type'],
      [{ reasoning_effort: 'low', temperature: 0.5 }, 'temperature'],
      [{ reasoning_effort: 'low', tools: [weather], tool_choice: 'required' }, 'tool_choice'],
      [{ reasoning_effort: 'high', max_tokens: 900 }, 'max_tokens'],
      [{ reasoning_effort: 'extreme' }, 'reasoning_effort'],
      [{ verbosity: 'low' }, 'verbosity'],
      [{ anthropic: 'top_k=5' }, 'anthropic'],
      [{ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] }, 'messages[0].content[0].type'],
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }] }] }, 'messages[0].content[0].image_url.url'],
      [{ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] }, 'messages[1].tool_calls[0].function.arguments'],
    ];
    const before = rig.anthropic.received.length;
    for (const [extra, param] of cases) {
      await assert.rejects(
        rig.openai.chat.completions.create({ model: 'claude/claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }], ...extra } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
        (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === param,
        `${JSON.stringify(extra)} names ${param}`,
      );
    }
    assert.equal(rig.anthropic.received.length, before, 'none of them reached Anthropic');
  });
});
