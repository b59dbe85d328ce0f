import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { simText, startSimServer, type SimServer } from '@sluice/gateway';
import { serveCli, serveReplicas } from './helpers/cli.ts';
import { chatBody } from './helpers/gateway.ts';
import { readEventsThenCut } from './helpers/partial-sse.ts';
import { nextEvent, readSse, textOf } from './helpers/sse.ts';

const skip = process.env.REDIS_URL ? false : 'REDIS_URL is not set (CI sets it when Redis runs on 127.0.0.1:6379)';
// Three missed renewals mark a stream interrupted: long enough that a busy test machine does not miss three.
const HEARTBEAT_MS = 500;

describe('two gateway processes sharing one Redis', { skip }, () => {
  let upstream: SimServer;
  let replicas: Awaited<ReturnType<typeof serveCli>>[] = [];

  before(async () => {
    upstream = await startSimServer();
    const dir = mkdtempSync(join(tmpdir(), 'sluice-replicas-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        ledger: false,
        logLevel: 'info',
        providers: [{ id: 'up', type: 'openai-compatible', baseURL: upstream.baseURL }],
        redis: { url: process.env.REDIS_URL, keyPrefix: `sluice-test-${randomBytes(4).toString('hex')}:`, heartbeatMs: HEARTBEAT_MS },
        streams: { lingerMs: 10_000 },
      }),
    );
    // Replicas must share the secret that signs stream tokens.
    const env = { SLUICE_STREAM_SECRET: randomBytes(32).toString('hex') };
    replicas = await serveReplicas(2, ['--config', config], env);
  });
  after(async () => {
    for (const replica of replicas) replica.child.kill('SIGKILL');
    await upstream.close();
  });

  async function startOn(baseURL: string, body: object, cutAfter: number) {
    const controller = new AbortController();
    const response = await fetch(`${baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-sluice-resumable': '1' }, body: JSON.stringify(body), signal: controller.signal });
    assert.equal(response.status, 200);
    const events = await readEventsThenCut(response, cutAfter, controller);
    return { id: response.headers.get('x-sluice-stream-id')!, token: response.headers.get('x-sluice-stream-token')!, events };
  }

  test('a client cut from replica A resumes on replica B and reads the rest while A keeps writing', async () => {
    const [a, b] = replicas;
    const body = chatBody({ model: 'up/m', stream: true, sim: { tokens: 60, delayMs: 10 } });
    const first = await startOn(a.baseURL, body, 10);
    const rest = await readSse(await fetch(`${b.baseURL}/streams/${first.id}?token=${first.token}`, { headers: { 'last-event-id': first.events.at(-1)!.id } }));
    const all = [...first.events, ...rest.events];
    assert.deepEqual(all.map((e) => Number(e.id)), all.map((_, i) => i + 1));
    assert.equal(all.at(-1)!.data, '[DONE]');
    assert.equal(textOf(all.map((e) => e.data)), simText({ ...body, model: 'm' } as never));
  });

  test('a follower on B whose cursor is past the end of a stream A finishes gets invalid_cursor, not a ping forever', { timeout: 15_000 }, async () => {
    const [a, b] = replicas;
    const first = await startOn(a.baseURL, chatBody({ model: 'up/m', stream: true, sim: { tokens: 30, delayMs: 20 } }), 2);
    const response = await fetch(`${b.baseURL}/streams/${first.id}?token=${first.token}&after=500`);
    assert.equal(response.status, 200, 'B cannot know yet how far the stream will go');
    const last = (await readSse(response)).events.at(-1)!;
    assert.equal(last.event, 'error');
    assert.equal((JSON.parse(last.data) as { error: { code: string } }).error.code, 'invalid_cursor');
  });

  test('cancelling on replica B stops the upstream that replica A runs', async () => {
    const [a, b] = replicas;
    const first = await startOn(a.baseURL, chatBody({ model: 'up/m', stream: true, sim: { tokens: 100, fault: { stallAfter: 5 } } }), 3);
    const follower = readSse(await fetch(`${b.baseURL}/streams/${first.id}?token=${first.token}&after=3`));
    const aborted = nextEvent(upstream.events, 'abort', 3000);
    const cancel = await fetch(`${b.baseURL}/streams/${first.id}?token=${first.token}`, { method: 'DELETE' });
    assert.equal(cancel.status, 204);
    await aborted;
    const last = (await follower).events.at(-1)!;
    assert.equal(last.event, 'error');
    assert.equal((JSON.parse(last.data) as { error: { code: string } }).error.code, 'cancelled');
  });

  test('an Anthropic Messages stream cut from replica A resumes on replica B in its own format', async () => {
    const [a, b] = replicas;
    const text = 'Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi.';
    const controller = new AbortController();
    const body = { model: 'up/m', max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'Greek?' }], sim: { text, delayMs: 10 } };
    const response = await fetch(`${a.baseURL}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-sluice-resumable': '1' }, body: JSON.stringify(body), signal: controller.signal });
    const id = response.headers.get('x-sluice-stream-id')!;
    const token = response.headers.get('x-sluice-stream-token')!;
    const head = await readEventsThenCut(response, 6, controller);
    const rest = await readSse(await fetch(`${b.baseURL}/streams/${id}?token=${token}`, { headers: { 'last-event-id': head.at(-1)!.id } }));
    const all = [...head, ...rest.events];
    assert.deepEqual(all.map((e) => Number(e.id)), all.map((_, i) => i + 1));
    for (const e of all) assert.equal(e.event, (JSON.parse(e.data) as { type: string }).type, 'every event named as Anthropic names it');
    assert.equal(all.at(-1)!.event, 'message_stop');
    const streamed = all.filter((e) => e.event === 'content_block_delta').map((e) => (JSON.parse(e.data) as { delta: { text: string } }).delta.text).join('');
    assert.equal(streamed, text);
  });

  test('a stored response made on replica A is read and continued on replica B', async () => {
    const [a, b] = replicas;
    const post = (baseURL: string, body: object) => fetch(`${baseURL}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const first = (await (await post(a.baseURL, { model: 'up/m', input: 'Remember the number 7.', sim: { text: 'Noted: 7.' } })).json()) as { id: string };
    const read = (await (await fetch(`${b.baseURL}/responses/${first.id}`)).json()) as { id: string; output: { content: { text: string }[] }[] };
    assert.equal(read.output[0].content[0].text, 'Noted: 7.');
    const upstreamSaw = nextEvent<{ body: { messages: unknown[] } }>(upstream.events, 'request');
    const second = await post(b.baseURL, { model: 'up/m', previous_response_id: first.id, input: 'Which number?', sim: { text: 'Seven.' } });
    assert.equal(second.status, 200);
    assert.deepEqual((await upstreamSaw).body.messages, [
      { role: 'user', content: 'Remember the number 7.' },
      { role: 'assistant', content: 'Noted: 7.' },
      { role: 'user', content: 'Which number?' },
    ]);
  });

  test('when replica A dies mid-stream, a follower on B gets stream_interrupted instead of hanging', async () => {
    const [a, b] = replicas;
    const first = await startOn(a.baseURL, chatBody({ model: 'up/m', stream: true, sim: { tokens: 1000, delayMs: 20 } }), 4);
    const response = await fetch(`${b.baseURL}/streams/${first.id}?token=${first.token}&after=4`);
    assert.equal(response.status, 200);
    const follower = readSse(response);
    await new Promise((r) => setTimeout(r, 200));
    const killedAt = performance.now();
    a.child.kill('SIGKILL');
    const sse = await follower;
    const noticed = performance.now() - killedAt;
    const last = sse.events.at(-1)!;
    assert.equal(last.event, 'error');
    assert.equal((JSON.parse(last.data) as { error: { code: string } }).error.code, 'stream_interrupted');
    // Three missed renewals, at most one blocking read to notice, two more heartbeats to confirm.
    assert.ok(noticed < 6 * HEARTBEAT_MS + 1000, `noticed after ${noticed.toFixed(0)} ms`);
    assert.ok(sse.events.length > 1, 'events written before the death were delivered');
    const later = await fetch(`${b.baseURL}/streams/${first.id}?token=${first.token}&after=0`);
    const replay = await readSse(later);
    assert.equal((JSON.parse(replay.events.at(-1)!.data) as { error: { code: string } }).error.code, 'stream_interrupted', 'the stream stays marked');
  });
});
