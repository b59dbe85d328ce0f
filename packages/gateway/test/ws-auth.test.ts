import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { chatBody, startTestGateway } from './helpers/gateway.ts';
import { readSse } from './helpers/sse.ts';
import { MultiplexClient, openSocket, wsURL } from './helpers/ws.ts';

const KEY = 'ws-test-key-0123';

type Refusal = Error & { status: number; body: string; headers: Record<string, string> };

async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    return error as Refusal;
  }
  assert.fail('the upgrade was accepted');
}

describe('WebSocket handshake: the key is checked before the upgrade', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startTestGateway({ keys: [{ name: 'web', key: KEY }] });
  });
  after(() => gateway.close());

  for (const [name, protocols, headers] of [
    ['no key at all', ['sluice.v1'], {}],
    ['a wrong Bearer header', ['sluice.v1'], { authorization: 'Bearer wrong-key-123' }],
    ['a wrong bearer subprotocol', ['sluice.v1', 'bearer.wrong-key-123'], {}],
  ] as const) {
    test(`${name} is refused with 401 and an OpenAI error body, no socket`, async () => {
      const error = await refusal(openSocket(wsURL(gateway), [...protocols], { headers }));
      assert.equal(error.status, 401);
      assert.equal(error.headers['www-authenticate'], 'Bearer');
      const body = JSON.parse(error.body) as { error: { code: string; type: string } };
      assert.equal(body.error.code, 'invalid_api_key');
      assert.equal(body.error.type, 'authentication_error');
    });
  }

  test('Authorization: Bearer opens a sluice.v1 socket', async () => {
    const client = await MultiplexClient.connect(gateway, ['sluice.v1'], { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(client.ws.protocol, 'sluice.v1');
    assert.equal((await client.request('a', chatBody({ sim: { tokens: 3 } }))).end.type, 'done');
    client.ws.terminate();
  });

  test('a browser passes the key as a second subprotocol; the server answers sluice.v1, never the key', async () => {
    const client = await MultiplexClient.connect(gateway, ['sluice.v1', `bearer.${KEY}`]);
    assert.equal(client.ws.protocol, 'sluice.v1');
    assert.equal((await client.request('a', chatBody({ sim: { tokens: 3 } }))).end.type, 'done');
    client.ws.terminate();
  });

  test('the bearer subprotocol alone opens a plain socket, echoing it as a browser requires', async () => {
    const ws = await openSocket(wsURL(gateway, '?model=sim/plain'), [`bearer.${KEY}`]);
    assert.equal(ws.protocol, `bearer.${KEY}`);
    const frames: string[] = [];
    const usage = new Promise<void>((resolve) =>
      ws.on('message', (data) => {
        frames.push(data.toString());
        if (data.toString().includes('"usage"')) resolve();
      }),
    );
    ws.send(JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true }, sim: { tokens: 3 } }));
    await usage;
    assert.equal((JSON.parse(frames[0]) as { model: string }).model, 'sim/plain');
    ws.terminate();
  });

  test('an upgrade to another path is refused with 404', async () => {
    const error = await refusal(openSocket(`${gateway.url.replace('http', 'ws')}/v1/elsewhere`, ['sluice.v1'], { headers: { authorization: `Bearer ${KEY}` } }));
    assert.equal(error.status, 404);
    assert.equal((JSON.parse(error.body) as { error: { code: string } }).error.code, 'not_found');
  });

  test('a plain HTTP GET of the WebSocket endpoint is told to upgrade (426)', async () => {
    const response = await fetch(`${gateway.baseURL}/chat/stream`);
    assert.equal(response.status, 426);
    assert.equal(response.headers.get('upgrade'), 'websocket');
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'upgrade_required');
  });

  test('an upgrade that is not WebSocket (curl --http2 asks for h2c) is served as a plain request', async () => {
    const url = new URL(`${gateway.baseURL}/chat/completions`);
    const body = JSON.stringify(chatBody({ stream: true, sim: { tokens: 3 } }));
    const response = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': 'AAMAAABkAAQCAAAAAAIAAAAA', authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (part: Buffer) => (text += part.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(response.status, 200);
    const sse = await readSse(new Response(response.text));
    assert.equal(sse.data.at(-1), '[DONE]');
  });
});

describe('WebSocket handshake: browser origins follow server.corsOrigins', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startTestGateway({ server: { corsOrigins: ['https://app.example'] } });
  });
  after(() => gateway.close());

  test('a page from another origin is refused with 403', async () => {
    const error = await refusal(openSocket(wsURL(gateway), ['sluice.v1'], { origin: 'https://elsewhere.example' }));
    assert.equal(error.status, 403);
    assert.equal((JSON.parse(error.body) as { error: { code: string } }).error.code, 'origin_not_allowed');
  });

  test('a page from a listed origin, and a client that sends no origin, are served', async () => {
    for (const options of [{ origin: 'https://app.example' }, {}]) {
      const client = new MultiplexClient(await openSocket(wsURL(gateway), ['sluice.v1'], options));
      assert.equal((await client.request('a', chatBody({ sim: { tokens: 2 } }))).end.type, 'done');
      client.ws.terminate();
    }
  });
});
