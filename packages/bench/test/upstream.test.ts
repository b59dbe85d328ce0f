/** The bench upstream, on loopback: exact streams, refusals, and the abort feed the cancel phase relies on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { request } from 'undici';
import { startUpstream } from '../src/upstream/server.ts';
import { UpstreamWatch } from '../src/loadgen/upstream-watch.ts';
import { StreamRecorder } from '../src/loadgen/recorder.ts';
import { SseClient } from '../src/loadgen/clients/sse-client.ts';
import { encodePrompt } from '../src/workload.ts';
import { makeThrowawayCert } from '../src/targets/throwaway-cert.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const directTo = (url: string) => ({ name: 'direct', transport: 'sse-h1' as const, url, model: 'bench', headers: {}, cancelBy: 'close' as const });

test('streams exactly the chunks asked for, paced, then [DONE]', async (t) => {
  const upstream = await startUpstream();
  const client = new SseClient(directTo(upstream.url));
  t.after(async () => {
    await client.close();
    await upstream.close();
  });
  const recorder = new StreamRecorder({ id: 'paced', chunks: 6, ttftMs: 5, itlMs: 3 }, true);
  await client.run(recorder);
  const outcome = recorder.outcome();
  assert.equal(outcome.exact, true, outcome.error ?? recorder.text);
  assert.equal(outcome.chunks, 6);
  assert.equal(recorder.gaps!.length, 5);
  const { connections: _connections, ...counts } = upstream.stats();
  assert.deepEqual(counts, { open: 0, started: 1, completed: 1, aborted: 0 });
});

test('answers a non-streaming request with the same text in one completion', async (t) => {
  const upstream = await startUpstream();
  t.after(() => upstream.close());
  const answer = await request(`${upstream.baseURL}/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: encodePrompt({ id: 'json', chunks: 3, ttftMs: 0, itlMs: 0 }) }] }),
  });
  const body = (await answer.body.json()) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
  assert.equal(answer.statusCode, 200);
  assert.equal(body.choices[0].message.content, '0 1 2 ');
  assert.equal(body.usage.completion_tokens, 3);
});

test('refuses bad bodies with a 400 in the OpenAI error shape and keeps serving', async (t) => {
  const upstream = await startUpstream();
  t.after(() => upstream.close());
  for (const body of ['{not json', '[]', JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hello' }] })]) {
    const answer = await request(`${upstream.baseURL}/chat/completions`, { method: 'POST', body });
    const error = (await answer.body.json()) as { error: { code: string; message: string } };
    assert.equal(answer.statusCode, 400, body);
    assert.equal(error.error.code, 'invalid_request');
  }
  const models = await request(`${upstream.baseURL}/models`);
  assert.equal(models.statusCode, 200);
  await models.body.dump();
});

test('reports a stream its client abandoned on the abort feed, and drops what is left on request', async (t) => {
  const upstream = await startUpstream();
  const watch = await UpstreamWatch.connect(upstream.url);
  const client = new SseClient(directTo(upstream.url));
  t.after(async () => {
    await client.close();
    await watch.close();
    await upstream.close();
  });
  const recorder = new StreamRecorder({ id: 'left', chunks: 1000, ttftMs: 0, itlMs: 5 });
  const aborter = new AbortController();
  recorder.onChunk = (r) => r.chunks === 2 && aborter.abort();
  await client.run(recorder, aborter.signal);
  assert.equal(recorder.error, 'cancelled by the client');
  assert.notEqual(await watch.abortSeen('left', 5000), null, 'the upstream saw the stream closed');

  const idle = new StreamRecorder({ id: 'idle', chunks: 1, ttftMs: 600_000, itlMs: 0 });
  const running = client.run(idle);
  await watch.waitFor((s) => s.open === 1, 5000);
  assert.equal(await watch.drop(), 1);
  await running;
  assert.equal(idle.outcome().completed, false, 'a dropped stream is not counted complete');
  assert.equal((await watch.waitFor((s) => s.open === 0, 5000)).open, 0);
});

test('a drop closes the connections a pool keeps idle, and keeps the abort feed', async (t) => {
  const upstream = await startUpstream();
  const watch = await UpstreamWatch.connect(upstream.url);
  t.after(async () => {
    await watch.close();
    await upstream.close();
  });
  const idle = connect(Number(new URL(upstream.url).port), '127.0.0.1');
  await once(idle, 'connect');
  const closed = once(idle, 'close');
  await watch.drop();
  await closed;
  const recorder = new StreamRecorder({ id: 'after-drop', chunks: 1000, ttftMs: 0, itlMs: 5 });
  const client = new SseClient(directTo(upstream.url));
  t.after(() => client.close());
  const aborter = new AbortController();
  recorder.onChunk = (r) => r.chunks === 1 && aborter.abort();
  await client.run(recorder, aborter.signal);
  assert.notEqual(await watch.abortSeen('after-drop', 5000), null, 'the abort feed still reports');
});

test('serves the same streams over h2c and over h2 with TLS (ALPN), exactly', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-h2-'));
  const cert = makeThrowawayCert(dir);
  assert.ok(cert, 'openssl made a certificate');
  const upstream = await startUpstream({ h2cPort: 0, h2: { port: 0, key: readFileSync(cert.keyFile, 'utf8'), cert: readFileSync(cert.certFile, 'utf8') } });
  t.after(() => upstream.close());
  for (const [url, ca] of [[upstream.h2cUrl!, undefined], [upstream.h2Url!, readFileSync(cert.certFile, 'utf8')]] as const) {
    const session = http2Connect(url, ca === undefined ? {} : { ca });
    t.after(() => session.close());
    const stream = session.request({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' });
    stream.end(JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: encodePrompt({ id: `h2${url.length}${ca === undefined ? "c" : "t"}`, chunks: 5, ttftMs: 0, itlMs: 1 }) }] }));
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (part: string) => (text += part));
    await once(stream, 'end');
    const content = [...text.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]).join('');
    assert.equal(content, "0 1 2 3 4 ", `over ${url}: ${text.slice(0, 300)}`);
    assert.match(text, /data: \[DONE\]/);
    if (ca !== undefined) assert.equal(session.alpnProtocol, 'h2');
  }
  assert.equal(upstream.stats().completed, 2);
});
