import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simText, type RunningGateway } from '@sluice/gateway';
import type { ChatCompletionChunk, WireError } from '@sluice/protocol';
import type WebSocket from 'ws';
import { startTestGateway } from './helpers/gateway.ts';
import { SeedWebSocketClient } from './helpers/seed-ws-client.ts';
import { TcpProxy } from './helpers/tcp-proxy.ts';
import { openSocket, wsURL } from './helpers/ws.ts';

const KEY = 'seed-client-key-01';

/** Every frame a plain socket receives, parsed. */
function record(ws: WebSocket): (ChatCompletionChunk | WireError)[] {
  const frames: (ChatCompletionChunk | WireError)[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as ChatCompletionChunk | WireError));
  return frames;
}

async function until(condition: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const isChunk = (frame: ChatCompletionChunk | WireError): frame is ChatCompletionChunk => !('error' in frame);
const textOf = (frames: readonly (ChatCompletionChunk | WireError)[]) =>
  frames
    .filter(isChunk)
    .map((c) => c.choices[0]?.delta?.content ?? '')
    .join('');

describe('WebSocket plain mode (the seed\'s classic clients)', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startTestGateway({ keys: [{ name: 'seed', key: KEY }], ws: { maxStreamsPerSocket: 2 } });
  });
  after(() => gateway.close());

  const open = (query = '') => openSocket(wsURL(gateway, query), [], { headers: { authorization: `Bearer ${KEY}` } });

  test('each body is answered with OpenAI chunks, one per frame; ?model= is the default model; the usage chunk only when asked', async () => {
    const ws = await open('?model=sim/from-query');
    const frames = record(ws);
    const body = { messages: [{ role: 'user', content: 'plain' }], sim: { tokens: 7 } };
    ws.send(JSON.stringify(body));
    await until(() => frames.some((f) => isChunk(f) && f.choices[0]?.finish_reason === 'stop'));
    assert.ok(frames.every((f) => isChunk(f) && f.object === 'chat.completion.chunk' && f.model === 'sim/from-query'));
    assert.equal(textOf(frames), simText({ ...body, model: 'from-query' } as never));
    assert.ok(frames.every((f) => isChunk(f) && f.usage === undefined));

    frames.length = 0;
    ws.send(JSON.stringify({ ...body, model: 'sim/own', stream_options: { include_usage: true } }));
    await until(() => frames.some((f) => isChunk(f) && f.usage != null));
    const last = frames.at(-1) as ChatCompletionChunk;
    assert.equal(last.model, 'sim/own', 'a body that names its model keeps it');
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage?.completion_tokens, 7);
    ws.terminate();
  });

  test('bodies sent together are answered one after the other, never interleaved', async () => {
    const ws = await open('?model=sim/x');
    const frames = record(ws);
    const a = { messages: [{ role: 'user', content: 'first' }], stream_options: { include_usage: true }, sim: { tokens: 10, delayMs: 2 } };
    const b = { ...a, messages: [{ role: 'user', content: 'second' }] };
    ws.send(JSON.stringify(a));
    ws.send(JSON.stringify(b));
    await until(() => frames.filter((f) => isChunk(f) && f.usage != null).length === 2);
    const ids = frames.filter(isChunk).map((c) => c.id);
    const firstId = ids[0];
    const split = ids.findIndex((id) => id !== firstId);
    assert.ok(ids.slice(split).every((id) => id !== firstId), 'the second answer starts after the first ended');
    assert.equal(textOf(frames.slice(0, split)), simText({ ...a, model: 'x' } as never));
    assert.equal(textOf(frames.slice(split)), simText({ ...b, model: 'x' } as never));
    ws.terminate();
  });

  test('a bad body, a bad frame and a binary frame each get an OpenAI error frame, and the socket goes on', async () => {
    const ws = await open('?model=sim/x');
    const frames = record(ws);
    ws.send('not json');
    ws.send(JSON.stringify({ model: 'sim/x' }));
    ws.send(JSON.stringify({ model: 'elsewhere/x', messages: [{ role: 'user', content: 'hi' }] }));
    ws.send(Buffer.from([0xde, 0xad]));
    await until(() => frames.length === 4);
    assert.deepEqual(
      frames.map((f) => (f as WireError).error.code),
      ['invalid_message', 'invalid_request', 'model_not_found', 'unsupported_frame'],
    );
    assert.equal((frames[1] as WireError).error.param, 'messages');
    frames.length = 0;
    ws.send(JSON.stringify({ messages: [{ role: 'user', content: 'still here' }], sim: { tokens: 3 } }));
    await until(() => frames.some((f) => isChunk(f) && f.choices[0]?.finish_reason === 'stop'));
    ws.terminate();
  });

  test('more bodies waiting than the per-socket limit: the extra one gets too_many_streams', async () => {
    const ws = await open('?model=sim/x');
    const frames = record(ws);
    const slow = JSON.stringify({ messages: [{ role: 'user', content: 'slow' }], stream_options: { include_usage: true }, sim: { tokens: 3, ttftMs: 200 } });
    ws.send(slow);
    ws.send(slow);
    ws.send(slow);
    await until(() => frames.filter((f) => isChunk(f) && f.usage != null).length === 2);
    const errors = frames.filter((f): f is WireError => !isChunk(f));
    assert.deepEqual(
      errors.map((e) => e.error.code),
      ['too_many_streams'],
    );
    ws.terminate();
  });
});

describe('the seed article\'s WebSocket client, pointed at sluice', () => {
  let gateway: RunningGateway;
  let proxy: TcpProxy;

  before(async () => {
    gateway = await startTestGateway({ keys: [{ name: 'seed', key: KEY }] });
    proxy = await TcpProxy.start(Number(new URL(gateway.url).port));
  });
  after(async () => {
    await proxy.close();
    await gateway.close();
  });

  test('streams its prompt, reconnects with exponential backoff through an outage, and sends what it queued meanwhile', async () => {
    const client = new SeedWebSocketClient(KEY, `ws://127.0.0.1:${proxy.port}`, 40);
    const system = 'You are a code reviewer.';
    const opening = (model: string, prompt = system) => ({ model, messages: [{ role: 'system', content: prompt }, { role: 'user', content: 'Explain quantum computing in simple terms.' }], stream: true });
    // The seed's model names are served by the simulator at the seed's prices.
    const firstAnswer = simText(opening('deepseek-v3.2') as never);
    await client.connect('deepseek-v3.2', system);
    await until(() => client.output === firstAnswer, 5000, 'the first answer');

    proxy.down();
    await until(() => client.scheduledDelays.length >= 3, 5000, 'three reconnect attempts');
    const queued = { model: 'deepseek-v3.2', messages: [{ role: 'user', content: 'A question asked while offline.' }], stream: true };
    client.send(queued);
    assert.equal(client.messageQueue.length, 1, 'queued while disconnected');
    proxy.up();

    // On reconnect it sends its opening message again (with its defaults), then the queue; plain mode answers them in order.
    const secondAnswer = simText(opening('deepseek-v3.2', 'You are a helpful assistant.') as never) + simText(queued as never);
    await until(() => client.output === firstAnswer + secondAnswer, 10_000, 'the answers after the reconnect');
    assert.equal(client.messageQueue.length, 0);
    assert.equal(client.reconnectAttempts, 0, 'a successful connect resets the attempts');
    const delays = client.scheduledDelays;
    assert.deepEqual(delays, delays.map((_, i) => 40 * 2 ** i), 'each delay doubles the one before');
    assert.ok(client.log.some((line) => line.startsWith('[WebSocket] Connection closed: 1006')));
    assert.ok(!client.log.some((line) => line.startsWith('[Parse Error]')));
    client.close();
  });
});
