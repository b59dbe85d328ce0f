/**
 * What reaches Gemini for an OpenAI chat request: contents and
 * systemInstruction, function declarations with schemas cleaned of what
 * Gemini refuses, generation config, thinking, structured output, checked
 * on the body the fake received; and a 400 naming every field that has no
 * faithful Gemini form.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startNativeRig, type NativeRig } from '../helpers/native-rig.ts';

const JPEG = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQ==';

describe('an OpenAI request as Gemini receives it', () => {
  let rig: NativeRig;
  before(async () => (rig = await startNativeRig({}, { gemini: { thinkingBudgets: { low: 512, medium: 2048, high: 8192 } } })));
  after(() => rig.close());

  async function sent(body: Record<string, unknown>): Promise<{ body: Record<string, unknown>; model: string; method: string; key: unknown }> {
    const request = new Promise<{ body: Record<string, unknown>; model: string; method: string; key: unknown }>((resolve) => rig.gemini.events.once('request', ({ body, model, method, headers }) => resolve({ body, model, method, key: headers['x-goog-api-key'] })));
    await rig.openai.chat.completions.create({ model: 'gem/gemini-2.5-flash', ...body } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
    return request;
  }

  test('messages: systemInstruction, user and model turns, function responses named after their calls, images inline', async () => {
    const { body, model, method, key } = await sent({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${JPEG}` } }] },
        { role: 'assistant', content: 'Looking.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } }, { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"animal":"cat"}' },
        { role: 'tool', tool_call_id: 'call_2', content: 'sunny' },
        { role: 'user', content: 'So?' },
      ],
    });
    assert.equal(model, 'gemini-2.5-flash');
    assert.equal(method, 'streamGenerateContent');
    assert.equal(key, rig.gemini.apiKey);
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'Be brief.' }] });
    assert.deepEqual(body.contents, [
      { role: 'user', parts: [{ text: 'What is this?' }, { inlineData: { mimeType: 'image/jpeg', data: JPEG } }] },
      { role: 'model', parts: [{ text: 'Looking.' }, { functionCall: { name: 'lookup', args: { q: 'cat' } } }, { functionCall: { name: 'weather', args: {} } }] },
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'lookup', response: { animal: 'cat' } } }, { functionResponse: { name: 'weather', response: { output: 'sunny' } } }, { text: 'So?' }],
      },
    ]);
  });

  test('tools: JSON Schema cleaned of what Gemini refuses, $refs inlined, nullable types; tool_choice as functionCallingConfig', async () => {
    const parameters = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: false,
      properties: {
        city: { type: 'string', description: 'City name', format: 'email' },
        when: { type: ['string', 'null'], format: 'date-time' },
        unit: { $ref: '#/$defs/unit', description: 'Unit' },
        days: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 7, uniqueItems: true },
        kind: { const: 'forecast' },
        either: { oneOf: [{ type: 'string' }, { type: 'number' }] },
      },
      required: ['city'],
      $defs: { unit: { type: 'string', enum: ['c', 'f'] } },
    };
    const { body } = await sent({ messages: [{ role: 'user', content: 'weather' }], tools: [{ type: 'function', function: { name: 'forecast', description: 'Forecast', parameters } }, { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } }], tool_choice: { type: 'function', function: { name: 'forecast' } } });
    assert.deepEqual(body.tools, [
      {
        functionDeclarations: [
          {
            name: 'forecast',
            description: 'Forecast',
            parameters: {
              type: 'OBJECT',
              properties: {
                city: { type: 'STRING', description: 'City name' },
                when: { type: 'STRING', nullable: true, format: 'date-time' },
                unit: { type: 'STRING', enum: ['c', 'f'], description: 'Unit' },
                days: { type: 'ARRAY', items: { type: 'INTEGER', minimum: 1 }, maxItems: 7 },
                kind: { enum: ['forecast'] },
                either: { anyOf: [{ type: 'STRING' }, { type: 'NUMBER' }] },
              },
              required: ['city'],
            },
          },
          { name: 'now' },
        ],
      },
    ]);
    assert.deepEqual(body.toolConfig, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['forecast'] } });
    for (const [choice, mode] of [['auto', 'AUTO'], ['none', 'NONE'], ['required', 'ANY']] as const) {
      const { body: chosen } = await sent({ messages: [{ role: 'user', content: 'weather' }], tools: [{ type: 'function', function: { name: 'now' } }], tool_choice: choice });
      assert.deepEqual(chosen.toolConfig, { functionCallingConfig: { mode } });
    }
  });

  test('generation config: max tokens, temperature, top_p, stop, n, seed, penalties, thinking, structured output; extras under "gemini"', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    const { body } = await sent({
      messages: [{ role: 'user', content: 'json please' }],
      max_completion_tokens: 300,
      temperature: 1.4,
      top_p: 0.8,
      stop: ['END', 'STOP'],
      seed: 11,
      presence_penalty: 0.5,
      frequency_penalty: -0.25,
      reasoning_effort: 'medium',
      response_format: { type: 'json_schema', json_schema: { name: 'a', schema } },
      gemini: { safetySettings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_NONE' }], generationConfig: { topK: 20 } },
    });
    assert.deepEqual(body.generationConfig, {
      maxOutputTokens: 300,
      temperature: 1.4,
      topP: 0.8,
      stopSequences: ['END', 'STOP'],
      seed: 11,
      presencePenalty: 0.5,
      frequencyPenalty: -0.25,
      thinkingConfig: { thinkingBudget: 2048, includeThoughts: true },
      responseMimeType: 'application/json',
      responseSchema: { type: 'OBJECT', properties: { answer: { type: 'STRING' } }, required: ['answer'] },
      topK: 20,
    });
    assert.deepEqual(body.safetySettings, [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_NONE' }]);
    assert.deepEqual(((await sent({ messages: [{ role: 'user', content: 'x' }], reasoning_effort: 'none' })).body.generationConfig as Record<string, unknown>).thinkingConfig, { thinkingBudget: 0 });
    assert.deepEqual(((await sent({ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } })).body.generationConfig as Record<string, unknown>).responseMimeType, 'application/json');
  });

  test('n above 1 asks for that many candidates, each its own choice', async () => {
    rig.gemini.on('two answers', { parts: [{ text: 'Said twice.' }] });
    const { body } = await sent({ messages: [{ role: 'user', content: 'two answers' }], n: 2 });
    assert.equal((body.generationConfig as Record<string, unknown>).candidateCount, 2);
    const whole = await rig.openai.chat.completions.create({ model: 'gem/gemini-2.5-flash', messages: [{ role: 'user', content: 'two answers' }], n: 2 });
    assert.deepEqual(whole.choices.map((c) => [c.index, c.message.content, c.finish_reason]), [
      [0, 'Said twice.', 'stop'],
      [1, 'Said twice.', 'stop'],
    ]);
    const texts = ['', ''];
    for await (const chunk of await rig.openai.chat.completions.create({ model: 'gem/gemini-2.5-flash', messages: [{ role: 'user', content: 'two answers' }], n: 2, stream: true })) {
      for (const choice of chunk.choices) texts[choice.index] += choice.delta.content ?? '';
    }
    assert.deepEqual(texts, ['Said twice.', 'Said twice.']);
  });

  test('what Gemini cannot be told is a 400 naming the field, and nothing is sent', async () => {
    const cases: [Record<string, unknown>, string | RegExp][] = [
      [{ logprobs: true }, 'logprobs'],
      [{ parallel_tool_calls: false }, 'parallel_tool_calls'],
      [{ logit_bias: { '1': 2 } }, 'logit_bias'],
      [{ response_format: { type: 'grammar' } }, 'response_format'],
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] }, 'messages[0].content[0].image_url.url'],
      [{ messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'call_unknown', content: 'r' }] }, 'messages[1].tool_call_id'],
      [{ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { n: { type: 'integer', enum: [1, 2] } } } } }] }, 'tools[0].function.parameters.properties.n.enum'],
      [{ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { n: { not: { type: 'string' } } } } } }] }, 'tools[0].function.parameters.properties.n.not'],
      [{ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { t: { type: 'array', items: [{ type: 'string' }] } } } } }] }, 'tools[0].function.parameters.properties.t.items'],
      [{ tools: [{ type: 'function', function: { name: 'f', parameters: { $ref: '#/definitions/loop', definitions: { loop: { type: 'object', properties: { next: { $ref: '#/definitions/loop' } } } } } } }] }, /^tools\[0\]\.function\.parameters(\.properties\.next)+$/],
      [{ anthropic_thing: 1 }, 'anthropic_thing'],
    ];
    const before = rig.gemini.received.length;
    for (const [extra, param] of cases) {
      await assert.rejects(
        rig.openai.chat.completions.create({ model: 'gem/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], ...extra } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
        (error: unknown) => error instanceof OpenAI.BadRequestError && (typeof param === 'string' ? error.param === param : param.test(String(error.param))),
        `${JSON.stringify(extra)} names ${param}`,
      );
    }
    assert.equal(rig.gemini.received.length, before, 'none of them reached Gemini');
  });

  test('extras of other providers are left out', async () => {
    const { body } = await sent({ messages: [{ role: 'user', content: 'hi' }], anthropic: { top_k: 3 }, sim: { tokens: 3 } });
    assert.deepEqual(Object.keys(body).sort(), ['contents']);
  });
});
