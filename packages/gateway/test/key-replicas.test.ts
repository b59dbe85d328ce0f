import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dropPostgresTables } from './helpers/postgres.ts';
import { serveCli, serveReplicas } from './helpers/cli.ts';
import { chatBody } from './helpers/gateway.ts';
import { ADMIN_KEY, ADMIN_KEY_ENV } from './helpers/admin.ts';

/** Two `sluice serve` processes on one PostgreSQL ledger, with Redis (pub/sub) or without (the version poll alone). */
const setups = [
  { name: 'PostgreSQL and Redis', skip: process.env.DATABASE_URL && process.env.REDIS_URL ? false : 'DATABASE_URL and REDIS_URL are both needed (CI sets them)', redis: true },
  { name: 'PostgreSQL alone (the version poll)', skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set (CI sets it when PostgreSQL runs on 127.0.0.1:5432)', redis: false },
];

type Replica = Awaited<ReturnType<typeof serveCli>>;

function admin(replica: Replica, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${replica.baseURL.replace(/\/v1$/, '')}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function chat(replica: Replica, key: string, model = 'sim/test'): Promise<number> {
  return fetch(`${replica.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(chatBody({ model, sim: { tokens: 1 } })),
  }).then(async (response) => {
    await response.arrayBuffer();
    return response.status;
  });
}

/** Milliseconds from now until `replica` has answered `status` for the key (asked back to back), or a failure after 3 s. */
async function msUntil(replica: Replica, key: string, status: number, model?: string): Promise<number> {
  const start = performance.now();
  for (;;) {
    const answered = await chat(replica, key, model);
    const elapsed = performance.now() - start;
    if (answered === status) return elapsed;
    if (elapsed > 3000) assert.fail(`still ${answered} after ${Math.round(elapsed)} ms`);
  }
}

for (const setup of setups) {
  describe(`managed keys across two replicas: ${setup.name}`, { skip: setup.skip }, () => {
    let replicas: Replica[] = [];
    const table = `sluice_replicas_${randomBytes(4).toString('hex')}`;

    before(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-key-replicas-'));
      const config = join(dir, 'config.json');
      writeFileSync(
        config,
        JSON.stringify({
          ledger: { url: process.env.DATABASE_URL, table },
          admin: { keyEnv: ADMIN_KEY_ENV },
          logLevel: 'info',
          ...(setup.redis ? { redis: { url: process.env.REDIS_URL, keyPrefix: `sluice-test-${randomBytes(4).toString('hex')}:` } } : {}),
        }),
      );
      const env = { SLUICE_STREAM_SECRET: randomBytes(32).toString('hex'), [ADMIN_KEY_ENV]: ADMIN_KEY };
      replicas = await serveReplicas(2, ['--config', config], env);
    });
    after(async () => {
      for (const replica of replicas) replica.child.kill('SIGKILL');
      await dropPostgresTables([table, `${table}_keys`, `${table}_teams`, `${table}_keys_version`]);
    });

    test('a key created on replica A works on B; revoked on A, it is refused on B within 1 s', async (t) => {
      const [a, b] = replicas;
      const created = (await (await admin(a, 'POST', '/admin/keys', { name: 'roaming' })).json()) as { id: string; key: string };
      // Usable on B (the first requests of a fresh process are slow on a busy machine, so this one is not timed).
      await msUntil(b, created.key, 200);
      const revoked = await admin(a, 'DELETE', `/admin/keys/${created.id}`);
      assert.equal(revoked.status, 200);
      const ms = await msUntil(b, created.key, 401);
      t.diagnostic(`refused on B ${Math.round(ms)} ms after the revocation returned on A`);
      assert.ok(ms < 1000, `refused on B after ${Math.round(ms)} ms`);
      assert.equal(await chat(a, created.key), 401);
    });

    test('a changed allow-list on A applies on B within 1 s', async () => {
      const [a, b] = replicas;
      const created = (await (await admin(a, 'POST', '/admin/keys', { name: 'narrowed' })).json()) as { id: string; key: string };
      await msUntil(b, created.key, 200, 'sim/other');
      assert.equal((await admin(a, 'PATCH', `/admin/keys/${created.id}`, { models: ['sim/test'] })).status, 200);
      const ms = await msUntil(b, created.key, 403, 'sim/other');
      assert.ok(ms < 1000, `403 on B after ${Math.round(ms)} ms`);
      assert.equal(await chat(b, created.key, 'sim/test'), 200);
    });

    test('both replicas record into one ledger: usage by key on either sees the requests of both', async () => {
      const [a, b] = replicas;
      const created = (await (await admin(a, 'POST', '/admin/keys', { name: 'counted' })).json()) as { id: string; key: string };
      await msUntil(b, created.key, 200);
      for (const replica of [a, a, b]) assert.equal(await chat(replica, created.key), 200);
      // The ledger writes in 50 ms batches on each replica; B's last row may still be on its way.
      let requests = 0;
      for (let attempt = 0; attempt < 40 && requests < 4; attempt++) {
        const usage = (await (await admin(a, 'GET', `/admin/usage?key=${created.id}`)).json()) as { data: { requests: number }[] };
        requests = usage.data[0]?.requests ?? 0;
        if (requests < 4) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(requests, 4);
    });
  });
}
