/**
 * Every JSON endpoint reads JSON whatever the Content-Type says: a browser's
 * `fetch` of a string sends text/plain, curl's `-d` sends form-urlencoded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { chatBody, startTestGateway } from './helpers/gateway.ts';

const TYPES = ['application/json', 'text/plain;charset=UTF-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', null];

describe('JSON bodies under any Content-Type', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startTestGateway();
  });
  after(() => gateway.close());

  for (const [path, expected] of [
    ['/chat/completions', 200],
    ['/streams', 201],
  ] as const) {
    test(`POST /v1${path}`, async () => {
      for (const type of TYPES) {
        const body = new TextEncoder().encode(JSON.stringify(chatBody({ sim: { tokens: 2 } })));
        const response = await fetch(`${gateway.baseURL}${path}`, { method: 'POST', headers: type === null ? {} : { 'content-type': type }, body });
        assert.equal(response.status, expected, `${type}: ${await response.text()}`);
      }
    });
  }

  test('what is not JSON is still a 400 invalid_json, whatever the type', async () => {
    for (const type of TYPES) {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, { method: 'POST', headers: type === null ? {} : { 'content-type': type }, body: new TextEncoder().encode('model=sim/x') });
      assert.equal(response.status, 400, String(type));
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'invalid_json');
    }
  });
});
