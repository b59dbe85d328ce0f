/**
 * Stream tokens (and any other credential in a query string) never reach
 * the log: a failed request to `/v1/streams/{id}?token=…` is logged with
 * the token redacted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatBody, postChat, startTestGateway } from './helpers/gateway.ts';
import { captureLog } from './helpers/log.ts';
import { readSse } from './helpers/sse.ts';

test('failed stream requests are logged without the tokens they carried', async () => {
  const log = captureLog('debug');
  const gateway = await startTestGateway({ keys: [{ name: 'app', key: 'sk-app-0123456789' }] }, { logger: log.logger });
  const auth = { authorization: 'Bearer sk-app-0123456789' };
  try {
    const tokens: string[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await postChat(gateway, chatBody({ stream: true, sim: { tokens: 2 } }), { ...auth, 'x-sluice-resumable': '1' });
      ids.push(response.headers.get('x-sluice-stream-id')!);
      tokens.push(response.headers.get('x-sluice-stream-token')!);
      await readSse(response);
    }
    const [id, other] = ids;
    const [token] = tokens;
    const failures: [string, string, Record<string, string>, number][] = [
      ['a bad after', `/v1/streams/${id}?token=${token}&after=soon`, {}, 400],
      ['a stale key beside the token', `/v1/streams/${id}?token=${token}`, { authorization: 'Bearer sk-revoked-000000' }, 401],
      ['the token of another stream', `/v1/streams/${other}?token=${token}`, {}, 404],
      ['a token under another name', `/v1/streams/${id}?after=x&api_key=${tokens[1]}`, {}, 400],
    ];
    for (const [what, path, headers, status] of failures) assert.equal((await fetch(`${gateway.url}${path}`, { headers })).status, status, what);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = log.text();
    for (const issued of tokens) assert.ok(!text.includes(issued), 'no issued token is in the log');
    const logged = log.lines().filter((line) => typeof line.url === 'string').map((line) => line.url as string);
    assert.equal(logged.length, failures.length, 'every failure was logged, with its URL');
    assert.ok(logged.every((url) => url.includes('=[redacted]')), logged.join('\n'));
    assert.ok(logged[0].includes('after=soon'), 'other parameters stay');
  } finally {
    await gateway.close();
  }
});
