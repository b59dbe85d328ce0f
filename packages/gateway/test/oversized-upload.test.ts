/**
 * A client that uploads too much reads its 413 (and one without a key its
 * 401) every time, instead of a broken pipe that SDKs take for a network
 * error and retry: the answer goes out at once, the rest of the upload is
 * read and discarded, and only then is the connection closed. The gateway
 * runs in its own process, as it does in use: sharing the test's event loop
 * would pace the upload to the server and hide the race.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { serveCli } from './helpers/cli.ts';

const TIMES = 20;
const KEY = 'sk-upload-0123456789';
// 40 MB of message text, over the default 16 MiB body limit.
const HUGE = 'x'.repeat(40 * 1024 * 1024);
const body = JSON.stringify({ model: 'sim/m', messages: [{ role: 'user', content: HUGE }] });

async function status(baseURL: string, init: RequestInit): Promise<{ status: number; code: string | null }> {
  const response = await fetch(`${baseURL}/chat/completions`, { method: 'POST', ...init });
  const answer = (await response.json()) as { error?: { code: string | null } };
  return { status: response.status, code: answer.error?.code ?? null };
}

describe('uploads over the body limit', () => {
  let gateway: Awaited<ReturnType<typeof serveCli>>;
  before(async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'sluice-upload-')), 'config.json');
    writeFileSync(config, JSON.stringify({ keys: [{ name: 'app', key: KEY }], ledger: false }));
    gateway = await serveCli(['--config', config]);
  });
  after(async () => {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
  });

  test(`fetch gets the 413 every time of ${TIMES}`, async () => {
    const seen: string[] = [];
    for (let i = 0; i < TIMES; i++) {
      try {
        const { status: got, code } = await status(gateway.baseURL, { headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body });
        seen.push(`${got} ${code}`);
      } catch (error) {
        seen.push(`${(error as Error).message}: ${String((error as { cause?: unknown }).cause)}`);
      }
    }
    assert.deepEqual(seen, Array(TIMES).fill('413 body_too_large'));
  });

  test(`the openai SDK gets a 413 APIError every time of ${TIMES}, so it does not retry`, async () => {
    const openai = new OpenAI({ baseURL: gateway.baseURL, apiKey: KEY, maxRetries: 0 });
    const seen: string[] = [];
    for (let i = 0; i < TIMES; i++) {
      try {
        await openai.chat.completions.create({ model: 'sim/m', messages: [{ role: 'user', content: HUGE }] });
        seen.push('accepted');
      } catch (error) {
        seen.push(error instanceof OpenAI.APIError ? `${error.status} ${error.code}` : `${(error as Error).name}: ${(error as Error).message}`);
      }
    }
    assert.deepEqual(seen, Array(TIMES).fill('413 body_too_large'));
  });

  test('an upload streamed without a length gets its 413 too', async () => {
    for (let i = 0; i < 3; i++) {
      const stream = new Blob([body]).stream();
      const answer = await status(gateway.baseURL, { headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
      assert.deepEqual(answer, { status: 413, code: 'body_too_large' });
    }
  });

  test(`a 40 MB upload without a key gets the 401 every time of ${TIMES / 2}`, async () => {
    const seen: string[] = [];
    for (let i = 0; i < TIMES / 2; i++) {
      try {
        const { status: got, code } = await status(gateway.baseURL, { headers: { 'content-type': 'application/json' }, body });
        seen.push(`${got} ${code}`);
      } catch (error) {
        seen.push(`${(error as Error).message}: ${String((error as { cause?: unknown }).cause)}`);
      }
    }
    assert.deepEqual(seen, Array(TIMES / 2).fill('401 invalid_api_key'));
  });

  test('after all that, the gateway serves a normal request', async () => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: JSON.stringify({ model: 'sim/m', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(response.status, 200);
  });
});
