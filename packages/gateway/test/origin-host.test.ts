/**
 * A gateway without keys is not open to every web page the user visits:
 * only loopback pages may call it (CORS and WebSocket alike), and it
 * answers only to loopback Host names, so DNS rebinding cannot reach it.
 * With keys, any page may call (it still needs a key), under any Host.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { chatBody, startTestGateway } from './helpers/gateway.ts';
import { rawHttp, wireErrorOf } from './helpers/raw-http.ts';
import { openSocket, wsURL } from './helpers/ws.ts';

const KEY = 'sk-origins-0123456789';

function portOf(gateway: RunningGateway): number {
  return Number(new URL(gateway.url).port);
}

/** A request with a Host and Origin of our choosing (fetch may set neither). */
function ask(gateway: RunningGateway, options: { method?: string; host?: string; origin?: string; key?: boolean; body?: string }) {
  const port = portOf(gateway);
  const body = options.body ?? '';
  const lines = [
    `${options.method ?? 'GET'} ${options.method === 'POST' ? '/v1/chat/completions' : '/v1/models'} HTTP/1.1`,
    `Host: ${options.host ?? `127.0.0.1:${port}`}`,
    ...(options.origin === undefined ? [] : [`Origin: ${options.origin}`]),
    ...(options.key ? [`Authorization: Bearer ${KEY}`] : []),
    ...(options.method === 'OPTIONS' ? ['Access-Control-Request-Method: POST', 'Access-Control-Request-Headers: content-type'] : []),
    ...(body === '' ? [] : ['Content-Type: text/plain;charset=UTF-8', `Content-Length: ${Buffer.byteLength(body)}`]),
    'Connection: close',
  ];
  return rawHttp(port, [`${lines.join('\r\n')}\r\n\r\n${body}`], { waitMs: 5_000 });
}

async function upgradeRefusal(url: string, options: { origin?: string; headers?: Record<string, string> }): Promise<{ status: number; body: string }> {
  try {
    (await openSocket(url, ['sluice.v1'], options)).terminate();
  } catch (error) {
    return error as { status: number; body: string };
  }
  return { status: 101, body: '' };
}

describe('a gateway without keys', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startTestGateway();
  });
  after(() => gateway.close());

  test('a preflight from another site is refused, with no CORS grant', async () => {
    const answer = await ask(gateway, { method: 'OPTIONS', origin: 'https://evil.example' });
    assert.equal(answer.status, 403);
    assert.equal(wireErrorOf(answer)?.code, 'origin_not_allowed');
    assert.equal(answer.headers['access-control-allow-origin'], undefined);
  });

  test("another site's simple POST (text/plain, no preflight) is refused before anything runs", async () => {
    const answer = await ask(gateway, { method: 'POST', origin: 'https://evil.example', body: JSON.stringify(chatBody({ sim: { tokens: 2 } })) });
    assert.equal(answer.status, 403);
    assert.equal(wireErrorOf(answer)?.code, 'origin_not_allowed');
  });

  test('loopback pages, on any port, are allowed and granted their own origin', async () => {
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://[::1]:8080']) {
      const preflight = await ask(gateway, { method: 'OPTIONS', origin });
      assert.equal(preflight.status, 204, origin);
      assert.equal(preflight.headers['access-control-allow-origin'], origin);
      const post = await ask(gateway, { method: 'POST', origin, body: JSON.stringify(chatBody({ sim: { tokens: 2 } })) });
      assert.equal(post.status, 200, origin);
    }
  });

  test('a Host that is not a loopback name is refused (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${portOf(gateway)}`, '10.0.0.7', 'localhost.evil.example']) {
      const answer = await ask(gateway, { host });
      assert.equal(answer.status, 403, host);
      assert.equal(wireErrorOf(answer)?.code, 'host_not_allowed', host);
    }
  });

  test('loopback Host names, and the bound address, are served', async () => {
    const port = portOf(gateway);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost', `127.0.0.2:${port}`]) {
      assert.equal((await ask(gateway, { host })).status, 200, host);
    }
  });

  test('WebSocket upgrades follow the same rules', async () => {
    const evil = await upgradeRefusal(wsURL(gateway), { origin: 'https://evil.example' });
    assert.equal(evil.status, 403);
    assert.equal((JSON.parse(evil.body) as { error: { code: string } }).error.code, 'origin_not_allowed');
    const rebound = await upgradeRefusal(wsURL(gateway), { headers: { host: 'evil.example' } });
    assert.equal(rebound.status, 403);
    assert.equal((JSON.parse(rebound.body) as { error: { code: string } }).error.code, 'host_not_allowed');
    assert.equal((await upgradeRefusal(wsURL(gateway), { origin: 'http://localhost:5173' })).status, 101);
    assert.equal((await upgradeRefusal(wsURL(gateway), {})).status, 101, 'a client that is not a browser sends no Origin');
  });
});

describe('a gateway with keys', () => {
  let gateway: RunningGateway;
  let listed: RunningGateway;
  before(async () => {
    gateway = await startTestGateway({ keys: [{ name: 'app', key: KEY }] });
    listed = await startTestGateway({ keys: [{ name: 'app', key: KEY }], server: { corsOrigins: ['https://app.example'] } });
  });
  after(async () => {
    await gateway.close();
    await listed.close();
  });

  test('any page and any Host may call, with the key', async () => {
    const preflight = await ask(gateway, { method: 'OPTIONS', origin: 'https://anywhere.example' });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
    assert.equal((await ask(gateway, { host: 'gateway.internal.example', key: true })).status, 200);
    assert.equal((await ask(gateway, { host: 'gateway.internal.example' })).status, 401);
  });

  test('with corsOrigins listed, other pages are refused; the gateway\'s own origin never is', async () => {
    assert.equal((await ask(listed, { method: 'OPTIONS', origin: 'https://app.example' })).status, 204);
    const other = await ask(listed, { origin: 'https://other.example', key: true });
    assert.equal(other.status, 403);
    assert.equal(wireErrorOf(other)?.code, 'origin_not_allowed');
    assert.equal((await ask(listed, { origin: `http://127.0.0.1:${portOf(listed)}`, key: true })).status, 200);
  });
});
