/**
 * The dashboard in Debian's Chromium, as `npm install` built it: the login
 * refuses a wrong admin key, the Live page follows a running stream and
 * cancels it upstream, Requests finds a request by key and model, Traffic
 * draws its charts, Spend creates, changes (its expiry too) and revokes a key, Health shows
 * each deployment's breaker as the API does, and every page is photographed at 1280×800 (into
 * test/output/dashboard/). Any console error fails the test.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSimServer, type RunningGateway, type SimServer } from '@sluice/gateway';
import type { Browser, Page } from 'playwright-core';
import { browserSkip, launchChromium } from './helpers/browser.ts';
import { chatBody, postChat, startGatewayWithUpstream, upstreamProvider } from './helpers/gateway.ts';
import { ADMIN_KEY, adminCall, startAdminGateway } from './helpers/admin.ts';
import { nextEvent, readSse } from './helpers/sse.ts';

const OUTPUT = fileURLToPath(new URL('./output/dashboard/', import.meta.url));
const BUNDLE = fileURLToPath(new URL('../dist/dashboard/', import.meta.url));
const KEY_ALICE = 'sk-dashboard-alice-0123456789';
const KEY_BOB = 'sk-dashboard-bob-0123456789';

describe('the dashboard in Chromium', { skip: browserSkip }, () => {
  let upstream: SimServer;
  let gateway: RunningGateway;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    upstream = await startSimServer();
    gateway = await startAdminGateway({
      keys: [
        { name: 'alice', key: KEY_ALICE, limits: { budget: { usd: 0.05, period: 'day' }, rpm: 600, tpm: 200_000 } },
        { name: 'bob', key: KEY_BOB },
      ],
      providers: [upstreamProvider('up', upstream.baseURL)],
      models: [
        { name: 'fast', target: 'up/fast-model', price: { input: 2, output: 8 } },
        { name: 'smart', target: 'up/smart-model', price: { input: 5, output: 20 } },
        { name: 'flaky', target: 'up/flaky-model' },
      ],
      // Two failures in a row open a breaker, so that the Health page has an open one to show.
      health: { breaker: { failureThreshold: 2, cooldownMs: 600_000 } },
      ledger: { path: join(mkdtempSync(join(tmpdir(), 'sluice-dashboard-')), 'ledger.db') },
    });
    // Some history for Traffic, Spend and Requests.
    const send = async (key: string, model: string, sim: object) => readSse(await postChat(gateway, chatBody({ model, stream: true, sim }), { authorization: `Bearer ${key}` }));
    for (let i = 0; i < 6; i++) await send(KEY_ALICE, 'fast', { tokens: 20 + i * 5, ttftMs: 20 + i * 10 });
    for (let i = 0; i < 4; i++) await send(KEY_BOB, 'smart', { tokens: 40, ttftMs: 60 });
    await (await postChat(gateway, chatBody({ model: 'smart', stream: true, sim: { fault: { status: 400 } } }), { authorization: `Bearer ${KEY_BOB}` })).text();
    for (let i = 0; i < 2; i++) await (await postChat(gateway, chatBody({ model: 'flaky', sim: { fault: { status: 500 } } }), { authorization: `Bearer ${KEY_ALICE}` })).text();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
  });
  after(async () => {
    await browser?.close();
    await gateway?.close();
    await upstream?.close();
  });

  const shoot = (name: string) => page.screenshot({ path: join(OUTPUT, `${name}.png`) });

  test('npm install built the bundle the gateway serves, under 100 KB gzipped', async () => {
    const gzipped = ['app.js.gz', 'app.css.gz'].reduce((total, name) => total + statSync(join(BUNDLE, name)).size, 0);
    assert.ok(gzipped < 100 * 1024, `${gzipped} bytes gzipped`);
    const script = await fetch(`${gateway.url}/dashboard/app.js`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(script.status, 200);
    assert.equal(script.headers.get('content-encoding'), 'gzip');
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    const shell = await fetch(`${gateway.url}/dashboard`);
    assert.match(shell.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  });

  test('the login refuses a wrong admin key and takes the right one', async () => {
    await page.goto(`${gateway.url}/dashboard`);
    await page.fill('input[name=key]', 'not-the-admin-key-at-all');
    await page.click('button[type=submit]');
    await page.getByRole('alert').filter({ hasText: 'not the admin key' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('sluice.adminKey')), null);
    await shoot('login');
    await page.fill('input[name=key]', ADMIN_KEY);
    await page.click('button[type=submit]');
    await page.getByTestId('feed').filter({ hasText: 'live' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('sluice.adminKey')), ADMIN_KEY);
    assert.equal((await page.context().cookies()).length, 0, 'no cookie');
  });

  test('Live shows a running stream whose token count rises, and its Cancel reaches the upstream', async () => {
    await page.goto(`${gateway.url}/dashboard#live`);
    const aborted = nextEvent<{ requestId: number; tokensSent: number }>(upstream.events, 'abort', 20_000);
    const controller = new AbortController();
    const response = await postChat(gateway, chatBody({ model: 'fast', stream: true, sim: { tokens: 2000, delayMs: 25 } }), { authorization: `Bearer ${KEY_ALICE}` }, controller.signal);
    const streamId = response.headers.get('x-sluice-stream-id')!;
    const reading = readSse(response).catch(() => null);
    const row = page.locator(`tr[data-stream="${streamId}"]`);
    await row.waitFor({ timeout: 10_000 });
    const tokens = async () => Number((await row.getByTestId('tokens').textContent())!.replace(/,/g, ''));
    const first = await tokens();
    await page.waitForFunction(
      ({ id, before }) => Number(document.querySelector(`tr[data-stream="${id}"] [data-testid=tokens]`)?.textContent?.replace(/,/g, '')) > before + 5,
      { id: streamId, before: first },
      { timeout: 10_000 },
    );
    assert.ok((await tokens()) > first);
    assert.match((await row.textContent()) ?? '', /alice/);
    await shoot('live');
    await row.getByRole('button', { name: 'Cancel' }).click();
    const abort = await aborted;
    assert.ok(abort.tokensSent < 2000, 'the upstream stopped before its end');
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    await reading;
    controller.abort();
  });

  test('Requests finds a request by key and model, and shows its detail', async () => {
    await page.goto(`${gateway.url}/dashboard#requests`);
    await page.locator('table.ledger tbody tr').first().waitFor({ timeout: 10_000 });
    await page.fill('input[name=key]', 'bob');
    await page.fill('input[name=model]', 'smart');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('table.ledger tbody tr')];
      return rows.length === 5 && rows.every((r) => r.textContent!.includes('bob') && r.textContent!.includes('smart'));
    }, undefined, { timeout: 10_000 });
    await page.locator('table.ledger tbody tr').filter({ hasText: 'error' }).first().click();
    const detail = page.getByTestId('detail');
    await detail.waitFor();
    assert.match((await detail.textContent()) ?? '', /Key\s*bob/);
    assert.match((await detail.textContent()) ?? '', /Deployment\s*up\/smart-model/);
    await shoot('requests');
  });

  test('Traffic draws its charts with data', async () => {
    await page.goto(`${gateway.url}/dashboard#traffic`);
    await page.locator('.chart canvas').nth(4).waitFor({ timeout: 10_000 });
    // The requests chart has a series per model, and its canvas holds the first series' colour (#4e79a7).
    await page.waitForFunction(() => {
      const chart = document.querySelector('.chart .plot[data-series]');
      const canvas = chart?.querySelector('canvas');
      if (!chart || Number(chart.getAttribute('data-series')) < 2 || !canvas) return false;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let coloured = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - 78) < 12 && Math.abs(data[i + 1] - 121) < 12 && Math.abs(data[i + 2] - 167) < 12) coloured++;
      return coloured > 10;
    }, undefined, { timeout: 10_000 });
    const series = await page.locator('.chart .plot').evaluateAll((plots) => plots.map((p) => Number(p.getAttribute('data-series'))));
    assert.ok(series.slice(0, 3).every((n) => n > 0), `series per chart: ${series}`);
    await shoot('traffic');
  });

  test('Spend creates a key whose secret is shown once and works, changes its limits and expiry, clears an expiry, and revokes it', async () => {
    await page.goto(`${gateway.url}/dashboard#spend`);
    const alice = page.locator('.keys tr[data-key="alice"]');
    // A config key: its remaining requests and tokens show, and it has no Edit or Revoke.
    await alice.getByTestId('remaining').filter({ hasText: 'req' }).waitFor({ timeout: 10_000 });
    assert.equal(await alice.getByRole('button').count(), 0);
    await page.getByRole('button', { name: 'New key' }).click();
    const form = page.getByTestId('create-key');
    await form.locator('input[name=name]').fill('carol');
    await form.locator('input[name=rpm]').fill('120');
    await form.locator('input[name=budgetUsd]').fill('2');
    await form.locator('input[name=models]').fill('fast, smart');
    await form.locator('input[name=expiresAt]').fill('2031-03-04T05:06');
    await form.getByRole('button', { name: 'Create' }).click();
    const secretBox = page.getByTestId('secret');
    await secretBox.waitFor({ timeout: 10_000 });
    const secret = (await secretBox.locator('code').textContent())!;
    const carol = page.locator('.keys tr[data-key="carol"]');
    await carol.waitFor({ timeout: 10_000 });
    assert.match((await carol.textContent()) ?? '', /120 rpm · \$2\.00\/month/);
    // The expiry typed in the browser's time zone is the API's instant, and the table shows it.
    const expiry = (local: string) => page.evaluate((value) => new Date(value).toISOString(), local);
    const carolOf = async () => (await adminCall(gateway, 'GET', '/admin/keys')).body.data.find((k: { name: string }) => k.name === 'carol');
    assert.equal((await carolOf()).expiresAt, await expiry('2031-03-04T05:06'));
    assert.notEqual(await carol.getByTestId('expires').textContent(), 'never');
    await shoot('spend-new-key');
    const chat = () => postChat(gateway, chatBody({ model: 'fast', stream: true, sim: { tokens: 5 } }), { authorization: `Bearer ${secret}` });
    const allowed = await chat();
    assert.equal(allowed.status, 200);
    await readSse(allowed);
    await secretBox.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByTestId('secret').count(), 0, 'the secret is not shown again');

    await carol.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByTestId('edit-key');
    // The edit form shows the current expiry; it is changed with the limits.
    assert.equal(await edit.locator('input[name=expiresAt]').inputValue(), '2031-03-04T05:06');
    await edit.locator('input[name=rpm]').fill('60');
    await edit.locator('input[name=tpm]').fill('5000');
    await edit.locator('input[name=expiresAt]').fill('2032-07-08T09:10');
    await edit.getByRole('button', { name: 'Save' }).click();
    await carol.filter({ hasText: '60 rpm · 5,000 tpm' }).waitFor({ timeout: 10_000 });
    const id = (await carolOf()).id;
    const shown = await adminCall(gateway, 'GET', `/admin/keys/${id}`);
    assert.deepEqual(shown.body.limits, { rpm: 60, tpm: 5000, budget: { usd: 2, period: 'month' } });
    assert.deepEqual(shown.body.models, ['fast', 'smart']);
    assert.equal(shown.body.expiresAt, await expiry('2032-07-08T09:10'));

    // Expired, the key is refused; its Edit clears the expiry ("Never expire") and it works again.
    assert.equal((await adminCall(gateway, 'PATCH', `/admin/keys/${id}`, { expiresAt: new Date(Date.now() - 1000).toISOString() })).status, 200);
    await page.reload();
    await carol.getByTestId('status').filter({ hasText: 'expired' }).waitFor({ timeout: 10_000 });
    const expired = await chat();
    assert.equal(expired.status, 401);
    await expired.text();
    await carol.getByRole('button', { name: 'Edit' }).click();
    await edit.getByTestId('clear-expiry').click();
    assert.equal(await edit.locator('input[name=expiresAt]').inputValue(), '');
    await edit.getByRole('button', { name: 'Save' }).click();
    await carol.getByTestId('status').filter({ hasText: 'active' }).waitFor({ timeout: 10_000 });
    assert.equal(await carol.getByTestId('expires').textContent(), 'never');
    assert.equal((await carolOf()).expiresAt, null);
    const again = await chat();
    assert.equal(again.status, 200);
    await readSse(again);

    page.once('dialog', (dialog) => void dialog.accept());
    await carol.getByRole('button', { name: 'Revoke' }).click();
    await carol.getByTestId('status').filter({ hasText: 'revoked' }).waitFor({ timeout: 10_000 });
    assert.equal(await carol.getByRole('button').count(), 0);
    const refused = await chat();
    assert.equal(refused.status, 401);
    await refused.text();
  });

  test('Health shows each deployment\'s breaker as the API does, an open one included', async () => {
    const api = await adminCall(gateway, 'GET', '/admin/health');
    const states = new Map<string, string>(api.body.breakers.map((b: { deployment: string; breaker: string }) => [b.deployment, b.breaker]));
    assert.equal(states.get('up/flaky-model'), 'open');
    assert.equal(states.get('up/fast-model'), 'closed');
    await page.goto(`${gateway.url}/dashboard#health`);
    for (const [deployment, state] of states) {
      await page.locator(`table.breakers tr[data-deployment="${deployment}"] [data-testid=breaker]`).filter({ hasText: state }).waitFor({ timeout: 10_000 });
    }
  });

  test('Spend and Health show keys against budget and the deployments', async () => {
    await page.goto(`${gateway.url}/dashboard#spend`);
    await page.locator('td', { hasText: 'alice' }).first().waitFor({ timeout: 10_000 });
    assert.match((await page.locator('.spend').textContent()) ?? '', /\/day/);
    await shoot('spend');
    await page.goto(`${gateway.url}/dashboard#health`);
    await page.locator('td', { hasText: 'up/smart-model' }).first().waitFor({ timeout: 10_000 });
    assert.match((await page.locator('[data-probe="Ledger database"]').textContent()) ?? '', /connected/);
    assert.equal(await page.getByTestId('replicas').count(), 0, 'no Redis, no replica list');
    await shoot('health');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${gateway.url}/dashboard#live`);
    await page.getByTestId('feed').filter({ hasText: 'live' }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(OUTPUT, 'live-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('the page shows that it is reconnecting when the feed drops, and recovers', async () => {
    await page.goto(`${gateway.url}/dashboard#live`);
    await page.getByTestId('feed').filter({ hasText: 'live' }).waitFor({ timeout: 10_000 });
    // The gateway ends every feed (as it does when it shuts down): the page says so and comes back by itself.
    const reconnecting = page.getByTestId('feed').filter({ hasText: 'reconnecting' }).waitFor({ timeout: 10_000 });
    gateway.context.liveFeed.close();
    await reconnecting;
    await page.getByTestId('feed').filter({ hasText: 'live' }).waitFor({ timeout: 15_000 });
  });

  test('no console error on any page', () => {
    assert.deepEqual(consoleErrors, []);
  });
});

describe('the dashboard on a keyless loopback gateway, and switched off', { skip: browserSkip }, () => {
  test('Health lists the replicas on a shared Redis, this one marked', { skip: process.env.REDIS_URL ? false : 'REDIS_URL is not set' }, async () => {
    const redis = { url: process.env.REDIS_URL!, keyPrefix: `sluice-dashboard-${randomBytes(4).toString('hex')}:`, heartbeatMs: 300 };
    const one = await startGatewayWithUpstream({ redis });
    const two = await startGatewayWithUpstream({ redis });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${one.gateway.url}/dashboard#health`);
      const rows = page.locator('[data-testid=replicas] tbody tr');
      await rows.nth(1).waitFor({ timeout: 10_000 });
      assert.equal(await rows.count(), 2);
      const self = rows.filter({ hasText: 'this one' });
      assert.equal(await self.count(), 1);
      const api = await fetch(`${one.gateway.url}/admin/health`);
      const mine = ((await api.json()) as { replicas: { id: string; self: boolean }[] }).replicas.find((r) => r.self)!;
      assert.equal(await self.getAttribute('data-replica'), mine.id);
      await page.screenshot({ path: join(OUTPUT, 'health-replicas.png') });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await two.close();
      await one.close();
    }
  });

  test('opens directly without a login; `dashboard: false` serves none', async () => {
    const open = await startGatewayWithUpstream();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${open.gateway.url}/dashboard`);
      await page.getByTestId('feed').filter({ hasText: 'live' }).waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('input[name=key]').count(), 0);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await open.close();
    }
    const off = await startGatewayWithUpstream({ dashboard: false });
    try {
      assert.equal((await fetch(`${off.gateway.url}/dashboard`)).status, 404);
    } finally {
      await off.close();
    }
  });
});
