import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { unusedPort } from './gateway.ts';

export const REDIS_SERVER = '/usr/bin/redis-server';
/** A test that runs a Redis of its own skips, saying why, where redis-server is not installed. */
export const noRedisServer = existsSync(REDIS_SERVER) ? false : `${REDIS_SERVER} is not installed (the test runs a Redis of its own)`;

export interface OwnRedis {
  child: ChildProcess;
  port: number;
  url: string;
}

/** A redis-server of the test's own, on a free port, that the test can stop and whose command counts no other client enters. */
export async function startRedis(port?: number): Promise<OwnRedis> {
  port ??= await unusedPort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
  client.on('error', () => {});
  await client.connect().catch(() => {});
  await client.ping();
  client.disconnect();
  return { child, port, url: `redis://127.0.0.1:${port}` };
}

/** Script calls Redis has run (EVALSHA, and the EVAL that loads a script), from its own command statistics. */
export async function scriptCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) calls += Number(match[2]);
  return calls;
}
