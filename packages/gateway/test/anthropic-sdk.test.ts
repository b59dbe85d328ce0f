import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { ChatCompletionRequest } from '@sluice/protocol';
import { simText, type RunningGateway } from '@sluice/gateway';
import { backends, chatPromptTokens, startInboundRig, type InboundRig } from './helpers/inbound.ts';

const KEY = 'sk-claude-0123456789';
const WEATHER_TOOL = { name: 'get_weather', description: 'The weather in a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } };

/** The simulator's controls travel as an extra body field, as on chat completions. */
type Params = Anthropic.MessageCreateParamsNonStreaming & { sim?: Record<string, unknown> };
const params = (p: Params) => p as Anthropic.MessageCreateParamsNonStreaming;

describe('the official Anthropic SDK, unchanged, pointed at sluice', () => {
  let rig: InboundRig;
  let gateway: RunningGateway;
  let client: Anthropic;
  let received: ChatCompletionRequest[];

  before(async () => {
    rig = await startInboundRig([{ name: 'claude', key: KEY }]);
    ({ gateway, received } = rig);
    // The SDK appends /v1/messages to the base URL, as it does to api.anthropic.com.
    client = new Anthropic({ baseURL: gateway.url, apiKey: KEY, maxRetries: 0 });
  });
  after(() => rig.close());

  for (const backend of backends('claude-test')) {
    describe(`backed by ${backend.name}`, () => {
      const model = backend.model;

      test('messages.create answers one message: exact text, stop reason, usage', async () => {
        const message = await client.messages.create(params({ model, max_tokens: 256, system: 'Answer briefly.', messages: [{ role: 'user', content: 'Hello' }], sim: { text: 'Hello, how can I help?' } }));
        assert.equal(message.type, 'message');
        assert.equal(message.role, 'assistant');
        assert.equal(message.model, model);
        assert.deepEqual(message.content, [{ type: 'text', text: 'Hello, how can I help?' }]);
        assert.equal(message.stop_reason, 'end_turn');
        assert.equal(message.usage.output_tokens, 5);
        assert.equal(message.usage.input_tokens, await chatPromptTokens(gateway, KEY, model, [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: 'Hello' }]));
      });

      test('the conversation reaches the provider as the chat messages it stands for', async () => {
        // Without `sim.text` the simulator's words are seeded by the messages it receives.
        const message = await client.messages.create({
          model,
          max_tokens: 256,
          system: [{ type: 'text', text: 'You are terse.' }],
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'First question' }] },
            { role: 'assistant', content: 'First answer' },
            { role: 'user', content: 'Second question' },
          ],
        });
        const messages = [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'First question' },
          { role: 'assistant', content: 'First answer' },
          { role: 'user', content: 'Second question' },
        ];
        // Both providers are asked for the model behind the gateway's name: `claude-test`.
        assert.deepEqual(message.content, [{ type: 'text', text: simText({ model: 'claude-test', messages } as never) }]);
      });

      test('messages.stream with finalMessage(): the text as it streams, then the whole message', async () => {
        const stream = client.messages.stream(params({ model, max_tokens: 256, messages: [{ role: 'user', content: 'Tell me about rivers.' }], sim: { text: 'Rivers flow to the sea, mostly.' } }));
        let streamed = '';
        stream.on('text', (delta) => (streamed += delta));
        const message = await stream.finalMessage();
        assert.equal(streamed, 'Rivers flow to the sea, mostly.');
        assert.deepEqual(message.content, [{ type: 'text', text: 'Rivers flow to the sea, mostly.' }]);
        assert.equal(message.stop_reason, 'end_turn');
        assert.equal(message.usage.output_tokens, 6);
        assert.equal(message.usage.input_tokens, await chatPromptTokens(gateway, KEY, model, [{ role: 'user', content: 'Tell me about rivers.' }]));
      });

      test('tool use over two turns: the call with its exact input, then the answer from its result', async () => {
        const question: Anthropic.MessageParam = { role: 'user', content: 'What is the weather in Paris?' };
        const first = await client.messages.stream(params({ model, max_tokens: 256, tools: [WEATHER_TOOL], messages: [question], sim: { text: 'Let me look.', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] } })).finalMessage();
        assert.equal(first.stop_reason, 'tool_use');
        assert.deepEqual(first.content[0], { type: 'text', text: 'Let me look.' });
        const call = first.content[1] as Anthropic.ToolUseBlock;
        assert.equal(call.type, 'tool_use');
        assert.equal(call.name, 'get_weather');
        assert.deepEqual(call.input, { city: 'Paris' });

        const before = received.length;
        const second = await client.messages.create(params({
          model,
          max_tokens: 256,
          tools: [WEATHER_TOOL],
          messages: [question, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'Sunny, 24 °C' }] }],
          sim: { text: 'It is sunny and 24 °C in Paris.' },
        }));
        assert.deepEqual(second.content, [{ type: 'text', text: 'It is sunny and 24 °C in Paris.' }]);
        assert.equal(second.stop_reason, 'end_turn');
        if (!backend.signs) {
          // What the OpenAI-compatible upstream was sent: the call and its result, paired by id, nothing internal.
          const sent = received.slice(before).at(-1)!.messages;
          assert.deepEqual(sent.slice(1), [
            { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
            { role: 'tool', tool_call_id: call.id, content: 'Sunny, 24 °C' },
          ]);
        }
      });

      test('thinking with signatures over two turns: thinking blocks stream, come back, and the provider accepts them', async () => {
        const question: Anthropic.MessageParam = { role: 'user', content: 'Weather in Oslo?' };
        const thinking = { type: 'enabled' as const, budget_tokens: 2048 };
        const stream = client.messages.stream(params({ model, max_tokens: 4096, thinking, tools: [WEATHER_TOOL], messages: [question], sim: { reasoning: 'The user wants the weather; I should call the tool.', text: '', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Oslo"}' }] } }));
        let thought = '';
        stream.on('thinking', (delta) => (thought += delta));
        const first = await stream.finalMessage();
        assert.equal(thought, 'The user wants the weather; I should call the tool.');
        const [block, call] = first.content as [Anthropic.ThinkingBlock, Anthropic.ToolUseBlock];
        assert.equal(block.type, 'thinking');
        assert.equal(block.thinking, thought);
        if (backend.signs) assert.match(block.signature, /^simsig_/);
        else assert.equal(block.signature, '', 'an OpenAI-compatible upstream signs nothing');
        assert.deepEqual(call.input, { city: 'Oslo' });
        // Ten words of reasoning and the call in three pieces.
        assert.equal(first.usage.output_tokens, 13);

        const history: Anthropic.MessageParam[] = [question, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'Snow' }] }];
        const second = await client.messages.create(params({ model, max_tokens: 4096, thinking, tools: [WEATHER_TOOL], messages: history, sim: { text: 'It is snowing in Oslo.' } }));
        assert.deepEqual(second.content, [{ type: 'text', text: 'It is snowing in Oslo.' }]);

        if (backend.signs) {
          // The provider checks what comes back: a thinking block altered on the way is refused, as Anthropic refuses it.
          const altered = [question, { role: 'assistant' as const, content: [{ ...block, thinking: `${block.thinking} (edited)` }, call] }, history[2]];
          await assert.rejects(client.messages.create(params({ model, max_tokens: 4096, thinking, tools: [WEATHER_TOOL], messages: altered, sim: { text: 'x' } })), (error: unknown) => error instanceof Anthropic.BadRequestError && /signature/.test(error.message));
          // A client that drops the thinking is rescued by the gateway's turn memory, which kept the signed blocks.
          const withoutThinking = [question, { role: 'assistant' as const, content: [call] }, history[2]];
          const rescued = await client.messages.create(params({ model, max_tokens: 4096, tools: [WEATHER_TOOL], messages: withoutThinking, sim: { text: 'Rescued.' } }));
          assert.deepEqual(rescued.content, [{ type: 'text', text: 'Rescued.' }]);
        }
      });

      test('cache usage is reported the Anthropic way: input_tokens leaves out cache reads and writes', async () => {
        const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'A long, cacheable question about rivers and their deltas.' }];
        const message = await client.messages.create(params({ model, max_tokens: 64, messages, sim: { text: 'Deltas.', cachedTokens: 6, cacheWriteTokens: 3 } }));
        const prompt = await chatPromptTokens(gateway, KEY, model, [{ role: 'user', content: 'A long, cacheable question about rivers and their deltas.' }]);
        assert.equal(message.usage.cache_read_input_tokens, 6);
        assert.equal(message.usage.cache_creation_input_tokens, 3);
        assert.equal(message.usage.input_tokens, prompt - 9);
      });
    });
  }

  test('a mid-stream upstream failure is an Anthropic error event, which the SDK throws', async () => {
    const stream = client.messages.stream(params({ model: 'sim/claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }], sim: { tokens: 10, delayMs: 2, fault: { dropAfter: 4 } } }));
    let text = '';
    stream.on('text', (delta) => (text += delta));
    await assert.rejects(stream.finalMessage(), (error: unknown) => error instanceof Anthropic.APIError && /upstream/i.test(error.message));
    assert.ok(text.length > 0, 'the text before the failure arrived');
  });

  test('a provider that refuses before the first token keeps its status, in Anthropic’s shape, streaming or not', async () => {
    const refused = { model: 'up/claude-test', max_tokens: 16, messages: [{ role: 'user' as const, content: 'Hi' }], sim: { fault: { status: 403 } } };
    await assert.rejects(client.messages.create(params(refused)), Anthropic.PermissionDeniedError);
    await assert.rejects(client.messages.stream(params(refused)).finalMessage(), (error: unknown) => {
      assert.ok(error instanceof Anthropic.PermissionDeniedError);
      assert.equal((error.error as { error: { type: string } }).error.type, 'permission_error');
      return true;
    });
  });

  test('the key is accepted as x-api-key or Authorization: Bearer; a wrong one is a 401 in Anthropic’s shape', async () => {
    const bearer = new Anthropic({ baseURL: gateway.url, authToken: KEY, apiKey: null, maxRetries: 0 });
    const message = await bearer.messages.create(params({ model: 'sim/claude-test', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }], sim: { text: 'Hi.' } }));
    assert.equal((message.content[0] as Anthropic.TextBlock).text, 'Hi.');
    const wrong = new Anthropic({ baseURL: gateway.url, apiKey: 'sk-wrong-000000000', maxRetries: 0 });
    await assert.rejects(wrong.messages.create({ model: 'sim/claude-test', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.AuthenticationError);
      assert.equal((error.error as { type: string; error: { type: string } }).error.type, 'authentication_error');
      return true;
    });
  });

  test('finish reasons map to Anthropic stop reasons', async () => {
    const stopOf = async (finish: string) => (await client.messages.create(params({ model: 'sim/claude-test', max_tokens: 3, messages: [{ role: 'user', content: 'Hi' }], sim: { text: 'One two three', finish } }))).stop_reason;
    assert.equal(await stopOf('length'), 'max_tokens');
    assert.equal(await stopOf('content_filter'), 'refusal');
    assert.equal(await stopOf('stop'), 'end_turn');
  });

  test('the beta endpoints Claude Code calls (`?beta=true`, `anthropic-beta`) answer the same', async () => {
    const beta: Anthropic.Beta.MessageCreateParamsNonStreaming & { sim: object } = { model: 'sim/claude-test', max_tokens: 16, betas: ['interleaved-thinking-2025-05-14'], messages: [{ role: 'user', content: 'Hi' }], sim: { text: 'Beta hi.' } };
    const message = await client.beta.messages.create(beta);
    assert.deepEqual(message.content, [{ type: 'text', text: 'Beta hi.' }]);
    const counted = await client.beta.messages.countTokens({ model: 'sim/claude-test', betas: ['token-counting-2024-11-01'], messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(counted.input_tokens, await chatPromptTokens(gateway, KEY, 'sim/claude-test', [{ role: 'user', content: 'Hi' }]));
  });

  test('an unknown model is a 404 not_found_error', async () => {
    await assert.rejects(client.messages.create({ model: 'nope', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }), Anthropic.NotFoundError);
  });

  test('count_tokens: the provider’s own count where it counts, else the gateway’s, tools included', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'How many tokens is this question?' }];
    const reference = await chatPromptTokens(gateway, KEY, 'sim/claude-test', [{ role: 'user', content: 'How many tokens is this question?' }]);
    // The simulator counts exactly as it bills: the prompt the request will be billed for.
    assert.equal((await client.messages.countTokens({ model: 'sim/claude-test', messages })).input_tokens, reference);
    assert.equal((await client.messages.countTokens({ model: 'sim/claude-test', messages, tools: [WEATHER_TOOL] })).input_tokens, reference);
    // The OpenAI-compatible upstream cannot count: the gateway's tokenizer reads the tool definitions too.
    assert.equal((await client.messages.countTokens({ model: 'up/claude-test', messages })).input_tokens, reference);
    const estimated = (await client.messages.countTokens({ model: 'up/claude-test', messages, tools: [WEATHER_TOOL] })).input_tokens;
    assert.ok(estimated > reference + 10, `tools count too (${estimated} vs ${reference})`);
  });
});
