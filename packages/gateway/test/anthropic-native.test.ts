import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startNativeRig, type NativeRig } from './helpers/native-rig.ts';

const WEATHER_TOOL = { name: 'get_weather', description: 'The weather in a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } };
const SYSTEM = [{ type: 'text' as const, text: 'You are a weather assistant with a long, cacheable preamble.', cache_control: { type: 'ephemeral' as const } }];
const THINKING = { type: 'enabled' as const, budget_tokens: 2048 };

/** Content blocks as a client sends them back: the fields of each block's param type, nothing the SDK adds. */
function asParams(content: Anthropic.ContentBlock[]): Anthropic.ContentBlockParam[] {
  return content.map((block) => {
    switch (block.type) {
      case 'thinking':
        return { type: 'thinking', thinking: block.thinking, signature: block.signature };
      case 'redacted_thinking':
        return { type: 'redacted_thinking', data: block.data };
      case 'text':
        return { type: 'text', text: block.text };
      case 'tool_use':
        return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
      default:
        throw new Error(`unexpected block ${block.type}`);
    }
  });
}

describe('a client talking Messages to a native Anthropic upstream loses nothing', () => {
  let rig: NativeRig;
  let client: Anthropic;

  before(async () => {
    rig = await startNativeRig();
    client = new Anthropic({ baseURL: rig.gateway.url, apiKey: 'unused-on-loopback', maxRetries: 0 });
  });
  after(() => rig.close());

  test('thinking with its signature, redacted thinking, tool use and cache usage, over two turns', async () => {
    rig.anthropic.on('Weather in Oslo?', {
      blocks: [{ type: 'thinking', thinking: 'The user wants the weather in Oslo; I will call the tool.' }, { type: 'redacted_thinking' }, { type: 'text', text: 'Let me check.' }, { type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } }],
      usage: { input_tokens: 21, output_tokens: 34, cache_creation_input_tokens: 120, cache_read_input_tokens: 1500 },
    });
    const question: Anthropic.MessageParam = { role: 'user', content: 'Weather in Oslo?' };
    const first = await client.messages.stream({ model: 'claude/claude-sonnet-test', max_tokens: 4096, system: SYSTEM, thinking: THINKING, tools: [WEATHER_TOOL], messages: [question] }).finalMessage();

    // What the upstream was sent: the system prompt with its cache breakpoint, the exact thinking budget.
    const sent = rig.anthropic.received.at(-1)!;
    assert.deepEqual(sent.system, SYSTEM);
    assert.deepEqual(sent.thinking, THINKING);
    // What the client got: every block as the upstream made it, its signatures untouched.
    const [thinking, redacted, text, call] = first.content;
    assert.equal(thinking.type, 'thinking');
    assert.equal((thinking as Anthropic.ThinkingBlock).thinking, 'The user wants the weather in Oslo; I will call the tool.');
    assert.ok(rig.anthropic.signer.verify('thinking', (thinking as Anthropic.ThinkingBlock).thinking, (thinking as Anthropic.ThinkingBlock).signature), 'the signature is the upstream’s own');
    assert.equal(redacted.type, 'redacted_thinking');
    assert.ok(rig.anthropic.signer.verify('redacted', '', (redacted as Anthropic.RedactedThinkingBlock).data));
    assert.deepEqual(text, { type: 'text', text: 'Let me check.' });
    assert.equal(call.type, 'tool_use');
    assert.deepEqual((call as Anthropic.ToolUseBlock).input, { city: 'Oslo' });
    assert.equal(first.stop_reason, 'tool_use');
    assert.deepEqual(
      { input: first.usage.input_tokens, read: first.usage.cache_read_input_tokens, written: first.usage.cache_creation_input_tokens, output: first.usage.output_tokens },
      { input: 21, read: 1500, written: 120, output: 34 },
    );

    // The second turn: the upstream verifies the signatures and that the turn starts with its thinking.
    rig.anthropic.on((body) => JSON.stringify(body.messages).includes('tool_result'), { blocks: [{ type: 'text', text: 'It is snowing in Oslo.' }] });
    const back = asParams(first.content);
    const second = await client.messages.create({
      model: 'claude/claude-sonnet-test',
      max_tokens: 4096,
      system: SYSTEM,
      thinking: THINKING,
      tools: [WEATHER_TOOL],
      messages: [question, { role: 'assistant', content: back }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: (call as Anthropic.ToolUseBlock).id, content: 'Snow, -3 °C', cache_control: { type: 'ephemeral' } }] }],
    });
    assert.deepEqual(second.content.map((block) => (block as Anthropic.TextBlock).text), ['It is snowing in Oslo.']);
    const resent = rig.anthropic.received.at(-1)!.messages as { role: string; content: unknown }[];
    assert.deepEqual(resent[1], { role: 'assistant', content: back }, 'the assistant turn reached the upstream block for block');
    // Claude Code's cache breakpoint on the last tool result reaches the upstream where Anthropic takes it.
    assert.deepEqual(resent[2], { role: 'user', content: [{ type: 'tool_result', tool_use_id: (call as Anthropic.ToolUseBlock).id, content: [{ type: 'text', text: 'Snow, -3 °C' }], cache_control: { type: 'ephemeral' } }] });
    assert.deepEqual(rig.anthropic.received.at(-1)!.system, SYSTEM);
  });
});
