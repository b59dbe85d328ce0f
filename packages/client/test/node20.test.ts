/**
 * The built client on Node 20 (the system's `node`, when it is a 20): no
 * global WebSocket there, so the `ws` package is injected; SSE needs nothing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { finishBuild } from '../scripts/finish-build.ts';
import { startPlainUpstream, tokensOf, type PlainUpstream } from './helpers/plain-upstream.ts';
import { startWsTestServer, type WsTestServer } from './helpers/ws-test-server.ts';

const run = promisify(execFile);
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

async function systemNode20(): Promise<string | null> {
  try {
    const { stdout } = await run('/usr/bin/node', ['--version']);
    return stdout.startsWith('v20.') ? '/usr/bin/node' : null;
  } catch {
    return null;
  }
}

let node20: string | null = null;
let outDir = '';
let sse: PlainUpstream;
let ws: WsTestServer;
before(async () => {
  node20 = await systemNode20();
  if (!node20) return;
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  // Build into a folder of its own so this test never races the package test's build.
  outDir = await mkdtemp(join(tmpdir(), 'sluice-client-node20-'));
  await run(process.execPath, [tsc, '-p', join(packageRoot, 'tsconfig.build.json'), '--outDir', outDir]);
  await finishBuild(outDir);
  sse = await startPlainUpstream((body) => ({ kind: 'stream', tokens: tokensOf(String(body.messages[0].content)) }));
  ws = await startWsTestServer((content) => tokensOf(content));
});
after(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
  await sse?.close();
  await ws?.close();
});

test('on Node 20 the built client streams over SSE, and over WebSocket with the ws package injected', async (t) => {
  if (!node20) return t.skip('/usr/bin/node is not Node 20 here');
  const script = `
    import { SluiceClient } from ${JSON.stringify(pathToFileURL(join(outDir, 'index.js')).href)};
    import { WebSocket } from ${JSON.stringify(pathToFileURL(join(dirname(require.resolve('ws/package.json')), 'wrapper.mjs')).href)};
    const ask = (content) => ({ model: 'm', messages: [{ role: 'user', content }] });
    const sse = new SluiceClient({ baseURL: ${JSON.stringify(sse.baseURL)}, transport: 'sse' });
    const ws = new SluiceClient({ baseURL: ${JSON.stringify(ws.baseURL)}, transport: 'ws', WebSocket });
    const a = await sse.chat.stream(ask('over sse on node twenty')).final();
    const b = await ws.chat.stream(ask('over ws on node twenty')).final();
    ws.close();
    console.log(JSON.stringify([process.version.split('.')[0], a.text, a.transport, b.text, b.transport, typeof globalThis.WebSocket]));
  `;
  const { stdout } = await run(node20, ['--input-type=module', '-e', script]);
  assert.deepEqual(JSON.parse(stdout), ['v20', 'over sse on node twenty', 'sse', 'over ws on node twenty', 'ws', 'undefined']);
});
