/**
 * Turn memory across replicas: a conversation whose turns land on different
 * gateways sharing one Redis finds, on each, what the previous turn left.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { RunningGateway } from '@sluice/gateway';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic/server.ts';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini/server.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { ANSWER, anthropicTurns, geminiTurns, OPENING, TOOLS, TURNS } from './conversation-scripts.ts';

const skip = process.env.REDIS_URL ? false : 'REDIS_URL is not set (CI sets it when Redis runs on 127.0.0.1:6379)';

describe('turn memory in Redis, across two replicas', { skip }, () => {
  let anthropic: FakeAnthropic;
  let gemini: FakeGemini;
  let replicas: RunningGateway[];
  const refusals: string[] = [];

  before(async () => {
    anthropic = await startFakeAnthropic();
    gemini = await startFakeGemini();
    anthropic.on((body) => anthropicTurns(body) !== undefined, (body) => anthropicTurns(body)!);
    gemini.on((body) => geminiTurns(body) !== undefined, (body) => geminiTurns(body)!);
    anthropic.events.on('refused', (r) => refusals.push(r.message));
    gemini.events.on('refused', (r) => refusals.push(r.message));
    const config = {
      providers: [
        { id: 'claude', type: 'anthropic' as const, baseURL: anthropic.url, apiKey: anthropic.apiKey },
        { id: 'gem', type: 'gemini' as const, baseURL: gemini.url, apiKey: gemini.apiKey },
      ],
      // Keys expire with the retention time; a minute is plenty for the test and cleans up after it.
      redis: { url: process.env.REDIS_URL!, keyPrefix: `sluice-test-${randomBytes(4).toString('hex')}:` },
      streams: { retentionMs: 60_000 },
    };
    replicas = [await startTestGateway(config), await startTestGateway(config)];
  });
  after(async () => {
    for (const replica of replicas) await replica.close();
    await anthropic.close();
    await gemini.close();
  });

  for (const model of ['claude/claude-sonnet-4-5', 'gem/gemini-2.5-flash']) {
    test(`${model}: each turn on the other replica, with standard fields only`, async () => {
      refusals.length = 0;
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: OPENING }];
      for (const [n, turn] of TURNS.entries()) {
        const openai = new OpenAI({ baseURL: replicas[n % 2].baseURL, apiKey: 'unused', maxRetries: 0 });
        const { message, finish_reason: finish } = (await openai.chat.completions.create({ model, messages, tools: TOOLS, reasoning_effort: 'low' })).choices[0];
        if (turn.call === null) {
          assert.equal(message.content, ANSWER);
          break;
        }
        assert.equal(finish, 'tool_calls');
        const calls = message.tool_calls!.flatMap((c) => (c.type === 'function' ? [{ id: c.id, type: 'function' as const, function: { name: c.function.name, arguments: c.function.arguments } }] : []));
        messages.push({ role: 'assistant', content: message.content, tool_calls: calls }, ...calls.map((c) => ({ role: 'tool' as const, tool_call_id: c.id, content: turn.result })));
      }
      assert.deepEqual(refusals, []);
    });
  }
});
