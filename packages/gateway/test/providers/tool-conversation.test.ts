/**
 * A three-turn tool-use conversation with thinking, on Claude and on Gemini,
 * from clients that do not send reasoning back: the openai SDK's message as
 * received, a client that keeps only standard OpenAI fields, the SDK's
 * stream helper (which keeps only the last value of unknown fields), and
 * the sluice SDK over WebSocket resumed after a cut. Each next turn is
 * valid only with the previous turn's signed thinking (Anthropic) or thought
 * signatures (Gemini), which the fakes check: the gateway's turn memory
 * must re-attach them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { SluiceClient } from '@sluice/client';
import { readStream, startNativeRig, type NativeRig } from '../helpers/native-rig.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { ANSWER, anthropicTurns, geminiTurns, OPENING, TOOLS, TURNS } from './conversation-scripts.ts';

type Message = OpenAI.ChatCompletionMessageParam;
/** One client style: run a turn, give back the assistant message it would send next time, and how the turn ended. */
type Style = (openai: OpenAI, body: OpenAI.ChatCompletionCreateParamsNonStreaming) => Promise<{ message: Message; finish: string | null; text: string | null }>;

const styles: Record<string, Style> = {
  'the openai SDK, the message sent back as received': async (openai, body) => {
    const completion = await openai.chat.completions.create(body);
    const { message, finish_reason: finish } = completion.choices[0];
    return { message: message as Message, finish, text: message.content };
  },
  'a client that keeps only standard OpenAI fields': async (openai, body) => {
    const { message, finish_reason: finish } = (await openai.chat.completions.create(body)).choices[0];
    const toolCalls = message.tool_calls?.flatMap((c) => (c.type === 'function' ? [{ id: c.id, type: 'function' as const, function: { name: c.function.name, arguments: c.function.arguments } }] : []));
    return { message: { role: 'assistant', content: message.content, ...(toolCalls?.length ? { tool_calls: toolCalls } : {}) }, finish, text: message.content };
  },
  'the openai SDK stream helper, its final message sent back': async (openai, body) => {
    const runner = openai.chat.completions.stream({ ...body, stream: undefined });
    const final = await runner.finalChatCompletion();
    return { message: final.choices[0].message as Message, finish: final.choices[0].finish_reason, text: final.choices[0].message.content };
  },
  'a raw stream rebuilt from its deltas': async (openai, body) => {
    const summary = await readStream(await openai.chat.completions.create({ ...body, stream: true }));
    const toolCalls = summary.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
    return { message: { role: 'assistant', content: summary.text || null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) }, finish: summary.finishReason, text: summary.text };
  },
};

const providers = [
  { name: 'Claude', model: 'claude/claude-sonnet-4-5', fake: 'anthropic' as const },
  { name: 'Gemini', model: 'gem/gemini-2.5-flash', fake: 'gemini' as const },
];

/** Play the conversation in one style; resolves with the last turn's text. */
async function converse(openai: OpenAI, model: string, style: Style): Promise<string | null> {
  const messages: Message[] = [{ role: 'user', content: OPENING }];
  for (const [n, turn] of TURNS.entries()) {
    const { message, finish, text } = await style(openai, { model, messages, tools: TOOLS, reasoning_effort: 'low' });
    if (turn.call === null) {
      assert.equal(finish, 'stop', `turn ${n + 1} answers`);
      return text;
    }
    assert.equal(finish, 'tool_calls', `turn ${n + 1} calls a tool`);
    const calls = (message as OpenAI.ChatCompletionAssistantMessageParam).tool_calls ?? [];
    assert.deepEqual(calls.map((c) => c.type === 'function' && [c.function.name, JSON.parse(c.function.arguments)]), [[turn.call.name, turn.call.args]]);
    messages.push(message, ...calls.map((c) => ({ role: 'tool' as const, tool_call_id: c.id, content: turn.result })));
  }
  return null;
}

describe('three turns of tools and thinking, from clients that do not send reasoning back', () => {
  let rig: NativeRig;
  const refusals: string[] = [];

  before(async () => {
    rig = await startNativeRig({ keys: [{ name: 'alice', key: 'sk-alice-000001' }, { name: 'bob', key: 'sk-bob-0000001' }] });
    rig.anthropic.on((body) => anthropicTurns(body) !== undefined, (body) => anthropicTurns(body)!);
    rig.gemini.on((body) => geminiTurns(body) !== undefined, (body) => geminiTurns(body)!);
    rig.anthropic.events.on('refused', (r) => refusals.push(`anthropic: ${r.message}`));
    rig.gemini.events.on('refused', (r) => refusals.push(`gemini: ${r.message}`));
  });
  after(() => rig.close());

  for (const provider of providers) {
    for (const [name, style] of Object.entries(styles)) {
      test(`${provider.name}: ${name}`, async () => {
        refusals.length = 0;
        const before = rig[provider.fake].received.length;
        assert.equal(await converse(rig.openai, provider.model, style), ANSWER);
        assert.deepEqual(refusals, [], 'every turn was valid for the provider');
        assert.equal(rig[provider.fake].received.length - before, 3);
      });
    }

    test(`${provider.name}: what a turn left behind serves only the key that made it`, async () => {
      refusals.length = 0;
      const first = await rig.openai.chat.completions.create({ model: provider.model, messages: [{ role: 'user', content: OPENING }], tools: TOOLS, reasoning_effort: 'low' });
      const { content, tool_calls: calls } = first.choices[0].message;
      const next: Message[] = [{ role: 'user', content: OPENING }, { role: 'assistant', content, tool_calls: calls }, ...calls!.map((c) => ({ role: 'tool' as const, tool_call_id: c.id, content: TURNS[0].result }))];
      const bob = new OpenAI({ baseURL: rig.gateway.baseURL, apiKey: 'sk-bob-0000001', maxRetries: 0 });
      await assert.rejects(bob.chat.completions.create({ model: provider.model, messages: next, tools: TOOLS, reasoning_effort: 'low' }), OpenAI.BadRequestError);
      assert.equal(refusals.length, 1, 'the provider refused the turn without its reasoning');
      const again = await rig.openai.chat.completions.create({ model: provider.model, messages: next, tools: TOOLS, reasoning_effort: 'low' });
      assert.equal(again.choices[0].finish_reason, 'tool_calls', 'while the key that made it goes on');
    });

    test(`${provider.name}: over WebSocket with the sluice SDK, every turn resumed after a cut`, async () => {
      refusals.length = 0;
      // Slow enough to cut mid-turn.
      if (provider.fake === 'anthropic') rig.anthropic.on((body) => anthropicTurns(body) !== undefined && (body.metadata as { user_id?: string } | undefined)?.user_id === 'ws', (body) => anthropicTurns(body, 40)!);
      else rig.gemini.on((body) => geminiTurns(body) !== undefined, (body) => geminiTurns(body, 40)!);
      const proxy = await TcpProxy.start(Number(new URL(rig.gateway.url).port));
      const sdk = new SluiceClient({ baseURL: `http://127.0.0.1:${proxy.port}/v1`, apiKey: 'sk-alice-000001', transport: 'ws', reconnect: { backoff: { baseMs: 10, maxMs: 50 } } });
      try {
        const messages: Message[] = [{ role: 'user', content: OPENING }];
        const resumes: number[] = [];
        for (const turn of TURNS) {
          const stream = sdk.chat.stream({ model: provider.model, messages, tools: TOOLS, reasoning_effort: 'low', user: 'ws' } as never);
          const midway = Date.now() + 5_000;
          while (![...rig.gateway.context.registry.live()].some((g) => g.log.lastSeq >= 3) && Date.now() < midway) await new Promise((r) => setTimeout(r, 2));
          proxy.down();
          proxy.up();
          const final = await stream.final();
          resumes.push(final.resumes);
          if (turn.call === null) {
            assert.equal(final.text, ANSWER);
            break;
          }
          assert.equal(final.finishReason, 'tool_calls');
          assert.deepEqual(final.toolCalls.map((c) => [c.function.name, JSON.parse(c.function.arguments)]), [[turn.call.name, turn.call.args]]);
          messages.push({ role: 'assistant', content: final.text || null, tool_calls: final.toolCalls }, ...final.toolCalls.map((c) => ({ role: 'tool' as const, tool_call_id: c.id, content: turn.result })));
        }
        assert.equal(resumes.length, 3);
        assert.ok(resumes.every((n) => n >= 1), `each turn was resumed after its cut (${resumes.join(', ')})`);
        assert.deepEqual(refusals, []);
      } finally {
        sdk.close();
        await proxy.close();
      }
    });
  }
});
