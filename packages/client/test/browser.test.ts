/**
 * The bundled client in Debian's Chromium: a test page imports the esbuild
 * bundle and streams from the real gateway over WebSocket and over SSE.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { simText } from '@sluice/gateway';
import { bundleClient } from '../scripts/bundle.ts';
import { API_KEY, startGatewayRig, type GatewayRig } from './helpers/gateway.ts';
import { startPageServer, type PageServer } from './helpers/page-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>sluice client</title>
<script type="module">
  import { SluiceClient } from '/sluice.js';
  window.stream = async (transport, body) => {
    const client = new SluiceClient({ baseURL: location.origin + '/v1', apiKey: ${JSON.stringify(API_KEY)}, transport });
    try {
      const stream = client.chat.stream(body);
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      const final = await stream.final();
      return { text, finalText: final.text, transport: final.transport, usage: final.usage, streamId: final.streamId };
    } finally {
      client.close();
    }
  };
  window.ready = true;
</script>`;

let rig: GatewayRig;
let pages: PageServer;
let browser: Browser;
let page: Page;
before(async () => {
  if (missing) return;
  rig = await startGatewayRig();
  const bundle = await bundleClient({ minify: true, format: 'esm' });
  pages = await startPageServer(rig.gateway.url, {
    '/': { type: 'text/html; charset=utf-8', body: PAGE },
    '/sluice.js': { type: 'text/javascript; charset=utf-8', body: bundle },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage();
  await page.goto(pages.url);
  await page.waitForFunction('window.ready === true');
});
after(async () => {
  if (missing) return;
  await browser?.close();
  await pages?.close();
  await rig?.close();
});

interface PageResult {
  text: string;
  finalText: string;
  transport: string;
  usage: { completion_tokens: number } | null;
  streamId: string | null;
}

const body = (seed: number) => ({ model: 'gemini-2.5-flash', messages: [{ role: 'user' as const, content: `from the browser ${seed}` }], sim: { seed, tokens: 60 } });

async function streamInPage(transport: string, seed: number): Promise<PageResult> {
  return page.evaluate(([t, b]) => (window as unknown as { stream(t: unknown, b: unknown): Promise<PageResult> }).stream(t, b), [transport, body(seed)] as const);
}

test('in Chromium, the bundle streams from the gateway over SSE', async (t) => {
  if (missing) return t.skip(missing);
  const result = await streamInPage('sse', 1);
  assert.equal(result.text, simText(body(1)));
  assert.equal(result.finalText, result.text);
  assert.equal(result.transport, 'sse');
  assert.equal(result.usage?.completion_tokens, 60);
  assert.ok(result.streamId);
});

test('in Chromium, the bundle streams from the gateway over WebSocket', async (t) => {
  if (missing) return t.skip(missing);
  let result: PageResult;
  try {
    result = await streamInPage('ws', 2);
  } catch (error) {
    if (/upgrade|WebSocket/i.test(String(error)) && !(await gatewayServesWebSocket())) {
      return t.skip('the gateway does not serve the sluice.v1 WebSocket yet');
    }
    throw error;
  }
  assert.equal(result.text, simText(body(2)));
  assert.equal(result.transport, 'ws');
  assert.equal(result.usage?.completion_tokens, 60);
});

async function gatewayServesWebSocket(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${rig.gateway.url.replace('http', 'ws')}/v1/chat/stream`, ['sluice.v1', `bearer.${API_KEY}`]);
    socket.onopen = () => {
      resolve(true);
      socket.close();
    };
    socket.onerror = () => resolve(false);
  });
}
