/**
 * Mutated request bodies of every inbound API over HTTP: every one is
 * answered with a status below 500 (a 4xx in its API's error shape when it
 * is refused, and a 4xx whenever it had to be), and the gateway is left as
 * it was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { rawHttp } from '../helpers/raw-http.ts';
import { fuzzBody } from './bodies.ts';
import { assertClientAnswer, assertHealthy, runs, SEED, useFuzzGateway } from './harness.ts';

const CONTENT_TYPES = ['application/json', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', null];

const fuzz = useFuzzGateway();

test(`request bodies of every API, mutated (seed ${SEED})`, async () => {
  const port = fuzz.port;
  await fc.assert(
    fc.asyncProperty(fuzzBody, fc.constantFrom(...CONTENT_TYPES), async (body, type) => {
      const path = body.path;
      const head = [`POST ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, `Content-Length: ${body.bytes.length}`, 'Connection: close', ...(type === null ? [] : [`Content-Type: ${type}`])];
      const answer = await rawHttp(port, [Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), body.bytes])], { waitMs: 5_000 });
      const what = `${path} (${type}): ${body.what}`;
      assert.ok(answer.status !== null, `${what}: no answer`);
      assertClientAnswer(answer, what);
      if (body.invalid) assert.ok(answer.status >= 400 && answer.status < 500, `${what}: must be refused, got ${answer.status}`);
      await assertHealthy(fuzz.gateway, fuzz.baseline);
    }),
    runs(500),
  );
});
