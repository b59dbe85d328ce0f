import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { simText, startSimServer, type RunningGateway, type SimServer } from '@sluice/gateway';
import { makeTestCertificate, type TestCertificate } from './helpers/certificate.ts';
import { serveCli } from './helpers/cli.ts';
import { chatBody, startTestGateway, upstreamProvider } from './helpers/gateway.ts';
import { cancelH2, connectH2, h2Get, h2Post, readH2Sse, readH2Text } from './helpers/h2.ts';
import { nextEvent, readSse, textOf } from './helpers/sse.ts';
import { MultiplexClient, openSocket, wsURL } from './helpers/ws.ts';

/** Headers HTTP/2 forbids (RFC 9113 §8.2.2); a response carrying one is malformed. */
const CONNECTION_SPECIFIC = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

describe('TLS: HTTP/2 and HTTP/1.1 on one port, chosen by ALPN, and WebSocket beside them', () => {
  let certificate: TestCertificate;
  let upstream: SimServer;
  let gateway: RunningGateway;

  before(async () => {
    certificate = makeTestCertificate();
    upstream = await startSimServer();
    gateway = await startTestGateway({ server: { tls: { cert: certificate.certPath, key: certificate.keyPath } }, providers: [upstreamProvider('up', upstream.baseURL)] });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  test('the gateway reports an https URL', () => {
    assert.match(gateway.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  test('an HTTP/2 client streams SSE, with no connection-specific headers', async () => {
    const session = await connectH2(gateway.url, certificate.cert);
    assert.equal(session.alpnProtocol, 'h2');
    const body = chatBody({ stream: true, sim: { tokens: 16 } });
    const response = await h2Post(session, '/v1/chat/completions', body);
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-type']), /^text\/event-stream/);
    assert.equal(typeof response.headers['x-sluice-stream-id'], 'string');
    for (const name of CONNECTION_SPECIFIC) assert.equal(response.headers[name], undefined, name);
    const sse = await readH2Sse(response.stream);
    assert.equal(textOf(sse.data), simText({ ...body, model: 'test' } as never));
    assert.equal(sse.data.at(-1), '[DONE]');
    session.close();
  });

  test('an HTTP/1.1 client on the same port streams SSE too', async () => {
    const body = JSON.stringify(chatBody({ stream: true, sim: { tokens: 8 } }));
    const { alpn, text } = await new Promise<{ alpn: string | false | null; text: string }>((resolve, reject) => {
      const url = new URL(`${gateway.baseURL}/chat/completions`);
      const options = { host: url.hostname, port: Number(url.port), path: url.pathname, method: 'POST', ca: certificate.cert, ALPNProtocols: ['http/1.1'], headers: { 'content-type': 'application/json' } };
      const req = httpsRequest(options, (res) => {
        const negotiated = (res.socket as TLSSocket).alpnProtocol;
        let text = '';
        res.on('data', (part: Buffer) => (text += part.toString()));
        res.on('end', () => resolve({ alpn: negotiated, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(alpn, 'http/1.1');
    assert.equal((await readSse(new Response(text))).data.at(-1), '[DONE]');
  });

  test('WebSocket (wss) works on the same port, over HTTP/1.1', async () => {
    const client = new MultiplexClient(await openSocket(wsURL(gateway), ['sluice.v1'], { ca: certificate.cert }));
    const body = chatBody({ sim: { tokens: 6 } });
    const capture = await client.request('tls', body);
    assert.equal(capture.end.type, 'done');
    assert.equal(capture.chunks.map((c) => c.data.choices[0]?.delta?.content ?? '').join(''), simText({ ...body, model: 'test' } as never));
    client.ws.terminate();
  });

  test('the WebSocket endpoint asked over HTTP/2 answers 426 with the way to connect, and no Upgrade header', async () => {
    const session = await connectH2(gateway.url, certificate.cert);
    const response = await h2Get(session, '/v1/chat/stream');
    assert.equal(response.status, 426);
    assert.equal(response.headers.upgrade, undefined);
    const error = JSON.parse(await readH2Text(response.stream)) as { error: { code: string; message: string } };
    assert.equal(error.error.code, 'upgrade_required');
    assert.match(error.error.message, /HTTP\/1\.1/);
    session.close();
  });

  test('HTTP/2 backpressure: a stream the client does not read stops the upstream read; cancelling it aborts the upstream', async () => {
    const tokens = 400_000;
    const session = await connectH2(gateway.url, certificate.cert);
    const response = await h2Post(session, '/v1/chat/completions', chatBody({ model: 'up/m', stream: true, sim: { tokens } }));
    assert.equal(response.status, 200);
    response.stream.pause();
    const [generation] = [...gateway.context.registry.live()];
    let previous = -1;
    while (generation.log.lastSeq !== previous) {
      previous = generation.log.lastSeq;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(generation.log.lastSeq < tokens / 2, `${generation.log.lastSeq} events produced for a stalled HTTP/2 stream`);
    const aborted = nextEvent<{ tokensSent: number }>(upstream.events, 'abort');
    cancelH2(response.stream);
    const { tokensSent } = await aborted;
    assert.ok(tokensSent < tokens / 2, `the upstream sent ${tokensSent} of ${tokens} tokens`);
    session.close();
  });
});

describe('cleartext HTTP/2 (h2c)', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startTestGateway({ server: { http2: 'h2c' } });
  });
  after(() => gateway.close());

  test('serves SSE to HTTP/2 clients with prior knowledge', async () => {
    const session = await connectH2(gateway.url);
    const response = await h2Post(session, '/v1/chat/completions', chatBody({ stream: true, sim: { tokens: 4 } }));
    assert.equal(response.status, 200);
    assert.equal((await readH2Sse(response.stream)).data.at(-1), '[DONE]');
    session.close();
  });

  test('WebSocket is not served: HTTP/2 is told why (426), an HTTP/1.1 upgrade fails at once', async () => {
    const session = await connectH2(gateway.url);
    const response = await h2Get(session, '/v1/chat/stream');
    assert.equal(response.status, 426);
    const error = JSON.parse(await readH2Text(response.stream)) as { error: { code: string; message: string } };
    assert.equal(error.error.code, 'upgrade_required');
    assert.match(error.error.message, /h2c/);
    session.close();
    await assert.rejects(openSocket(wsURL(gateway), ['sluice.v1']));
  });

  test('an open HTTP/2 stream finishes during a graceful shutdown', async () => {
    const own = await startTestGateway({ server: { http2: 'h2c' }, shutdown: { drainTimeoutMs: 5_000 } });
    const session = await connectH2(own.url);
    const response = await h2Post(session, '/v1/chat/completions', chatBody({ stream: true, sim: { tokens: 10, delayMs: 20 } }));
    const reading = readH2Sse(response.stream);
    await new Promise((r) => setTimeout(r, 50));
    const closing = own.close();
    const sse = await reading;
    assert.equal(sse.data.at(-1), '[DONE]');
    assert.equal(sse.data.length, 1 + 10 + 1 + 1);
    await closing;
  });

  test('`sluice serve --h2c` serves cleartext HTTP/2', async () => {
    const server = await serveCli(['--h2c']);
    try {
      const session = await connectH2(new URL(server.baseURL).origin);
      const response = await h2Post(session, '/v1/chat/completions', chatBody({ stream: true, sim: { tokens: 3 } }));
      assert.equal((await readH2Sse(response.stream)).data.at(-1), '[DONE]');
      session.close();
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

describe('TLS configuration errors stop the start with the field named', () => {
  for (const [name, server, pattern] of [
    ['a certificate file that does not exist', { tls: { cert: '/nonexistent/cert.pem', key: '/nonexistent/key.pem' } }, /server\.tls\.cert: cannot read \/nonexistent\/cert\.pem/],
    ['a certificate that is not a certificate', { tls: { cert: '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n', key: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n' } }, /server\.tls: the certificate and key cannot be used/],
  ] as const) {
    test(name, async () => {
      await assert.rejects(startTestGateway({ server }), (error: Error) => error.name === 'ConfigError' && pattern.test(error.message));
    });
  }

  test('h2c with TLS', async () => {
    const certificate = makeTestCertificate();
    await assert.rejects(startTestGateway({ server: { http2: 'h2c', tls: { cert: certificate.certPath, key: certificate.keyPath } } }), /h2c/);
  });
});
