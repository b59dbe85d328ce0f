import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionRequest } from '@sluice/protocol';
import { simText, type RunningGateway } from '@sluice/gateway';
import { backends, chatPromptTokens, startInboundRig, type InboundRig } from './helpers/inbound.ts';

const KEY_A = 'sk-resp-a-0123456789';
const KEY_B = 'sk-resp-b-0123456789';
const WEATHER_TOOL = { type: 'function' as const, name: 'get_weather', description: 'The weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false };

/** The simulator's controls travel as an extra body field, as on chat completions; passing the body through here lets the SDK's types accept it. */
const params = <T extends object>(body: T): T => body;

describe('the official openai SDK’s Responses API, unchanged, pointed at sluice', () => {
  let rig: InboundRig;
  let gateway: RunningGateway;
  let openai: OpenAI;
  let received: ChatCompletionRequest[];

  before(async () => {
    rig = await startInboundRig([{ name: 'a', key: KEY_A }, { name: 'b', key: KEY_B }]);
    ({ gateway, received } = rig);
    openai = new OpenAI({ baseURL: gateway.baseURL, apiKey: KEY_A, maxRetries: 0 });
  });
  after(() => rig.close());

  for (const backend of backends('gpt-test')) {
    describe(`backed by ${backend.name}`, () => {
      const model = backend.model;

      test('responses.create: exact text, status, usage', async () => {
        const response = await openai.responses.create(params({ model, instructions: 'Be brief.', input: 'Hello', sim: { text: 'Hello there, friend.' } }));
        assert.equal(response.object, 'response');
        assert.equal(response.status, 'completed');
        assert.equal(response.model, model);
        assert.equal(response.output_text, 'Hello there, friend.');
        assert.equal(response.usage?.output_tokens, 3);
        assert.equal(response.usage?.input_tokens, await chatPromptTokens(gateway, KEY_A, model, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }]));
        assert.equal(response.usage?.total_tokens, response.usage!.input_tokens + 3);
      });

      test('input items reach the provider as the chat messages they stand for', async () => {
        const input: OpenAI.Responses.ResponseInput = [
          { role: 'developer', content: 'You are terse.' },
          { role: 'user', content: [{ type: 'input_text', text: 'First question' }] },
          { role: 'assistant', content: 'First answer' },
          { type: 'message', role: 'user', content: 'Second question' },
        ];
        const response = await openai.responses.create({ model, input });
        const messages = [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'First question' },
          { role: 'assistant', content: 'First answer' },
          { role: 'user', content: 'Second question' },
        ];
        assert.equal(response.output_text, simText({ model: 'gpt-test', messages } as never));
      });

      test('responses.stream: the text as it streams, each event numbered, then the final response', async () => {
        const stream = openai.responses.stream(params({ model, input: 'Tell me about rivers.', sim: { text: 'Rivers run to the sea.' } }));
        let streamed = '';
        const sequence: number[] = [];
        for await (const event of stream) {
          sequence.push(event.sequence_number);
          if (event.type === 'response.output_text.delta') streamed += event.delta;
        }
        const response = await stream.finalResponse();
        assert.equal(streamed, 'Rivers run to the sea.');
        assert.equal(response.output_text, 'Rivers run to the sea.');
        assert.deepEqual(sequence, sequence.map((_, i) => i), 'sequence numbers count from 0 with no gap');
        assert.equal(response.usage?.output_tokens, 5);
      });

      test('function calling: the call with its exact arguments, then a function_call_output in a second turn', async () => {
        const first = await openai.responses.stream(params({ model, input: 'Weather in Paris?', tools: [WEATHER_TOOL], sim: { text: '', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] } })).finalResponse();
        const call = functionCall(first.output);
        assert.equal(call.name, 'get_weather');
        assert.equal(call.arguments, '{"city":"Paris"}');
        assert.equal(first.status, 'completed');

        const before = received.length;
        const second = await openai.responses.create(params({
          model,
          tools: [WEATHER_TOOL],
          store: false,
          input: [{ role: 'user', content: 'Weather in Paris?' }, ...first.output, { type: 'function_call_output', call_id: call.call_id, output: 'Sunny' }] as OpenAI.Responses.ResponseInput,
          sim: { text: 'It is sunny in Paris.' },
        }));
        assert.equal(second.output_text, 'It is sunny in Paris.');
        if (!backend.signs) {
          const sent = received.slice(before).at(-1)!.messages;
          assert.deepEqual(sent.slice(1), [
            { role: 'assistant', content: null, tool_calls: [{ id: call.call_id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
            { role: 'tool', tool_call_id: call.call_id, content: 'Sunny' },
          ]);
        }
      });

      test('previous_response_id continues the conversation, reasoning and signatures kept by the gateway', async () => {
        const first = await openai.responses.create(params({ model, input: 'Weather in Oslo?', tools: [WEATHER_TOOL], reasoning: { effort: 'low' }, sim: { reasoning: 'I need the tool.', text: '', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Oslo"}' }] } }));
        const reasoning = first.output.find((item) => item.type === 'reasoning') as OpenAI.Responses.ResponseReasoningItem;
        assert.deepEqual(reasoning.summary, [{ type: 'summary_text', text: 'I need the tool.' }]);
        assert.equal(reasoning.encrypted_content, undefined, 'not asked for with include');
        assert.equal(first.usage?.output_tokens_details.reasoning_tokens, 4);
        const call = functionCall(first.output);
        // The signed call comes back only by reference: the stored conversation must hold its reasoning and signature.
        const second = await openai.responses.create(params({ model, previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: call.call_id, output: 'Snow' }], sim: { text: 'It is snowing in Oslo.' } }));
        assert.equal(second.output_text, 'It is snowing in Oslo.');
        assert.equal(second.previous_response_id, first.id);
        // And a third turn on top of that one, the text seeded by the whole conversation.
        const third = await openai.responses.create({ model, previous_response_id: second.id, input: 'Thanks!' });
        assert.ok(third.output_text.length > 0);
      });

      test('a stateless client gets reasoning sealed in encrypted_content and sends it back', async () => {
        const first = await openai.responses.create(params({ model, input: 'Weather in Rome?', tools: [WEATHER_TOOL], store: false, include: ['reasoning.encrypted_content'], sim: { reasoning: 'Use the tool.', text: '', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Rome"}' }] } }));
        const reasoning = first.output.find((item) => item.type === 'reasoning') as OpenAI.Responses.ResponseReasoningItem;
        if (backend.signs) assert.ok(reasoning.encrypted_content, 'the signed reasoning is sealed for the client to keep');
        const call = functionCall(first.output);
        const history = [{ role: 'user' as const, content: 'Weather in Rome?' }, ...first.output, { type: 'function_call_output' as const, call_id: call.call_id, output: 'Warm' }] as OpenAI.Responses.ResponseInput;
        const second = await openai.responses.create(params({ model, input: history, tools: [WEATHER_TOOL], store: false, sim: { text: 'It is warm in Rome.' } }));
        assert.equal(second.output_text, 'It is warm in Rome.');
        if (backend.signs) {
          // Without the sealed reasoning, the provider refuses the signed call, as thinking providers do.
          const stripped = history.map((item) => ('type' in item && item.type === 'reasoning' ? { ...item, encrypted_content: null } : item)) as OpenAI.Responses.ResponseInput;
          await assert.rejects(openai.responses.create(params({ model, input: stripped, tools: [WEATHER_TOOL], store: false, sim: { text: 'x' } })), OpenAI.BadRequestError);
        }
      });
    });
  }

  test('a store: true response is read back with GET, by its key only, and deleted', async () => {
    const created = await openai.responses.create(params({ model: 'sim/gpt-test', input: 'Keep this.', sim: { text: 'Kept.' } }));
    const read = await openai.responses.retrieve(created.id);
    assert.equal(read.id, created.id);
    assert.equal(read.status, 'completed');
    assert.equal(read.output_text, 'Kept.');
    assert.deepEqual(read.usage, created.usage);
    const other = new OpenAI({ baseURL: gateway.baseURL, apiKey: KEY_B, maxRetries: 0 });
    await assert.rejects(other.responses.retrieve(created.id), OpenAI.NotFoundError);
    await assert.rejects(other.responses.create({ model: 'sim/gpt-test', previous_response_id: created.id, input: 'Go on.' }), OpenAI.NotFoundError);
    await openai.responses.delete(created.id);
    await assert.rejects(openai.responses.retrieve(created.id), OpenAI.NotFoundError);
  });

  test('store: false keeps nothing to read back or continue', async () => {
    const created = await openai.responses.create(params({ model: 'sim/gpt-test', input: 'Forget this.', store: false, sim: { text: 'Forgotten.' } }));
    assert.equal((created as { store?: unknown }).store, false);
    await assert.rejects(openai.responses.retrieve(created.id), OpenAI.NotFoundError);
    await assert.rejects(openai.responses.create({ model: 'sim/gpt-test', previous_response_id: created.id, input: 'Go on.' }), OpenAI.NotFoundError);
  });

  test('a response the provider cut at max_output_tokens is incomplete, and says why', async () => {
    const response = await openai.responses.create(params({ model: 'up/gpt-test', input: 'Long answer, please.', max_output_tokens: 3, sim: { text: 'One two three', finish: 'length' } }));
    assert.equal(response.status, 'incomplete');
    assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(response.output_text, 'One two three');
    assert.equal((response.output[0] as OpenAI.Responses.ResponseOutputMessage).status, 'incomplete');
    assert.equal(received.at(-1)!.max_tokens, 3, 'the limit reaches the provider');
    const filtered = await openai.responses.create(params({ model: 'sim/gpt-test', input: 'Something.', sim: { text: 'No.', finish: 'content_filter' } }));
    assert.deepEqual({ status: filtered.status, details: filtered.incomplete_details }, { status: 'incomplete', details: { reason: 'content_filter' } });
  });

  test('a built-in tool is a 400 naming it', async () => {
    await assert.rejects(openai.responses.create({ model: 'sim/gpt-test', input: 'Search.', tools: [{ type: 'web_search' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.match(error.message, /tools\[0\]\.type: the built-in tool "web_search" is not supported/);
      assert.equal(error.param, 'tools[0].type');
      return true;
    });
  });

  test('a mid-stream failure is an error event and response.failed; the SDK stream rejects', async () => {
    const stream = openai.responses.stream(params({ model: 'sim/gpt-test', input: 'Hi', sim: { tokens: 10, delayMs: 2, fault: { dropAfter: 4 } } }));
    const types: string[] = [];
    stream.on('event', (event) => types.push(event.type));
    await assert.rejects(stream.finalResponse());
    assert.ok(types.includes('response.output_text.delta'));
    assert.equal(types.at(-1), 'error');
  });
});

/** The function call among a response's output items. */
function functionCall(output: readonly { type: string }[]): OpenAI.Responses.ResponseFunctionToolCall {
  const call = output.find((item) => item.type === 'function_call');
  assert.ok(call !== undefined, 'the response has a function call');
  return call as OpenAI.Responses.ResponseFunctionToolCall;
}
