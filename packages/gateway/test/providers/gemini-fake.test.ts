/**
 * The fake Gemini checked against Google's official SDK, an independent
 * reading of the same wire format: the chunks the fake streams are what the
 * SDK parses (text, thoughts, function calls with their signatures, usage);
 * its errors are the SDK's; the SDK's own chat history, sent back, passes the
 * fake's checks, and what the real API refuses the fake refuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError, GoogleGenAI, Type, type GenerateContentResponse, type Tool } from '@google/genai';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini/server.ts';

const tools: Tool[] = [
  {
    functionDeclarations: [
      { name: 'get_weather', parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ['city'] } },
      { name: 'get_time', description: 'The time now' },
    ],
  },
];

describe('the fake Gemini, read by the official @google/genai SDK', () => {
  let fake: FakeGemini;
  let ai: GoogleGenAI;

  before(async () => {
    fake = await startFakeGemini();
    ai = new GoogleGenAI({ apiKey: fake.apiKey, httpOptions: { baseUrl: fake.url } });
  });
  after(() => fake.close());

  async function streamed(contents: string, config: object = {}): Promise<GenerateContentResponse[]> {
    const chunks: GenerateContentResponse[] = [];
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents, config })) chunks.push(chunk);
    return chunks;
  }

  test('a streamed answer: thoughts, text and a function call in one chunk, its signature, usage at the end', async () => {
    fake.on('trip plan', {
      parts: [{ thought: 'Weather first.' }, { together: [{ text: 'Checking.' }, { functionCall: { name: 'get_weather', args: { city: 'Lyon' } } }, { functionCall: { name: 'get_time', args: {} } }] }],
      usage: { promptTokenCount: 30, candidatesTokenCount: 12, thoughtsTokenCount: 9, cachedContentTokenCount: 10 },
    });
    const chunks = await streamed('trip plan', { tools });
    const parts = chunks.flatMap((chunk) => chunk.candidates?.[0]?.content?.parts ?? []);
    assert.deepEqual(
      parts.filter((p) => p.thought).map((p) => p.text),
      ['Weather ', 'first.'],
    );
    const last = chunks.at(-1)!;
    assert.deepEqual(last.functionCalls?.map((call) => [call.name, call.args]), [
      ['get_weather', { city: 'Lyon' }],
      ['get_time', {}],
    ]);
    assert.equal(last.candidates?.[0]?.content?.parts?.[0]?.text, 'Checking.', 'text and calls share the chunk');
    const [weather, time] = parts.filter((p) => p.functionCall !== undefined);
    assert.ok(fake.signer.verify('call', `get_weather\u0000{"city":"Lyon"}`, weather.thoughtSignature), 'the first call carries its signature');
    assert.equal(time.thoughtSignature, undefined, 'a parallel call after the first carries none');
    assert.equal(last.candidates?.[0]?.finishReason, 'STOP');
    assert.deepEqual([last.usageMetadata?.promptTokenCount, last.usageMetadata?.candidatesTokenCount, last.usageMetadata?.thoughtsTokenCount, last.usageMetadata?.cachedContentTokenCount, last.usageMetadata?.totalTokenCount], [30, 12, 9, 10, 51]);
  });

  test('generateContent answers the same parts in one response, a signature-only part included', async () => {
    fake.on('whole answer', { parts: [{ text: 'Short and whole.' }, { signatureOnly: true }], finishReason: 'MAX_TOKENS' });
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'whole answer' });
    assert.equal(response.text, 'Short and whole.');
    assert.equal(response.candidates?.[0]?.finishReason, 'MAX_TOKENS');
    assert.equal(typeof response.candidates?.[0]?.content?.parts?.at(-1)?.thoughtSignature, 'string');
  });

  test('a blocked prompt comes as promptFeedback with no candidates', async () => {
    fake.on('forbidden', { blockReason: 'SAFETY' });
    const [chunk] = await streamed('forbidden');
    assert.equal(chunk.promptFeedback?.blockReason, 'SAFETY');
    assert.equal(chunk.candidates, undefined);
  });

  test('errors are ApiErrors with the status: RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, a missing or wrong key', async () => {
    fake.on('quota', { status: 429, googleStatus: 'RESOURCE_EXHAUSTED', errorMessage: 'Quota exceeded', retryDelay: '3s' });
    await assert.rejects(streamed('quota'), (error: unknown) => error instanceof ApiError && error.status === 429 && /RESOURCE_EXHAUSTED/.test(error.message) && /retryDelay/.test(error.message));
    fake.on('busy', { status: 503, googleStatus: 'UNAVAILABLE', errorMessage: 'The model is overloaded.' });
    await assert.rejects(ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'busy' }), (error: unknown) => error instanceof ApiError && error.status === 503);
    const stranger = new GoogleGenAI({ apiKey: 'wrong', httpOptions: { baseUrl: fake.url } });
    await assert.rejects(stranger.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }), (error: unknown) => error instanceof ApiError && error.status === 400 && /API key not valid/.test(error.message));
  });

  test('the SDK\'s chat history, signatures included, passes; without the signature it is refused as Gemini refuses it', async () => {
    fake.on((body) => (body.contents as unknown[]).length === 1, { parts: [{ functionCall: { name: 'get_weather', args: { city: 'Oslo' } } }] });
    fake.on((body) => (body.contents as unknown[]).length > 1, { parts: [{ text: 'It rains in Oslo.' }] });
    const chat = ai.chats.create({ model: 'gemini-2.5-flash', config: { tools } });
    const first = await chat.sendMessage({ message: 'weather in Oslo?' });
    assert.equal(first.functionCalls?.[0]?.name, 'get_weather');
    const second = await chat.sendMessage({ message: [{ functionResponse: { name: 'get_weather', response: { output: 'rain' } } }] });
    assert.equal(second.text, 'It rains in Oslo.');
    const history = chat.getHistory();
    const unsigned = history.map((content) => ({ ...content, parts: content.parts?.map(({ thoughtSignature: _dropped, ...part }) => part) }));
    await assert.rejects(
      ai.models.generateContent({ model: 'gemini-2.5-flash', contents: unsigned.slice(0, 3), config: { tools } }),
      (error: unknown) => error instanceof ApiError && error.status === 400 && /missing a thought_signature/.test(error.message),
    );
    const altered = history.slice(0, 3).map((content) => ({ ...content, parts: content.parts?.map((part) => (part.functionCall ? { ...part, functionCall: { ...part.functionCall, args: { city: 'Bergen' } } } : part)) }));
    await assert.rejects(ai.models.generateContent({ model: 'gemini-2.5-flash', contents: altered, config: { tools } }), (error: unknown) => error instanceof ApiError && /Corrupted thought signature/.test(error.message));
  });

  test('it refuses what the Gemini API refuses', async () => {
    const refused = (request: Record<string, unknown>, message: RegExp) =>
      assert.rejects(
        fetch(`${fake.url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', headers: { 'x-goog-api-key': fake.apiKey, 'content-type': 'application/json' }, body: JSON.stringify(request) }).then(async (response) => {
          const body = (await response.json()) as { error?: { message: string; status: string } };
          if (response.ok) return;
          throw Object.assign(new Error(body.error?.message), { status: response.status });
        }),
        (error: Error & { status?: number }) => error.status === 400 && message.test(error.message),
      );
    const hello = [{ role: 'user', parts: [{ text: 'hi' }] }];
    await refused({}, /contents is not specified/);
    await refused({ contents: hello, temperature: 1 }, /Unknown name "temperature"/);
    await refused({ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }, /valid role/);
    await refused({ contents: [{ role: 'user', parts: [] }] }, /must not be empty/);
    await refused({ contents: hello, tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'OBJECT', properties: { a: { type: 'STRING' } }, additionalProperties: false } }] }] }, /Unknown name "additionalProperties"/);
    await refused({ contents: hello, tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'OBJECT', properties: {} } }] }] }, /non-empty for OBJECT/);
    await refused({ contents: hello, generationConfig: { stopSequences: ['a', 'b', 'c', 'd', 'e', 'f'] } }, /stop_sequences/);
    await refused({ contents: [...hello, { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] }, { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }, { functionResponse: { name: 'f', response: {} } }] }] }, /number of function response parts/);
  });
});
