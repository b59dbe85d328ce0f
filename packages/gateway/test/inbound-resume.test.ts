import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { SseMessage } from '@sluice/protocol';
import type { RunningGateway } from '@sluice/gateway';
import { startTestGateway } from './helpers/gateway.ts';
import { readEventsThenCut } from './helpers/partial-sse.ts';
import { readSse } from './helpers/sse.ts';
import { MultiplexClient } from './helpers/ws.ts';

const KEY = 'sk-inbound-0123456789';
const AUTH = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const RESUMABLE = { ...AUTH, 'x-sluice-resumable': '1' };
const TEXT = 'One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen.';

describe('Messages and Responses streams resume like any sluice stream', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startTestGateway({ keys: [{ name: 'app', key: KEY }], streams: { lingerMs: 5_000, keepaliveMs: 40 } });
  });
  after(() => gateway.close());

  /** Start a resumable stream, read `cut` events, drop the connection, and resume after the last one. */
  async function cutAndResume(path: string, body: object, cut: number): Promise<{ head: SseMessage[]; rest: SseMessage[]; streamId: string }> {
    const controller = new AbortController();
    const response = await fetch(`${gateway.baseURL}${path}`, { method: 'POST', headers: RESUMABLE, body: JSON.stringify(body), signal: controller.signal });
    assert.equal(response.status, 200);
    const streamId = response.headers.get('x-sluice-stream-id')!;
    const head = await readEventsThenCut(response, cut, controller);
    const resumed = await fetch(`${gateway.baseURL}/streams/${streamId}`, { headers: { ...AUTH, 'last-event-id': head.at(-1)!.id } });
    assert.equal(resumed.status, 200);
    return { head, rest: (await readSse(resumed)).events, streamId };
  }

  /** The same request, read whole and uncut. */
  async function whole(path: string, body: object): Promise<SseMessage[]> {
    return (await readSse(await fetch(`${gateway.baseURL}${path}`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) }))).events;
  }

  /** Events compared without what differs from stream to stream (its id, its timestamps). */
  function shape(events: readonly SseMessage[], streamId: string): { event: string; id: string; data: string }[] {
    return events.map((e) => ({ event: e.event, id: e.id, data: e.data.replaceAll(streamId, 'ID').replace(/"(created_at|completed_at)":\d+/g, '"$1":0') }));
  }

  test('a Messages stream cut mid-way resumes by Last-Event-ID: every event once, in order, as Anthropic names them', async () => {
    const body = { model: 'sim/claude', max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'Count.' }], sim: { text: TEXT, reasoning: 'Counting slowly.', delayMs: 3 } };
    const { head, rest, streamId } = await cutAndResume('/messages', body, 7);
    const all = [...head, ...rest];
    assert.deepEqual(all.map((e) => Number(e.id)), all.map((_, i) => i + 1), 'no gap, no repeat');
    assert.equal(all[0].event, 'message_start');
    assert.equal(all.at(-1)!.event, 'message_stop');
    for (const e of all) assert.equal(e.event, (JSON.parse(e.data) as { type: string }).type);
    const reference = await whole('/messages', body);
    const referenceId = (JSON.parse(reference[0].data) as { message: { id: string } }).message.id.slice('msg_'.length);
    assert.deepEqual(shape(all, streamId), shape(reference, referenceId), 'the resumed stream is the uncut stream, event for event');
  });

  test('a Responses stream cut mid-way resumes by Last-Event-ID: every event once, sequence numbers unbroken', async () => {
    const body = { model: 'sim/gpt', stream: true, input: 'Count.', sim: { text: TEXT, delayMs: 3 } };
    const { head, rest, streamId } = await cutAndResume('/responses', body, 6);
    const all = [...head, ...rest];
    assert.deepEqual(all.map((e) => Number(e.id)), all.map((_, i) => i + 1));
    assert.deepEqual(all.map((e) => (JSON.parse(e.data) as { sequence_number: number }).sequence_number), all.map((_, i) => i));
    assert.equal(all.at(-1)!.event, 'response.completed');
    const text = all.filter((e) => e.event === 'response.output_text.delta').map((e) => (JSON.parse(e.data) as { delta: string }).delta).join('');
    assert.equal(text, TEXT);
    const reference = await whole('/responses', body);
    const referenceId = (JSON.parse(reference[0].data) as { response: { id: string } }).response.id.slice('resp_'.length);
    assert.deepEqual(shape(all, streamId), shape(reference, referenceId));
  });

  test('the openai SDK resumes a Responses stream itself: responses.stream({ response_id, starting_after })', async () => {
    const openai = new OpenAI({ baseURL: gateway.baseURL, apiKey: KEY, maxRetries: 0 });
    const body = { model: 'sim/gpt', stream: true, input: 'Count.', sim: { text: TEXT, delayMs: 3 } };
    const controller = new AbortController();
    const response = await fetch(`${gateway.baseURL}/responses`, { method: 'POST', headers: RESUMABLE, body: JSON.stringify(body), signal: controller.signal });
    const head = await readEventsThenCut(response, 8, controller);
    const responseId = (JSON.parse(head[0].data) as { response: { id: string } }).response.id;
    const lastSeen = (JSON.parse(head.at(-1)!.data) as { sequence_number: number }).sequence_number;
    const resumed = openai.responses.stream({ response_id: responseId, starting_after: lastSeen });
    const sequence: number[] = [];
    for await (const event of resumed) sequence.push(event.sequence_number);
    const final = await resumed.finalResponse();
    assert.equal(sequence[0], lastSeen + 1, 'the SDK is handed the events after the last one it saw');
    assert.deepEqual(sequence, sequence.map((_, i) => lastSeen + 1 + i));
    assert.equal(final.output_text, TEXT);
    assert.equal(final.status, 'completed');
  });

  test('while the upstream is slow to start, a Messages stream sends Anthropic ping events; the SDK reads past them', async () => {
    const body = { model: 'sim/claude', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hi' }], sim: { text: 'Late hello.', ttftMs: 250 } };
    const { events } = await readSse(await fetch(`${gateway.baseURL}/messages`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) }));
    const pings = events.filter((e) => e.event === 'ping');
    assert.ok(pings.length >= 1, 'pings while waiting');
    assert.deepEqual(JSON.parse(pings[0].data), { type: 'ping' });
    const client = new Anthropic({ baseURL: gateway.url, apiKey: KEY, maxRetries: 0 });
    const message = await client.messages.stream(body as unknown as Anthropic.MessageStreamParams).finalMessage();
    assert.deepEqual(message.content, [{ type: 'text', text: 'Late hello.' }]);
  });

  test('a WebSocket resume of a Messages stream is refused, saying where to resume it', async () => {
    const response = await fetch(`${gateway.baseURL}/messages`, { method: 'POST', headers: RESUMABLE, body: JSON.stringify({ model: 'sim/claude', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hi' }], sim: { text: 'Hello.' } }) });
    const streamId = response.headers.get('x-sluice-stream-id')!;
    await readSse(response);
    const client = await MultiplexClient.connect(gateway, ['sluice.v1'], { headers: { authorization: `Bearer ${KEY}` } });
    try {
      const ended = client.ended('r1');
      client.send({ type: 'resume', id: 'r1', streamId, after: 0 });
      const { end, chunks } = await ended;
      assert.equal(chunks.length, 0);
      assert.equal(end.type, 'error');
      assert.equal(end.error.code, 'unsupported_stream_api');
      assert.match(end.error.message, /Anthropic Messages API.*GET \/v1\/streams\//);
    } finally {
      client.ws.close();
    }
  });
});
