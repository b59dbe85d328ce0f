/**
 * Gemini through sluice with an unchanged openai SDK: every case the fake
 * Gemini can replay, streamed and not, arrives as OpenAI chunks and
 * completions with exact text, tool calls (ids minted), reasoning, finish
 * reasons, usage (thoughts billed as output) and cost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { dollars, GEMINI_PRICE, readStream, startNativeRig, type NativeRig } from '../helpers/native-rig.ts';
import type { GeminiScript } from '../fakes/gemini/script.ts';

const MODEL = 'gem/gemini-2.5-flash';
const tools: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
  { type: 'function', function: { name: 'get_time' } },
];

describe('Gemini through sluice, read by the openai SDK', () => {
  let rig: NativeRig;
  before(async () => (rig = await startNativeRig()));
  after(() => rig.close());

  const ask = (content: string, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) => ({ model: MODEL, messages: [{ role: 'user' as const, content }], ...extra });
  const both = async (content: string, script: GeminiScript, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) => {
    rig.gemini.on(content, script);
    const whole = await rig.openai.chat.completions.create(ask(content, extra));
    const streamed = await readStream(await rig.openai.chat.completions.create({ ...ask(content, extra), stream: true, stream_options: { include_usage: true } }));
    return { whole, streamed };
  };

  test('text: exact, finished with stop, usage and cost', async () => {
    const { whole, streamed } = await both('say hello', { parts: [{ text: 'Hello from Gemini, friend.' }], usage: { promptTokenCount: 9, candidatesTokenCount: 5 } });
    for (const [text, finish, usage] of [
      [whole.choices[0].message.content, whole.choices[0].finish_reason, whole.usage],
      [streamed.text, streamed.finishReason, streamed.usage],
    ] as const) {
      assert.equal(text, 'Hello from Gemini, friend.');
      assert.equal(finish, 'stop');
      assert.deepEqual([usage?.prompt_tokens, usage?.completion_tokens, usage?.total_tokens], [9, 5, 14]);
      assert.equal((usage as { cost?: number }).cost, dollars({ fresh: 9, output: 5 }, GEMINI_PRICE));
    }
  });

  test('parallel function calls arrive whole, with fresh call_ ids; a call without arguments gives "{}"; finish is tool_calls', async () => {
    const script: GeminiScript = { parts: [{ together: [{ functionCall: { name: 'get_weather', args: { city: 'Lyon' } } }, { functionCall: { name: 'get_time', args: {} } }] }] };
    const { whole, streamed } = await both('two calls', script, { tools });
    const calls = whole.choices[0].message.tool_calls!.flatMap((c) => (c.type === 'function' ? [[c.id, c.function.name, c.function.arguments]] : []));
    assert.deepEqual(calls.map((c) => c.slice(1)), [
      ['get_weather', '{"city":"Lyon"}'],
      ['get_time', '{}'],
    ]);
    assert.ok(calls.every(([id]) => /^call_[A-Za-z0-9_-]{20,}$/.test(id)));
    assert.equal(new Set(calls.map(([id]) => id)).size, 2, 'each call its own id');
    assert.equal(whole.choices[0].finish_reason, 'tool_calls');
    assert.deepEqual(streamed.toolCalls.map((c) => [c.name, c.arguments]), [
      ['get_weather', '{"city":"Lyon"}'],
      ['get_time', '{}'],
    ]);
    assert.equal(streamed.finishReason, 'tool_calls');
  });

  test('a chunk that mixes text and a function call loses neither', async () => {
    const { whole, streamed } = await both('mixed chunk', { parts: [{ together: [{ text: 'One moment. ' }, { functionCall: { name: 'get_weather', args: { city: 'Rome' } } }, { text: 'Done.' }] }] }, { tools });
    assert.equal(whole.choices[0].message.content, 'One moment. Done.');
    assert.equal(whole.choices[0].message.tool_calls?.length, 1);
    assert.equal(streamed.text, 'One moment. Done.');
    assert.deepEqual(streamed.toolCalls.map((c) => c.arguments), ['{"city":"Rome"}']);
  });

  test('thoughts stream as reasoning_content; thought tokens are billed as output and reported as reasoning_tokens; signatures stay inside', async () => {
    const script: GeminiScript = {
      parts: [{ thought: 'Which city did they mean?' }, { functionCall: { name: 'get_weather', args: { city: 'Paris' } } }],
      usage: { promptTokenCount: 40, candidatesTokenCount: 8, thoughtsTokenCount: 30, cachedContentTokenCount: 32 },
    };
    const { whole, streamed } = await both('think first', script, { tools, reasoning_effort: 'low' });
    assert.equal((whole.choices[0].message as { reasoning_content?: string }).reasoning_content, 'Which city did they mean?');
    assert.equal(streamed.reasoning, 'Which city did they mean?');
    for (const usage of [whole.usage!, streamed.usage!]) {
      assert.equal(usage.completion_tokens, 38, 'candidates plus thoughts');
      assert.equal(usage.completion_tokens_details?.reasoning_tokens, 30);
      assert.equal(usage.prompt_tokens, 40);
      assert.equal(usage.prompt_tokens_details?.cached_tokens, 32);
      assert.equal((usage as { cost?: number }).cost, dollars({ fresh: 8, cached: 32, output: 38 }, GEMINI_PRICE));
    }
    assert.ok(!JSON.stringify(streamed.chunks).includes('ignature'));
  });

  test('every finish reason becomes its OpenAI one', async () => {
    const expected: Record<string, string> = { STOP: 'stop', MAX_TOKENS: 'length', SAFETY: 'content_filter', RECITATION: 'content_filter', BLOCKLIST: 'content_filter', PROHIBITED_CONTENT: 'content_filter', SPII: 'content_filter', OTHER: 'stop' };
    for (const [reason, finish] of Object.entries(expected)) {
      const { whole, streamed } = await both(`finish ${reason}`, { parts: [{ text: 'Partial' }], finishReason: reason });
      assert.equal(whole.choices[0].finish_reason, finish, reason);
      assert.equal(streamed.finishReason, finish, reason);
    }
  });

  test('a prompt blocked by promptFeedback is a 400 content_filter before any token, streamed or not', async () => {
    rig.gemini.on('blocked prompt', { blockReason: 'PROHIBITED_CONTENT' });
    for (const stream of [false, true]) {
      await assert.rejects(rig.openai.chat.completions.create({ ...ask('blocked prompt'), stream }), (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'content_filter' && /PROHIBITED_CONTENT/.test(error.message));
    }
  });

  test('an answer that comes as one JSON document, not as events, is read the same', async () => {
    const before = rig.gemini.received.length;
    const { whole, streamed } = await both('as json', { parts: [{ text: 'Whole answer.' }], asJson: true });
    assert.equal(whole.choices[0].message.content, 'Whole answer.');
    assert.equal(streamed.text, 'Whole answer.');
    assert.equal(rig.gemini.received.length, before + 2);
  });

  test('errors: RESOURCE_EXHAUSTED is a 429 whose RetryInfo the retry policy honours; UNAVAILABLE a retryable 503; INVALID_ARGUMENT a 400', async () => {
    let attempts = 0;
    rig.gemini.on('quota once', () => (++attempts === 1 ? { status: 429, googleStatus: 'RESOURCE_EXHAUSTED', retryDelay: '0.01s' } : { parts: [{ text: 'Granted.' }] }));
    assert.equal((await rig.openai.chat.completions.create(ask('quota once'))).choices[0].message.content, 'Granted.');
    assert.equal(attempts, 2);
    rig.gemini.on('quota gone', { status: 429, googleStatus: 'RESOURCE_EXHAUSTED', errorMessage: 'Quota exceeded', retryDelay: '45s' });
    await assert.rejects(rig.openai.chat.completions.create(ask('quota gone')), (error: unknown) => error instanceof OpenAI.RateLimitError && error.headers?.get('retry-after') === '45');
    rig.gemini.on('busy', { status: 503, googleStatus: 'UNAVAILABLE', errorMessage: 'The model is overloaded.' });
    await assert.rejects(rig.openai.chat.completions.create(ask('busy')), (error: unknown) => error instanceof OpenAI.APIError && error.status === 503 && error.code === 'upstream_overloaded');
    rig.gemini.on('bad', { status: 400, googleStatus: 'INVALID_ARGUMENT', errorMessage: 'Request contains an invalid argument.' });
    await assert.rejects(rig.openai.chat.completions.create(ask('bad')), (error: unknown) => error instanceof OpenAI.BadRequestError && /invalid argument/.test(error.message));
  });

  test('a connection cut mid-stream ends the stream after what was delivered; not streamed, it is a 502', async () => {
    rig.gemini.on('cut me', { parts: [{ text: 'uno dos tres cuatro' }], dropAfterChunks: 2, delayMs: 3 });
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of await rig.openai.chat.completions.create({ ...ask('cut me'), stream: true })) text += chunk.choices[0]?.delta.content ?? '';
    }, /closed the stream before it finished|broke mid-stream/);
    assert.equal(text, 'uno dos ');
    await assert.rejects(rig.openai.chat.completions.create(ask('cut me')), (error: unknown) => error instanceof OpenAI.APIError && error.status === 502 && error.code === 'upstream_disconnected');
  });

  test('an error inside the stream: retried before the first token, the stream\'s end after it', async () => {
    let calls = 0;
    rig.gemini.on('error at once', () => (++calls === 1 ? { parts: [{ text: 'never' }], streamError: { code: 503, status: 'UNAVAILABLE', afterChunks: 0 } } : { parts: [{ text: 'Recovered.' }] }));
    assert.equal((await readStream(await rig.openai.chat.completions.create({ ...ask('error at once'), stream: true }))).text, 'Recovered.');
    assert.equal(calls, 2);
    rig.gemini.on('error later', { parts: [{ text: 'eins zwei drei' }], streamError: { code: 500, status: 'INTERNAL', message: 'Internal error', afterChunks: 2 }, delayMs: 3 });
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of await rig.openai.chat.completions.create({ ...ask('error later'), stream: true })) text += chunk.choices[0]?.delta.content ?? '';
    }, /Internal error/);
    assert.equal(text, 'eins zwei ');
  });
});
