/**
 * The fake Anthropic checked against Anthropic's official SDK, an
 * independent reading of the same wire format: what the fake streams, the
 * SDK assembles into exactly the message that was scripted; its errors are
 * the SDK's error classes; what the SDK sends correctly the fake accepts,
 * and what the real API refuses the fake refuses too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic/server.ts';

const tools: Anthropic.Tool[] = [
  { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
  { name: 'get_time', input_schema: { type: 'object', properties: {} } },
];

describe('the fake Anthropic, read by the official @anthropic-ai/sdk', () => {
  let fake: FakeAnthropic;
  let sdk: Anthropic;

  before(async () => {
    fake = await startFakeAnthropic();
    sdk = new Anthropic({ baseURL: fake.url, apiKey: fake.apiKey, maxRetries: 0 });
  });
  after(() => fake.close());

  const ask = (content: string, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) => ({ model: 'claude-fake', max_tokens: 4096, messages: [{ role: 'user' as const, content }], ...extra });

  test('a streamed answer assembles into the scripted message: thinking and its signature, text, tools with split input', async () => {
    fake.on('plan a trip', {
      blocks: [
        { type: 'thinking', thinking: 'The user wants weather and time.' },
        { type: 'redacted_thinking' },
        { type: 'text', text: 'Looking both up.' },
        { type: 'tool_use', name: 'get_weather', input: { city: 'Lyon' }, chunks: ['{"ci', 'ty": "Ly', 'on"}'] },
        { type: 'tool_use', name: 'get_time', input: {}, chunks: [] },
      ],
      usage: { input_tokens: 21, output_tokens: 40, cache_read_input_tokens: 7, cache_creation_input_tokens: 3 },
    });
    const stream = sdk.messages.stream({ ...ask('plan a trip'), tools, thinking: { type: 'enabled', budget_tokens: 2048 } });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const message = await stream.finalMessage();
    assert.deepEqual(
      message.content.map((block) => block.type),
      ['thinking', 'redacted_thinking', 'text', 'tool_use', 'tool_use'],
    );
    const [thinking, , text, weather, time] = message.content as [Anthropic.ThinkingBlock, Anthropic.RedactedThinkingBlock, Anthropic.TextBlock, Anthropic.ToolUseBlock, Anthropic.ToolUseBlock];
    assert.equal(thinking.thinking, 'The user wants weather and time.');
    assert.ok(fake.signer.verify('thinking', thinking.thinking, thinking.signature), 'the signature the SDK kept is the one signed');
    assert.equal(text.text, 'Looking both up.');
    assert.deepEqual(weather.input, { city: 'Lyon' }, 'the SDK joins the input deltas into the scripted input');
    assert.deepEqual(time.input, {}, 'a tool with no input deltas has empty input');
    assert.match(weather.id, /^toolu_/);
    assert.equal(message.stop_reason, 'tool_use');
    assert.equal(message.usage.input_tokens, 21);
    assert.equal(message.usage.output_tokens, 40, 'message_delta carries the cumulative output');
    assert.equal(message.usage.cache_read_input_tokens, 7);
    assert.equal(message.usage.cache_creation_input_tokens, 3);
    assert.equal(types[0], 'message_start');
    assert.equal(types.at(-1), 'message_stop');
    assert.ok(!types.includes('ping' as never), 'pings are not events the SDK hands on');
  });

  test('the same answer, not streamed, is the same message', async () => {
    fake.on('once, whole', { blocks: [{ type: 'text', text: 'All at once.' }], stopReason: 'max_tokens', usage: { input_tokens: 5, output_tokens: 3 } });
    const message = await sdk.messages.create(ask('once, whole'));
    assert.deepEqual(message.content.map((b) => (b.type === 'text' ? b.text : b.type)), ['All at once.']);
    assert.equal(message.stop_reason, 'max_tokens');
    assert.equal(message.usage.output_tokens, 3);
  });

  test('every stop reason reaches the SDK as sent', async () => {
    for (const reason of ['end_turn', 'stop_sequence', 'max_tokens', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded']) {
      fake.on(`stop with ${reason}`, { blocks: [{ type: 'text', text: 'x' }], stopReason: reason });
      const message = await sdk.messages.stream(ask(`stop with ${reason}`)).finalMessage();
      assert.equal(message.stop_reason, reason);
    }
  });

  test('errors are the SDK\'s error classes: 529 overloaded, 429 with retry-after, 401, and an error event mid-stream', async () => {
    fake.on('overloaded', { status: 529, errorType: 'overloaded_error', errorMessage: 'Overloaded' });
    await assert.rejects(sdk.messages.create(ask('overloaded')), (error: unknown) => error instanceof Anthropic.APIError && error.status === 529 && error.type === 'overloaded_error');
    fake.on('slow down', { status: 429, errorType: 'rate_limit_error', headers: { 'retry-after': '7' } });
    await assert.rejects(sdk.messages.create(ask('slow down')), (error: unknown) => error instanceof Anthropic.RateLimitError && error.headers?.get('retry-after') === '7');
    const stranger = new Anthropic({ baseURL: fake.url, apiKey: 'sk-ant-wrong', maxRetries: 0 });
    await assert.rejects(stranger.messages.create(ask('hello')), Anthropic.AuthenticationError);
    fake.on('break mid-way', { blocks: [{ type: 'text', text: 'one two three four' }], streamError: { type: 'overloaded_error', afterDeltas: 2 } });
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const event of await sdk.messages.create({ ...ask('break mid-way'), stream: true })) {
          if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
        }
      })(),
      (error: unknown) => error instanceof Anthropic.APIError && error.type === 'overloaded_error',
    );
    assert.equal(text, 'one two ', 'the deltas before the error arrived');
  });

  test('it refuses what the Messages API refuses', async () => {
    const refused = async (params: object, message: RegExp) =>
      assert.rejects(sdk.messages.create(params as Anthropic.MessageCreateParamsNonStreaming), (error: unknown) => error instanceof Anthropic.BadRequestError && message.test(error.message));
    const { max_tokens: _omitted, ...noMax } = ask('hi');
    await refused(noMax, /max_tokens: Field required/);
    await refused({ ...ask('hi'), n: 2 }, /n: Extra inputs are not permitted/);
    await refused({ ...ask('hi'), temperature: 1.5 }, /temperature/);
    await refused({ ...ask('hi'), thinking: { type: 'enabled', budget_tokens: 512 } }, /budget_tokens/);
    await refused({ ...ask('hi'), thinking: { type: 'enabled', budget_tokens: 2048 }, temperature: 0.2 }, /temperature/);
    await refused({ ...ask('hi'), thinking: { type: 'enabled', budget_tokens: 2048 }, tools, tool_choice: { type: 'any' } }, /forces tool use/);
    await refused({ ...ask('hi'), messages: [{ role: 'system', content: 'x' }] }, /role/);
    await refused({ ...ask('hi'), messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_none', content: 'x' }] }] }, /tool_use_id/);
  });

  test('a tool-use turn with thinking on must come back with its thinking, signed and unmodified', async () => {
    fake.on('weather please', { blocks: [{ type: 'thinking', thinking: 'Need the weather tool.' }, { type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } }] });
    const thinkingOn = { tools, thinking: { type: 'enabled' as const, budget_tokens: 2048 } };
    const first = await sdk.messages.stream({ ...ask('weather please'), ...thinkingOn }).finalMessage();
    const call = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    const next = (assistant: Anthropic.ContentBlockParam[]) => ({
      ...ask('weather please'),
      ...thinkingOn,
      messages: [
        { role: 'user' as const, content: 'weather please' },
        { role: 'assistant' as const, content: assistant },
        { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: call.id, content: 'rain' }] },
      ],
    });
    // What the SDK assembled, sent back as it is: accepted.
    const accepted = await sdk.messages.create(next(first.content as Anthropic.ContentBlockParam[]));
    assert.equal(accepted.type, 'message');
    // Without the thinking block, or with its text altered: refused as the API refuses them.
    await assert.rejects(sdk.messages.create(next([call])), (error: unknown) => error instanceof Anthropic.BadRequestError && /must start with a thinking block/.test(error.message));
    const thinking = first.content[0] as Anthropic.ThinkingBlock;
    await assert.rejects(sdk.messages.create(next([{ ...thinking, thinking: `${thinking.thinking} ` }, call])), (error: unknown) => error instanceof Anthropic.BadRequestError && /Invalid `signature`/.test(error.message));
  });
});
