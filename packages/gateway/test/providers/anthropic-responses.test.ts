/**
 * Claude through sluice with an unchanged openai SDK: every case the fake
 * Anthropic can replay, streamed and not, arrives as OpenAI chunks and
 * completions with exact text, tool-call arguments, reasoning, finish
 * reasons, usage and cost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { countTokens } from 'gpt-tokenizer';
import OpenAI from 'openai';
import { CLAUDE_PRICE, dollars, readStream, startNativeRig, type NativeRig } from '../helpers/native-rig.ts';
import type { AnthropicScript } from '../fakes/anthropic/script.ts';

const MODEL = 'claude/claude-sonnet-4-5';
const tools: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
];

describe('Anthropic through sluice, read by the openai SDK', () => {
  let rig: NativeRig;
  before(async () => (rig = await startNativeRig()));
  after(() => rig.close());

  const ask = (content: string, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) => ({ model: MODEL, messages: [{ role: 'user' as const, content }], ...extra });
  const both = async (content: string, script: AnthropicScript, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) => {
    rig.anthropic.on(content, script);
    const whole = await rig.openai.chat.completions.create(ask(content, extra));
    const streamed = await readStream(await rig.openai.chat.completions.create({ ...ask(content, extra), stream: true, stream_options: { include_usage: true } }));
    return { whole, streamed };
  };

  test('text: exact, finished with stop, usage and cost from message_start and message_delta', async () => {
    const { whole, streamed } = await both('say hello', { blocks: [{ type: 'text', text: 'Hello there, traveller.' }], usage: { input_tokens: 12, output_tokens: 6 } });
    for (const [text, finish, usage] of [
      [whole.choices[0].message.content, whole.choices[0].finish_reason, whole.usage],
      [streamed.text, streamed.finishReason, streamed.usage],
    ] as const) {
      assert.equal(text, 'Hello there, traveller.');
      assert.equal(finish, 'stop');
      assert.equal(usage?.prompt_tokens, 12);
      assert.equal(usage?.completion_tokens, 6, 'the cumulative output of message_delta, not a sum');
      assert.equal(usage?.total_tokens, 18);
      assert.equal((usage as { cost?: number }).cost, dollars({ fresh: 12, output: 6 }, CLAUDE_PRICE));
    }
    assert.equal(streamed.chunks[0].choices[0].delta.role, 'assistant');
  });

  test('parallel tool calls: indexes count tool calls, not blocks; split arguments arrive whole; an empty-input tool gives "{}"', async () => {
    const script: AnthropicScript = {
      blocks: [
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', name: 'get_weather', input: { city: 'Lyon' }, chunks: ['{"ci', 'ty":', ' "Ly', 'on"}'] },
        { type: 'tool_use', name: 'get_time', input: {}, chunks: [] },
      ],
    };
    const { whole, streamed } = await both('weather and time', script, { tools });
    const calls = whole.choices[0].message.tool_calls!.map((c) => c.type === 'function' && [c.id, c.function.name, c.function.arguments]);
    assert.equal(whole.choices[0].message.content, 'Let me look.');
    assert.equal(whole.choices[0].finish_reason, 'tool_calls');
    assert.deepEqual(calls.map((c) => c && c.slice(1)), [
      ['get_weather', '{"city": "Lyon"}'],
      ['get_time', '{}'],
    ]);
    assert.ok(calls.every((c) => c && /^toolu_/.test(c[0])));
    assert.deepEqual(streamed.toolCalls.map((c) => [c.name, c.arguments]), [
      ['get_weather', '{"city": "Lyon"}'],
      ['get_time', '{}'],
    ]);
    const indexes = streamed.chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls?.map((c) => c.index) ?? []);
    assert.deepEqual([...new Set(indexes)], [0, 1], 'the text block is not counted');
    assert.equal(streamed.finishReason, 'tool_calls');
  });

  test('the stream helper of the SDK assembles the same tool calls', async () => {
    rig.anthropic.on('helper tools', { blocks: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Nice' }, chunks: ['{"city"', ':"Nice"}'] }] });
    const final = await rig.openai.chat.completions.stream({ model: MODEL, messages: [{ role: 'user', content: 'helper tools' }], tools }).finalChatCompletion();
    const call = final.choices[0].message.tool_calls![0];
    assert.equal(call.type === 'function' && call.function.arguments, '{"city":"Nice"}');
  });

  test('thinking with its signature, then a tool call: the reasoning streams as reasoning_content and nothing of the signature reaches the client', async () => {
    const script: AnthropicScript = { blocks: [{ type: 'thinking', thinking: 'The user needs the weather in Oslo.' }, { type: 'redacted_thinking' }, { type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } }] };
    const { whole, streamed } = await both('think then call', script, { tools, reasoning_effort: 'low' });
    assert.equal((whole.choices[0].message as { reasoning_content?: string }).reasoning_content, 'The user needs the weather in Oslo.');
    assert.equal(streamed.reasoning, 'The user needs the weather in Oslo.');
    assert.deepEqual(streamed.toolCalls.map((c) => c.arguments), ['{"city":"Oslo"}']);
    const wire = JSON.stringify(streamed.chunks) + JSON.stringify(whole);
    assert.ok(!wire.includes('signature') && !wire.includes('redacted'), 'signatures and redacted thinking stay inside the gateway');
  });

  test('cache reads and writes are reported in prompt_tokens_details and priced at their own rates', async () => {
    const usage = { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 1000, cache_creation_input_tokens: 400 };
    const { whole, streamed } = await both('cached prompt', { blocks: [{ type: 'text', text: 'From the cache.' }], usage });
    for (const reported of [whole.usage!, streamed.usage!]) {
      assert.equal(reported.prompt_tokens, 1410, 'prompt_tokens includes the cached ones, as OpenAI counts them');
      assert.deepEqual(reported.prompt_tokens_details, { cached_tokens: 1000, cache_write_tokens: 400 });
      assert.equal((reported as { cost?: number }).cost, dollars({ fresh: 10, cached: 1000, written: 400, output: 20 }, CLAUDE_PRICE));
    }
  });

  test('every stop reason becomes its finish reason', async () => {
    const expected: Record<string, string> = { end_turn: 'stop', stop_sequence: 'stop', pause_turn: 'stop', max_tokens: 'length', model_context_window_exceeded: 'length', tool_use: 'tool_calls', refusal: 'content_filter' };
    for (const [reason, finish] of Object.entries(expected)) {
      const { whole, streamed } = await both(`stop ${reason}`, { blocks: [{ type: 'text', text: 'Done.' }], stopReason: reason });
      assert.equal(whole.choices[0].finish_reason, finish, reason);
      assert.equal(streamed.finishReason, finish, reason);
    }
  });

  test('an overloaded_error event before the first token is retried where the client cannot see it', async () => {
    let calls = 0;
    rig.anthropic.on('flaky start', () => (++calls === 1 ? { blocks: [{ type: 'text', text: 'never' }], streamError: { type: 'overloaded_error', afterDeltas: 0 } } : { blocks: [{ type: 'text', text: 'Second time lucky.' }] }));
    const streamed = await readStream(await rig.openai.chat.completions.create({ ...ask('flaky start'), stream: true }));
    assert.equal(streamed.text, 'Second time lucky.');
    assert.equal(calls, 2);
  });

  test('an overloaded_error event after the first token ends the stream with that error; not streamed, it is a 503', async () => {
    rig.anthropic.on('flaky middle', { blocks: [{ type: 'text', text: 'one two three four five' }], streamError: { type: 'overloaded_error', message: 'Overloaded', afterDeltas: 2 } });
    let text = '';
    await assert.rejects(
      async () => {
        for await (const chunk of await rig.openai.chat.completions.create({ ...ask('flaky middle'), stream: true })) text += chunk.choices[0]?.delta.content ?? '';
      },
      (error: unknown) => error instanceof OpenAI.APIError && /overloaded/i.test(error.message),
    );
    assert.equal(text, 'one two ');
    await assert.rejects(rig.openai.chat.completions.create(ask('flaky middle')), (error: unknown) => error instanceof OpenAI.APIError && error.status === 503 && error.code === 'upstream_overloaded');
  });

  test('a connection cut mid-stream ends the stream with upstream_disconnected after what was delivered; not streamed, a 502', async () => {
    // Deltas a few ms apart, so the ones before the cut reach the gateway before the cut does.
    rig.anthropic.on('cut me', { blocks: [{ type: 'text', text: 'alpha beta gamma delta' }], dropAfterDeltas: 3, delayMs: 3 });
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of await rig.openai.chat.completions.create({ ...ask('cut me'), stream: true })) text += chunk.choices[0]?.delta.content ?? '';
    }, /closed the stream before it finished|broke mid-stream/);
    assert.equal(text, 'alpha beta gamma ');
    await assert.rejects(rig.openai.chat.completions.create(ask('cut me')), (error: unknown) => error instanceof OpenAI.APIError && error.status === 502 && error.code === 'upstream_disconnected');
  });

  test('HTTP errors: 529 is a retryable 503, 429 honours retry-after, 400 and 401 pass through', async () => {
    rig.anthropic.on('always overloaded', { status: 529, errorType: 'overloaded_error', errorMessage: 'Overloaded' });
    const before = rig.anthropic.received.length;
    await assert.rejects(rig.openai.chat.completions.create(ask('always overloaded')), (error: unknown) => error instanceof OpenAI.APIError && error.status === 503 && error.code === 'upstream_overloaded');
    assert.equal(rig.anthropic.received.length - before, 3, 'tried once and retried twice');
    let limited = 0;
    rig.anthropic.on('briefly limited', () => (++limited === 1 ? { status: 429, errorType: 'rate_limit_error', headers: { 'retry-after': '0' } } : { blocks: [{ type: 'text', text: 'Through.' }] }));
    const through = await rig.openai.chat.completions.create(ask('briefly limited'));
    assert.equal(through.choices[0].message.content, 'Through.');
    rig.anthropic.on('limited for long', { status: 429, errorType: 'rate_limit_error', errorMessage: 'Slow down', headers: { 'retry-after': '120' } });
    await assert.rejects(rig.openai.chat.completions.create(ask('limited for long')), (error: unknown) => error instanceof OpenAI.RateLimitError && error.headers?.get('retry-after') === '120');
    rig.anthropic.on('bad ask', { status: 400, errorType: 'invalid_request_error', errorMessage: 'messages: roles must alternate' });
    await assert.rejects(rig.openai.chat.completions.create(ask('bad ask')), (error: unknown) => error instanceof OpenAI.BadRequestError && /roles must alternate/.test(error.message));
  });

  test('a stream cut short by the client is settled with what it delivered, estimated, the prompt as Anthropic counted it', async () => {
    rig.anthropic.on('cancel me', { blocks: [{ type: 'text', text: 'first second third fourth fifth' }], stallAfterDeltas: 3, usage: { input_tokens: 77, output_tokens: 500, cache_read_input_tokens: 23 } });
    const controller = new AbortController();
    const stream = await rig.openai.chat.completions.create({ ...ask('cancel me'), stream: true }, { signal: controller.signal });
    const generation = [...rig.gateway.context.registry.live()].at(-1)!;
    let text = '';
    // The SDK ends an aborted stream quietly.
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (text === 'first second third ') controller.abort();
    }
    const settlement = await generation.settled;
    assert.equal(settlement.status, 'cancelled');
    assert.equal(settlement.usage.estimated, true);
    assert.equal(settlement.usage.prompt_tokens, 100, 'the prompt as message_start counted it, cache included');
    const delivered = countTokens('first second third ');
    assert.equal(settlement.usage.completion_tokens, delivered, 'what was delivered, counted, not the 500 the script would have reported');
    assert.equal(settlement.usage.cost, dollars({ fresh: 77, cached: 23, output: delivered }, CLAUDE_PRICE));
  });
});
