/**
 * The sluice targets: `sluice serve --config <file>` with the gateway's
 * defaults except what the bench must set: the port, the transport, and the
 * bench upstream as an `openai-compatible` provider. The ledger stays on
 * (in the run's scratch directory), as it is by default.
 *
 * `sluice-sse-redis` is two replicas sharing one Redis stream store, every
 * request resumable: streams are written to Redis as they run, and resumes
 * and cancels go to the second replica.
 *
 * `sluice-sse-limits` and `sluice-sse-limits-redis` send every request with
 * a key that has every limit (`limited-key.ts`), on a priced alias of the
 * bench model, their limits in memory or in the run's Redis.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Headers } from '@sluice/protocol';
import type { ServerSpec } from '../procs/server-process.ts';
import { SLUICE_CLI } from './paths.ts';
import { LIMITS_STORE, type TargetEndpoint, type TargetName } from './target.ts';
import { LIMITED_KEY, LIMITS, PRICED_MODEL, pricedModel } from './limited-key.ts';

export const SLUICE_PROVIDER = 'up';
export const SLUICE_MODEL = `${SLUICE_PROVIDER}/bench`;

export function sluiceAvailable(): boolean {
  return existsSync(SLUICE_CLI);
}

/** The upstream a sluice target's provider points at: the bench upstream over HTTP/1.1, h2c or h2 with TLS. */
export interface SluiceUpstream {
  url: string;
  http2: boolean;
  /** The throwaway certificate to trust (TLS only). */
  caFile: string | null;
}

export interface SluiceTarget {
  /** The server the load goes to, then (Redis target only) the second replica. */
  specs: ServerSpec[];
  endpoint: TargetEndpoint;
}

/**
 * `ports` holds one port, or two for the Redis target; `redisUrl` is needed by that target only.
 * `profileDir`: write a V8 CPU profile of each sluice process there (`<target>.cpuprofile`, on exit).
 * `heapSnapshotDir`: each sluice process writes a heap snapshot there on SIGUSR2 (the memory phase sends it).
 */
export function sluiceServers(name: TargetName, ports: number[], upstream: SluiceUpstream, workDir: string, redisUrl: string | null, profileDir: string | null = null, heapSnapshotDir: string | null = null): SluiceTarget {
  const h2c = name === 'sluice-sse-h2c';
  const provider = {
    id: SLUICE_PROVIDER,
    type: 'openai-compatible',
    baseURL: `${upstream.url}/v1`,
    apiKey: 'sk-bench-upstream',
    ...(upstream.http2 ? { http2: true } : {}),
    ...(upstream.caFile === null ? {} : { caFile: upstream.caFile }),
  };
  const shared = name === 'sluice-sse-redis';
  const limits = LIMITS_STORE[name];
  if ((shared || limits === 'redis') && redisUrl === null) throw new Error(`the ${name} target needs a Redis URL`);
  // Replicas must share the secret that signs stream tokens; each run gets its own keys in Redis.
  const env = shared ? { SLUICE_STREAM_SECRET: randomBytes(32).toString('hex') } : undefined;
  const keyPrefix = `sluice-bench:${process.pid}-${Date.now()}:`;
  const specs = (shared ? ports.slice(0, 2) : ports.slice(0, 1)).map((port, replica): ServerSpec => {
    const own = replica === 0 ? name : `${name}-replica`;
    const config = {
      server: { host: '127.0.0.1', port, http2: h2c ? 'h2c' : false },
      providers: [provider],
      ledger: { path: join(workDir, `${own}-ledger.db`) },
      ...(shared || limits === 'redis' ? { redis: { url: redisUrl, keyPrefix } } : {}),
      ...(limits === undefined ? {} : { keys: [{ name: 'limited', key: LIMITED_KEY, limits: LIMITS }], models: [pricedModel(SLUICE_MODEL)] }),
    };
    const configFile = join(workDir, `${own}.json`);
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    return {
      name: own,
      args: [
        '--conditions=@sluice/source',
        '--no-warnings=ExperimentalWarning',
        ...(profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${own}.cpuprofile`]),
        ...(heapSnapshotDir === null ? [] : ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${heapSnapshotDir}`]),
        SLUICE_CLI,
        'serve',
        '--config',
        configFile,
      ],
      env,
      port,
      logFile: join(workDir, `${own}.log`),
      cwd: workDir,
    };
  });
  const transport = name === 'sluice-ws' || name === 'sluice-ws-up-h2c' ? 'ws-sluice' : name === 'sluice-ws-plain' ? 'ws-plain' : h2c ? 'sse-h2c' : 'sse-h1';
  const endpoint: TargetEndpoint = {
    name,
    transport,
    url: transport.startsWith('ws') ? `ws://127.0.0.1:${ports[0]}/v1/chat/stream` : `http://127.0.0.1:${ports[0]}`,
    model: limits === undefined ? SLUICE_MODEL : PRICED_MODEL,
    headers: shared ? { [Headers.resumable]: '1' } : limits === undefined ? {} : { authorization: `Bearer ${LIMITED_KEY}` },
    cancelBy: transport === 'ws-sluice' ? 'message' : shared ? 'delete' : 'close',
    ...(shared ? { replicaUrl: `http://127.0.0.1:${ports[1]}` } : {}),
  };
  return { specs, endpoint };
}
