/**
 * Smoke test: `npm run bench -- --quick` end to end, in its own processes,
 * on loopback. It asserts only that every stream every target served was
 * exact (no lost, duplicated or garbled chunk, every stream ended with its
 * terminal), never a timing: the figures of a quick run mean nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResults } from '../src/report/results.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

test('the quick benchmark run serves every stream exactly, on every target that runs', { timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  try {
    const { stdout } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(process.execPath, ['--conditions=@sluice/source', '--no-warnings=ExperimentalWarning', MAIN, '--quick', '--out', out], { maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
        error ? reject(new Error(`bench exited with ${error.code}:\n${stderr}`)) : resolve({ stdout, stderr }),
      );
    });
    const file = readdirSync(out).find((name) => name.endsWith('-quick.json'));
    assert.ok(file, 'the run wrote its results file');
    assert.ok(readdirSync(out).some((name) => name.endsWith('-quick.svg')), 'the run wrote its chart');
    assert.match(stdout, /\| Metric \| WebSocket/, 'the seed-layout table is printed');
    const results = JSON.parse(readFileSync(join(out, file), 'utf8')) as BenchResults;

    // Every target runs; the Redis ones only where there is a Redis, and say so otherwise.
    const expected = ['direct', 'bare-proxy', 'sluice-sse-h1', 'sluice-sse-h2c', 'sluice-ws', 'sluice-ws-plain', 'sluice-sse-h1-up-h2c', 'sluice-sse-h1-up-h2', 'sluice-ws-up-h2c', 'sluice-sse-limits', 'portkey', ...(process.env.REDIS_URL ? ['sluice-sse-redis', 'sluice-sse-limits-redis'] : [])];
    for (const name of expected) {
      const target = results.targets.find((t) => t.name === name);
      assert.ok(target?.available, `${name} ran (${target?.note ?? 'no note'})`);
    }
    const redis = results.targets.find((t) => t.name === 'sluice-sse-redis');
    if (process.env.REDIS_URL) {
      // Both legs of each resume were served, the second by the other replica, and the stores counted their commands.
      assert.ok((redis?.resume?.latencyMs.length ?? 0) > 0, 'resumes across replicas were measured');
      assert.ok((redis?.redisCommandsPerToken?.saturated ?? 0) > 0, 'Redis commands per token were counted');
    } else {
      assert.match(redis?.note ?? '', /no Redis/);
      assert.match(results.targets.find((t) => t.name === 'sluice-sse-limits-redis')?.note ?? '', /no Redis/);
    }
    // The keys with limits are measured for their first token, through admission (a refused request would not be exact).
    for (const name of ['sluice-sse-limits', ...(process.env.REDIS_URL ? ['sluice-sse-limits-redis'] : [])]) {
      const target = results.targets.find((t) => t.name === name)!;
      assert.ok((target.ttft?.samplesMs.length ?? 0) > 0, `${name}: first tokens measured`);
    }
    for (const target of results.targets.filter((t) => t.available)) {
      const tally = target.exactness;
      assert.ok(tally.streams > 0, `${target.name} served streams`);
      assert.deepEqual(
        { exact: tally.exact, lost: tally.lost, duplicated: tally.duplicated, failed: tally.failed, errors: tally.errors },
        { exact: tally.streams, lost: 0, duplicated: 0, failed: 0, errors: [] },
        `${target.name}: every stream exact`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
