/**
 * The README's `POST /v1/streams` + `EventSource` example, verbatim (only
 * the gateway's address changes), in Chromium, on a page from another
 * loopback origin: its `fetch` sends the body as text/plain, as browsers do
 * for a string, and the stream reads to the end.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { simText, type RunningGateway } from '@sluice/gateway';
import { browserSkip, launchChromium } from './helpers/browser.ts';
import { startTestGateway } from './helpers/gateway.ts';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const EXAMPLE = /```js\n((?:(?!```)[\s\S])*new EventSource(?:(?!```)[\s\S])*)```/.exec(README)?.[1];

describe("the README's EventSource example in a browser", { skip: browserSkip }, () => {
  let gateway: RunningGateway;
  let browser: Browser;
  // The page's own server: another loopback origin than the gateway's (Chromium keeps loopback pages and addresses together).
  let pages: Server;
  let html = '';
  before(async () => {
    gateway = await startTestGateway();
    browser = await launchChromium();
    pages = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await browser?.close();
    await gateway?.close();
    await new Promise((resolve) => pages?.close(resolve));
  });

  test('streams the whole answer from a page on another loopback origin', async () => {
    assert.ok(EXAMPLE, 'the README has a js block with new EventSource');
    assert.match(EXAMPLE, /fetch\('http:\/\/127\.0\.0\.1:8787\/v1\/streams', \{ method: 'POST', body: JSON\.stringify\(body\) \}\)/, 'the example posts a string, with no content-type');
    const body = { model: 'gpt-4.1', messages: [{ role: 'user' as const, content: 'Hello from a browser' }], sim: { tokens: 40, delayMs: 2 } };
    const page = await browser.newPage();
    html = `<!doctype html><meta charset="utf-8"><script type="module">
      const body = ${JSON.stringify(body)};
      window.text = '';
      const render = (chunk) => { window.text += chunk.choices[0]?.delta?.content ?? ''; };
      ${EXAMPLE.replaceAll('http://127.0.0.1:8787', gateway.url)}
      window.sourceState = () => source.readyState;
    </script>`;
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => errors.push(`console: ${message.text()}`));
    await page.goto(`http://localhost:${(pages.address() as AddressInfo).port}/readme.html`);
    await page.waitForFunction('window.sourceState && window.sourceState() === 2', undefined, { timeout: 10_000 }).catch((error: Error) => assert.fail(`${error.message}: ${errors.join('; ')}`));
    assert.deepEqual(errors, []);
    assert.equal(await page.evaluate('window.text'), simText(body));
    await page.close();
  });
});
