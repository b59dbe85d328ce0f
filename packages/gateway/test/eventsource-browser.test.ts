import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { simText, type RunningGateway } from '@sluice/gateway';
import { browserSkip, launchChromium } from './helpers/browser.ts';
import { startCuttingProxy, type CuttingProxy } from './helpers/cutting-proxy.ts';
import { startTestGateway } from './helpers/gateway.ts';

/** The page: start a stream with POST /v1/streams, then read it with the browser's own EventSource. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>sluice EventSource</title>
<script>
window.run = async (body) => {
  const created = await fetch('/v1/streams', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const { url } = await created.json();
  return new Promise((resolve) => {
    const source = new EventSource(url);
    const ids = [];
    let text = '';
    let drops = 0;
    source.onerror = () => { drops++; };
    source.onmessage = (event) => {
      ids.push(Number(event.lastEventId));
      if (event.data === '[DONE]') { source.close(); resolve({ text, ids, drops }); return; }
      const chunk = JSON.parse(event.data);
      text += (chunk.choices[0] && chunk.choices[0].delta.content) || '';
    };
  });
};
</script>`;

describe("a browser's stock EventSource resumes by itself", { skip: browserSkip }, () => {
  let gateway: RunningGateway;
  let proxy: CuttingProxy;
  let browser: Browser;

  before(async () => {
    gateway = await startTestGateway({ streams: { clientRetryMs: 100 } });
    // The first connection that carries more than 3 KB towards the browser is cut; the rest pass.
    let cutDone = false;
    proxy = await startCuttingProxy(Number(new URL(gateway.url).port), () => {
      if (cutDone) return null;
      cutDone = true;
      return 3_000;
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await proxy?.close();
    await gateway?.close();
  });

  test('through a proxy that cuts the stream, the page ends with the exact full text', async () => {
    const page = await browser.newPage();
    await page.route(`${proxy.url}/page.html`, (route) => route.fulfill({ contentType: 'text/html', body: PAGE }));
    await page.goto(`${proxy.url}/page.html`);
    const body = { model: 'sim/browser', messages: [{ role: 'user', content: 'stream to a browser' }], sim: { tokens: 120, delayMs: 4 } };
    const result = (await page.evaluate('run(' + JSON.stringify(body) + ')')) as { text: string; ids: number[]; drops: number };
    assert.equal(proxy.cuts(), 1, 'the proxy cut the stream once');
    assert.ok(result.drops >= 1, 'the page saw the drop');
    assert.deepEqual(result.ids, result.ids.map((_, i) => i + 1), 'every event once, in order');
    assert.equal(result.text, simText({ ...body, model: 'browser' } as never));
    await page.close();
  });
});
