/**
 * `sluice chat` streams an answer through the SDK from a real gateway and
 * ends with usage and cost; bad flags get a clear error.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { simText } from '@sluice/gateway';
import { API_KEY, startGatewayRig, type GatewayRig } from './helpers/gateway.ts';

const MAIN = fileURLToPath(new URL('../../gateway/src/cli/main.ts', import.meta.url));

function sluice(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=@sluice/source', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

let rig: GatewayRig;
before(async () => {
  rig = await startGatewayRig();
});
after(() => rig.close());

test('sluice chat prints the streamed answer, then usage and cost', async () => {
  const prompt = 'What is a sluice?';
  const { code, stdout, stderr } = await sluice(['chat', '--url', rig.gateway.url, '--key', API_KEY, '--model', 'gpt-4.1', '--transport', 'sse', prompt]);
  assert.equal(code, 0, stderr);
  const expected = simText({ model: 'gpt-4.1', messages: [{ role: 'user', content: prompt }] });
  assert.equal(stdout, `${expected}\n`);
  assert.match(stderr, /gpt-4\.1 over sse: \d+ prompt \+ 32 completion tokens, \$0\.000\d+/);
});

test('sluice chat reports a refused key and a bad flag clearly, with a failing exit code', async () => {
  const refused = await sluice(['chat', '--url', rig.gateway.baseURL, '--key', 'sk-not-a-real-key', '--transport', 'sse', 'hi']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /sluice chat: invalid_api_key/);
  assert.match(refused.stderr, /refused the key given with --key; check --key \(or SLUICE_API_KEY\)/);
  const none = await sluice(['chat', '--url', rig.gateway.baseURL, '--transport', 'sse', 'hi'], { SLUICE_API_KEY: '' });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /refused no key; check --key \(or SLUICE_API_KEY\)/);
  const badFlag = await sluice(['chat', '--transport', 'pigeon', 'hi']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--transport: "pigeon" is not one of auto, sse, ws/);
});
