import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simText, startSimServer, type RunningGateway, type SimServer } from '@sluice/gateway';
import { chatBody, postChat, startTestGateway, upstreamProvider } from './helpers/gateway.ts';
import { readSse, textOf } from './helpers/sse.ts';

// The same behaviour through the in-process simulator and through the HTTP
// simulator behind the OpenAI-compatible adapter.
for (const via of ['in-process sim', 'openai-compatible upstream'] as const) {
  describe(`SSE streaming (${via})`, () => {
    let upstream: SimServer | undefined;
    let gateway: RunningGateway;
    let model: string;

    before(async () => {
      if (via === 'openai-compatible upstream') {
        upstream = await startSimServer();
        gateway = await startTestGateway({ providers: [upstreamProvider('up', upstream.baseURL)] });
        model = 'up/model-a';
      } else {
        gateway = await startTestGateway();
        model = 'sim/model-a';
      }
    });
    after(async () => {
      await gateway.close();
      await upstream?.close();
    });

    test('numbers every event from 1, ends with [DONE], names the stream, and carries the exact text', async () => {
      const body = chatBody({ model, stream: true, sim: { tokens: 40 } });
      const response = await postChat(gateway, body);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      const streamId = response.headers.get('x-sluice-stream-id');
      assert.ok(streamId !== null && streamId.length >= 22, 'stream id header');
      const sse = await readSse(response);
      assert.deepEqual(
        sse.events.map((e) => Number(e.id)),
        sse.events.map((_, i) => i + 1),
      );
      assert.equal(sse.data.at(-1), '[DONE]');
      assert.equal(textOf(sse.data), simText({ ...body, model: 'model-a' } as never));
      const chunks = sse.data.slice(0, -1).map((d) => JSON.parse(d) as { id: string; model: string; object: string });
      for (const chunk of chunks) {
        assert.equal(chunk.id, `chatcmpl-${streamId}`);
        assert.equal(chunk.model, model);
        assert.equal(chunk.object, 'chat.completion.chunk');
      }
    });

    test('strips the usage chunk the client did not ask for', async () => {
      const sse = await readSse(await postChat(gateway, chatBody({ model, stream: true })));
      assert.ok(sse.data.every((d) => d === '[DONE]' || !('usage' in JSON.parse(d))), 'no usage chunk');
    });

    test('sends usage with its cost when asked', async () => {
      const body = chatBody({ model, stream: true, stream_options: { include_usage: true }, sim: { tokens: 12 } });
      const sse = await readSse(await postChat(gateway, body));
      const usageChunk = JSON.parse(sse.data.at(-2) ?? '') as { choices: unknown[]; usage: Record<string, unknown> };
      assert.deepEqual(usageChunk.choices, []);
      assert.equal(usageChunk.usage.completion_tokens, 12);
      assert.equal(typeof usageChunk.usage.prompt_tokens, 'number');
      assert.equal(usageChunk.usage.cost, 0, 'sim models are free by default');
      assert.equal(usageChunk.usage.estimated, undefined);
    });

    test('counts usage itself, marked estimated, when the upstream sends none', async () => {
      const body = chatBody({ model, stream: true, stream_options: { include_usage: true }, sim: { text: 'one two three four', usage: false } });
      const sse = await readSse(await postChat(gateway, body));
      const usage = (JSON.parse(sse.data.at(-2) ?? '') as { usage: Record<string, unknown> }).usage;
      assert.equal(usage.estimated, true);
      assert.equal(usage.completion_tokens, 4);
      assert.ok((usage.prompt_tokens as number) > 0);
    });

    test('answers one JSON completion for stream: false', async () => {
      const body = chatBody({ model, sim: { tokens: 9 } });
      const response = await postChat(gateway, body);
      assert.equal(response.status, 200);
      const completion = (await response.json()) as { object: string; choices: { message: { content: string }; finish_reason: string }[]; usage: { completion_tokens: number } };
      assert.equal(completion.object, 'chat.completion');
      assert.equal(completion.choices[0].message.content, simText({ ...body, model: 'model-a' } as never));
      assert.equal(completion.choices[0].finish_reason, 'stop');
      assert.equal(completion.usage.completion_tokens, 9);
    });

    test('keeps 20 concurrent streams apart, each exact', async () => {
      const bodies = Array.from({ length: 20 }, (_, i) => chatBody({ model, stream: true, messages: [{ role: 'user', content: `prompt ${i}` }], sim: { tokens: 30, delayMs: 1 } }));
      const results = await Promise.all(bodies.map(async (body) => textOf((await readSse(await postChat(gateway, body))).data)));
      results.forEach((text, i) => assert.equal(text, simText({ ...bodies[i], model: 'model-a' } as never)));
      assert.equal(new Set(results).size, 20);
    });

    test('pings while the upstream is silent', async () => {
      const quiet = await startTestGateway({ providers: upstream ? [upstreamProvider('up', upstream.baseURL)] : [], streams: { keepaliveMs: 100 } });
      try {
        const sse = await readSse(await postChat(quiet, chatBody({ model, stream: true, sim: { tokens: 2, ttftMs: 450 } })));
        assert.ok(sse.comments.filter((c) => c === 'ping').length >= 2, `pings: ${sse.comments.length}`);
        assert.equal(sse.data.at(-1), '[DONE]');
      } finally {
        await quiet.close();
      }
    });
  });
}
