import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { ReplicaSeen } from '../src/streams/store/types.ts';
import { serveCli } from './helpers/cli.ts';

const skip = process.env.REDIS_URL ? false : 'REDIS_URL is not set (CI sets it when Redis runs on 127.0.0.1:6379)';
// The liveness key lives three heartbeats: a killed replica is gone from the list within that, plus a poll.
const HEARTBEAT_MS = 300;

async function replicasOf(baseURL: string): Promise<ReplicaSeen[] | null> {
  const response = await fetch(new URL('/admin/health', baseURL));
  assert.equal(response.status, 200);
  return ((await response.json()) as { replicas: ReplicaSeen[] | null }).replicas;
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

describe('/admin/health lists the replicas alive on the shared Redis', { skip }, () => {
  test('three gateway processes each list all three, themselves marked; a SIGKILLed one leaves once its liveness lapses, a stopped one at once', { timeout: 60_000 }, async () => {
    const prefix = `sluice-test-${randomBytes(4).toString('hex')}:`;
    const dir = mkdtempSync(join(tmpdir(), 'sluice-replicas-health-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ ledger: false, logLevel: 'info', redis: { url: process.env.REDIS_URL, keyPrefix: prefix, heartbeatMs: HEARTBEAT_MS } }));
    // One after the other: three processes starting at once on a loaded machine may miss serveCli's deadline.
    const running: Awaited<ReturnType<typeof serveCli>>[] = [];
    try {
      for (let i = 0; i < 3; i++) running.push(await serveCli(['--config', config]));
    } catch (error) {
      for (const r of running) r.child.kill('SIGKILL');
      throw error;
    }
    const [a, b, c] = running;
    const redis = new Redis(process.env.REDIS_URL ?? '');
    try {
      const pids = [a, b, c].map((r) => String(r.child.pid));
      const lists = await Promise.all([a, b, c].map((r) => until('three replicas listed', () => replicasOf(r.baseURL), (list) => list?.length === 3)));
      const ids = lists[0]!.map((r) => r.id).sort();
      for (const [i, list] of lists.entries()) {
        assert.deepEqual(list!.map((r) => r.id).sort(), ids, 'every replica sees the same replicas');
        const self = list!.filter((r) => r.self);
        assert.equal(self.length, 1, 'exactly one is the replica answering');
        assert.ok(self[0].name.endsWith(`:${pids[i]}`), `${self[0].name} is process ${pids[i]}`);
        assert.deepEqual(list!.map((r) => r.name.split(':').at(-1)).sort(), [...pids].sort());
        for (const r of list!) {
          assert.equal(r.heartbeatMs, HEARTBEAT_MS);
          assert.ok(r.lastHeartbeatMsAgo >= 0 && r.lastHeartbeatMsAgo <= 3 * HEARTBEAT_MS, `last heartbeat ${r.lastHeartbeatMsAgo} ms ago`);
          assert.ok(r.startedAt <= Date.now() && r.startedAt > Date.now() - 60_000);
        }
      }
      const [idA, idB, idC] = lists.map((list) => list!.find((r) => r.self)!.id);
      assert.equal(new Set([idA, idB, idC]).size, 3);

      // Killed, A cannot say goodbye: it stays listed until its liveness key lapses (three heartbeats), then it is gone.
      const killedAt = Date.now();
      a.child.kill('SIGKILL');
      await a.exited;
      const afterKill = await until('A gone from B', () => replicasOf(b.baseURL), (list) => list !== null && !list.some((r) => r.id === idA));
      const tookMs = Date.now() - killedAt;
      assert.deepEqual(afterKill!.map((r) => r.id).sort(), [idB, idC].sort());
      assert.ok(tookMs <= 3 * HEARTBEAT_MS + 5_000, `gone ${tookMs} ms after the kill`);
      assert.equal(await redis.exists(`${prefix}replica:${idA}:alive`), 0, 'its liveness key has lapsed');
      assert.equal(await redis.sismember(`${prefix}replicas`, idA), 0, 'and the index forgot it');
      assert.deepEqual((await replicasOf(c.baseURL))!.map((r) => r.id).sort(), [idB, idC].sort());

      // Stopped gracefully, C removes itself at once.
      c.child.kill('SIGTERM');
      await c.exited;
      assert.deepEqual((await replicasOf(b.baseURL))!.map((r) => r.id), [idB]);
    } finally {
      for (const r of [a, b, c]) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
      await redis.del(`${prefix}replicas`).catch(() => {});
      redis.disconnect();
    }
  });
});
