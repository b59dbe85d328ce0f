import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { simText, type RunningGateway } from '@sluice/gateway';
import { chromium, type Browser } from 'playwright-core';
import { startTestGateway } from './helpers/gateway.ts';

const CHROMIUM = '/usr/bin/chromium';
const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
/** The key the README's browser example carries. */
const KEY = 'your-gateway-key';

/** The README's browser example: the `<script>` of its html block that speaks sluice.v1. */
function readmeBrowserExample(): string {
  const blocks = [...readFileSync(README, 'utf8').matchAll(/```html\n([\s\S]*?)```/g)].map((m) => m[1]);
  const example = blocks.find((block) => block.includes('sluice.v1'));
  assert.ok(example !== undefined, 'the README has a browser example');
  return example;
}

describe('the README\'s browser example, in Chromium', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium)` }, () => {
  let gateway: RunningGateway;
  let browser: Browser;

  before(async () => {
    gateway = await startTestGateway({ keys: [{ name: 'browser', key: KEY }] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await gateway.close();
  });

  test('streams the answer into the page, authenticated by the bearer subprotocol, and logs usage and cost', async () => {
    const page = await browser.newPage();
    const logs: string[] = [];
    page.on('console', (message) => logs.push(message.text()));
    const script = readmeBrowserExample().replace('ws://127.0.0.1:8787', gateway.url.replace(/^http/, 'ws'));
    await page.setContent(`<!doctype html><html><body></body></html>`);
    await page.addScriptTag({ content: script.replace(/<\/?script>/g, '') });
    const expected = simText({ model: 'deepseek-v3.2', messages: [{ role: 'user', content: 'Hello' }] });
    await page.waitForFunction((text) => document.body.textContent === text, expected, { timeout: 10_000 });
    const deadline = Date.now() + 5000;
    while (!logs.some((line) => line.startsWith('usage')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(logs.some((line) => /^usage .*cost \$ [0-9.e-]+$/.test(line)), `console: ${logs.join(' | ')}`);
    await page.close();
  });
});
