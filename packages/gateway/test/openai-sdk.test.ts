import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { simText, type RunningGateway } from '@sluice/gateway';
import { startTestGateway } from './helpers/gateway.ts';

describe('the official openai SDK, unchanged, pointed at sluice', () => {
  let gateway: RunningGateway;
  let openai: OpenAI;

  before(async () => {
    gateway = await startTestGateway({ keys: [{ name: 'app', key: 'sk-test-123456' }] });
    openai = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'sk-test-123456', maxRetries: 0 });
  });
  after(() => gateway.close());

  const messages = [{ role: 'user' as const, content: 'Explain quantum computing in simple terms.' }];

  test('streams chunks and usage', async () => {
    const stream = await openai.chat.completions.create({ model: 'deepseek-v3.2', messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, simText({ model: 'deepseek-v3.2', messages }));
    assert.equal(usage?.completion_tokens, 32);
    // The seed's price for DeepSeek V3.2: $0.28 in, $0.42 out per million tokens.
    const cost = (usage as unknown as { cost: number }).cost;
    assert.equal(cost, Math.round(((usage!.prompt_tokens * 0.28 + 32 * 0.42) / 1e6) * 1e8) / 1e8);
  });

  test('answers a non-streaming completion', async () => {
    const completion = await openai.chat.completions.create({ model: 'gpt-4.1', messages });
    assert.equal(completion.choices[0].message.content, simText({ model: 'gpt-4.1', messages }));
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assert.ok(completion.usage && completion.usage.total_tokens > 32);
  });

  test('lists the models with prices', async () => {
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    assert.deepEqual(ids.sort(), ['auto', 'claude-sonnet-4.5', 'deepseek-v3.2', 'gemini-2.5-flash', 'gpt-4.1']);
  });

  test('surfaces gateway errors as the SDK error classes', async () => {
    await assert.rejects(openai.chat.completions.create({ model: 'nope', messages }), (error: unknown) => error instanceof OpenAI.NotFoundError && error.code === 'model_not_found');
    const wrongKey = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'sk-wrong-000000', maxRetries: 0 });
    await assert.rejects(wrongKey.chat.completions.create({ model: 'gpt-4.1', messages }), (error: unknown) => error instanceof OpenAI.AuthenticationError);
  });

  test('a mid-stream upstream failure throws from the SDK iterator', async () => {
    const stream = await openai.chat.completions.create({ model: 'sim/x', messages, stream: true, ...({ sim: { tokens: 10, delayMs: 2, fault: { dropAfter: 4 } } } as object) });
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    }, /upstream/i);
    assert.ok(text.length > 0, 'the tokens before the failure arrived');
  });
});
