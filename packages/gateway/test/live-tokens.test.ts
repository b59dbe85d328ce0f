/**
 * The Live page's token figure is tokens, not deltas: an upstream whose
 * deltas carry several tokens each holds its stream open after its text,
 * the live feed's figure is read then, and compared with the usage the
 * upstream reports at the end.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { countTokens } from 'gpt-tokenizer';
import type { RunningGateway } from '@sluice/gateway';
import { EventWriter, listenLoopback, readBody } from './fakes/http.ts';
import { ADMIN_KEY, startAdminGateway } from './helpers/admin.ts';
import { watchEvents } from './helpers/admin-events.ts';
import { chatBody, postChat, upstreamProvider } from './helpers/gateway.ts';
import { readSse } from './helpers/sse.ts';

const KEY = 'sk-live-tokens-0123456789';
const PIECES = Array.from({ length: 12 }, (_, i) => ` Extraordinarily-complicated superconductivity_${i} measurements, photosynthesis and thermodynamics!`);
const TEXT = PIECES.join('');
/** What a provider counting with the same vocabulary reports. */
const REAL_TOKENS = countTokens(TEXT);

describe('the Live token figure', () => {
  let upstream: { url: string; close(): Promise<void> };
  let gateway: RunningGateway;
  let release: () => void = () => {};

  before(async () => {
    upstream = await listenLoopback(
      createServer(async (req, res) => {
        await readBody(req);
        const out = new EventWriter(res, () => {});
        const released = new Promise<void>((resolve) => (release = resolve));
        const frame = (choices: unknown[], extra: object = {}) => `data: ${JSON.stringify({ id: 'chatcmpl-live', object: 'chat.completion.chunk', created: 1, model: 'm', choices, ...extra })}\n\n`;
        await out.write(frame([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
        for (const piece of PIECES) await out.write(frame([{ index: 0, delta: { content: piece }, finish_reason: null }]));
        // The text is out; the end (and its usage) waits until the test has read the live figure.
        await released;
        await out.write(frame([{ index: 0, delta: {}, finish_reason: 'stop' }]));
        await out.write(frame([], { usage: { prompt_tokens: 9, completion_tokens: REAL_TOKENS, total_tokens: 9 + REAL_TOKENS } }));
        await out.write('data: [DONE]\n\n');
        out.end();
      }),
    );
    gateway = await startAdminGateway({ keys: [{ name: 'alice', key: KEY }], providers: [upstreamProvider('up', `${upstream.url}/v1`)] });
  });
  after(async () => {
    release();
    await gateway?.close();
    await upstream?.close();
  });

  test('shows the output tokens so far, about the usage the stream settles with, not the number of deltas', async () => {
    const response = await postChat(gateway, chatBody({ model: 'up/m', stream: true, stream_options: { include_usage: true } }), { authorization: `Bearer ${KEY}` });
    assert.equal(response.status, 200);
    const streamId = response.headers.get('x-sluice-stream-id')!;
    const reading = readSse(response);
    // Every delta logged (the role's first, then one per piece), in two snapshots alike: the upstream is holding, the figure is final for now.
    const { snapshot } = await watchEvents(`${gateway.url}/admin/events`, { authorization: `Bearer ${ADMIN_KEY}` }, (_, all) => {
      const mine = all.slice(-2).map((s) => s.streams.find((st) => st.id === streamId));
      return mine.length === 2 && mine.every((st) => st !== undefined && st.chunks === PIECES.length + 1) && mine[0]!.chunks === mine[1]!.chunks && mine[0]!.tokens === mine[1]!.tokens;
    });
    const live = snapshot.streams.find((s) => s.id === streamId)!;
    release();
    const sse = await reading;
    const usage = sse.data
      .filter((d) => d !== '[DONE]')
      .map((d) => JSON.parse(d) as { usage?: { completion_tokens: number } })
      .findLast((chunk) => chunk.usage !== undefined)!.usage!;
    assert.equal(usage.completion_tokens, REAL_TOKENS, 'the upstream usage reaches the client');
    // Counted a snapshot's worth of deltas at a time, the seams may add a token each: within 5%.
    assert.ok(Math.abs(live.tokens - usage.completion_tokens) <= Math.max(2, usage.completion_tokens * 0.05), `live ${live.tokens} vs usage ${usage.completion_tokens}`);
    assert.ok(live.tokens > 4 * live.chunks, `${live.tokens} tokens in ${live.chunks} deltas: tokens, not deltas`);
  });
});
