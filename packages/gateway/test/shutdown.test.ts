import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { chatBody } from './helpers/gateway.ts';
import { serveCli } from './helpers/cli.ts';
import { readSse } from './helpers/sse.ts';

function config(drainTimeoutMs: number): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sluice-shutdown-')), 'config.json');
  writeFileSync(path, JSON.stringify({ ledger: false, shutdown: { drainTimeoutMs }, logLevel: 'info' }));
  return path;
}

function post(baseURL: string, body: unknown): Promise<Response> {
  return fetch(`${baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('graceful shutdown', () => {
  test('SIGTERM lets an open stream finish, refuses new work, and exits 0', async () => {
    const server = await serveCli(['--config', config(5_000)]);
    const response = await post(server.baseURL, chatBody({ stream: true, sim: { tokens: 20, delayMs: 20 } }));
    const reading = readSse(response);
    server.child.kill('SIGTERM');
    const sse = await reading;
    assert.equal(sse.data.at(-1), '[DONE]', 'the open stream finished');
    assert.equal(sse.data.length, 1 + 20 + 1 + 1, 'role, 20 tokens, finish, [DONE]');
    assert.equal(await server.exited, 0);
    await assert.rejects(post(server.baseURL, chatBody()), 'no longer listening');
  });

  test('past the drain timeout, open streams end with an error event and the process still exits 0', async () => {
    const server = await serveCli(['--config', config(200)]);
    const response = await post(server.baseURL, chatBody({ stream: true, sim: { tokens: 1000, delayMs: 20 } }));
    const reading = readSse(response);
    server.child.kill('SIGTERM');
    const sse = await reading;
    const last = sse.events.at(-1);
    assert.equal(last?.event, 'error');
    assert.equal((JSON.parse(last!.data) as { error: { code: string } }).error.code, 'shutting_down');
    assert.equal(await server.exited, 0);
  });
});
