import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { chatBody, postChat, startGatewayWithUpstream, startTestGateway } from './helpers/gateway.ts';
import { captureLog } from './helpers/log.ts';
import { readSse } from './helpers/sse.ts';

/** The value of one sample in Prometheus text, e.g. `sluice_tokens_total{kind="completion"}`. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is exported`);
  return Number(line.slice(name.length + 1));
}

describe('GET /metrics', () => {
  test('counts settled streams, events, tokens, cost and failures', async () => {
    // An alias makes `sim/x` a configured target, which is labelled by name.
    const gateway = await startTestGateway({ providers: [{ id: 'sim', type: 'sim', price: { input: 1, output: 1 } }], models: [{ name: 'x', target: 'sim/x' }] });
    try {
      for (let i = 0; i < 3; i++) await readSse(await postChat(gateway, chatBody({ model: 'sim/x', stream: true, sim: { tokens: 10 } })));
      await readSse(await postChat(gateway, chatBody({ model: 'sim/x', stream: true, sim: { tokens: 10, fault: { dropAfter: 2 } } })));
      const response = await fetch(`${gateway.url}/metrics`);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await response.text();
      assert.equal(sample(text, 'sluice_streams_total{status="done",model="sim/x",endpoint="chat"}'), 3);
      assert.equal(sample(text, 'sluice_streams_total{status="error",model="sim/x",endpoint="chat"}'), 1);
      // role, 10 tokens, finish and [DONE] per whole stream; role, 2 tokens and the error for the broken one.
      assert.equal(sample(text, 'sluice_stream_events_total'), 3 * 13 + 4);
      assert.equal(sample(text, 'sluice_tokens_total{kind="completion"}'), 3 * 10 + 2);
      assert.ok(sample(text, 'sluice_cost_usd_total') > 0);
      assert.equal(sample(text, 'sluice_streams_running'), 0);
      assert.equal(sample(text, 'sluice_time_to_first_token_seconds_count'), 4);
      const post = (path: string, body: object) => fetch(`${gateway.baseURL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await post('/messages', { model: 'sim/x', max_tokens: 8, messages: [{ role: 'user', content: 'Hi' }], sim: { tokens: 2 } });
      await post('/responses', { model: 'sim/x', input: 'Hi', store: false, sim: { tokens: 2 } });
      const after = await (await fetch(`${gateway.url}/metrics`)).text();
      assert.equal(sample(after, 'sluice_streams_total{status="done",model="sim/x",endpoint="messages"}'), 1);
      assert.equal(sample(after, 'sluice_streams_total{status="done",model="sim/x",endpoint="responses"}'), 1);
    } finally {
      await gateway.close();
    }
  });

  test('a request that fails after retries counts its retries and its last target, in metrics, ledger and log', async () => {
    const ledger = join(mkdtempSync(join(tmpdir(), 'sluice-retries-')), 'ledger.db');
    const log = captureLog();
    const rig = await startGatewayWithUpstream({ retries: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 }, ledger: { path: ledger } }, {}, { logger: log.logger });
    try {
      let attempts = 0;
      rig.upstream.events.on('request', () => attempts++);
      const response = await postChat(rig.gateway, chatBody({ model: 'up/acc-500', stream: true, sim: { fault: { status: 500 } } }));
      assert.equal(response.status, 502);
      await response.body?.cancel();
      assert.equal(attempts, 3, 'one attempt and two retries');
      const text = await (await fetch(`${rig.gateway.url}/metrics`)).text();
      assert.equal(sample(text, 'sluice_upstream_retries_total'), 2);
      const settled = log.lines().find((line) => line.msg === 'stream settled');
      assert.equal(settled?.retries, 2);
      assert.equal(settled?.target, 'up/acc-500');
    } finally {
      await rig.close();
    }
    const rows = new DatabaseSync(ledger).prepare('SELECT target, status FROM usage').all();
    assert.deepEqual(rows.map((row) => ({ ...row })), [{ target: 'up/acc-500', status: 'error' }]);
  });

  test('model names a client makes up do not grow the series: they collapse into <provider>/other', async () => {
    const gateway = await startTestGateway({ models: [{ name: 'chat', target: 'sim/chat-model' }] });
    try {
      const made = Array.from({ length: 100 }, (_, i) => `sim/${String(i).padStart(3, '0')}-${'x'.repeat(200)}`);
      // Every series the test can make exists once (an alias, its target, one made-up name); the other 99 names must add none.
      for (const model of ['chat', 'sim/chat-model', made[0]]) await readSse(await postChat(gateway, chatBody({ model, stream: true, sim: { tokens: 1 } })));
      const before = (await (await fetch(`${gateway.url}/metrics`)).text()).length;
      for (const model of made.slice(1)) await readSse(await postChat(gateway, chatBody({ model, stream: true, sim: { tokens: 1 } })));
      const text = await (await fetch(`${gateway.url}/metrics`)).text();
      assert.equal(sample(text, 'sluice_streams_total{status="done",model="sim/other",endpoint="chat"}'), 100);
      assert.equal(sample(text, 'sluice_streams_total{status="done",model="chat",endpoint="chat"}'), 1, 'an alias keeps its name');
      assert.equal(sample(text, 'sluice_streams_total{status="done",model="sim/chat-model",endpoint="chat"}'), 1, 'so does its target');
      assert.ok(!text.includes('xxxxxxxxxx'), 'no made-up name is a label');
      assert.ok(text.length < before + 2_000, `/metrics grew from ${before} to ${text.length} bytes`);
    } finally {
      await gateway.close();
    }
  });
});
