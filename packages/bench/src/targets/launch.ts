/**
 * Starts the upstream and the targets, each in its own process. A target
 * that cannot start is not an error of the run: it is reported "n/a" with
 * the reason.
 */
import { join } from 'node:path';
import { freePort } from '../procs/free-port.ts';
import { ServerProcess, ServerStartError, type ServerSpec } from '../procs/server-process.ts';
import { BARE_PROXY_MAIN, UPSTREAM_MAIN } from './paths.ts';
import { portkeyServer } from './portkey.ts';
import { ensurePortkey } from './portkey-install.ts';
import { sluiceAvailable, sluiceServers } from './sluice.ts';
import type { TargetEndpoint, TargetName } from './target.ts';

const TS_ARGS = ['--conditions=@sluice/source', '--no-warnings=ExperimentalWarning'];

export interface LaunchedTarget {
  name: TargetName;
  endpoint: TargetEndpoint | null;
  /** The target's own process; null for `direct` (the upstream itself). */
  server: ServerProcess | null;
  /** A second replica sharing the target's stream store (the Redis target only); its CPU and memory are not the target's figures. */
  replica: ServerProcess | null;
  /** Why the target is not measured; null when it is. */
  unavailable: string | null;
}

export async function startUpstream(workDir: string): Promise<{ server: ServerProcess; url: string }> {
  const port = await freePort();
  const server = await ServerProcess.start({ name: 'upstream', args: [...TS_ARGS, UPSTREAM_MAIN, '--port', String(port)], port, logFile: join(workDir, 'upstream.log') });
  return { server, url: `http://127.0.0.1:${port}` };
}

/** `redisUrl`: the Redis the `sluice-sse-redis` target runs on; without it that target is "n/a". */
export async function launchTarget(name: TargetName, upstreamURL: string, workDir: string, redisUrl: string | null, profileDir: string | null = null): Promise<LaunchedTarget> {
  const none = (unavailable: string): LaunchedTarget => ({ name, endpoint: null, server: null, replica: null, unavailable });
  if (name === 'direct') {
    const endpoint: TargetEndpoint = { name, transport: 'sse-h1', url: upstreamURL, model: 'bench', headers: {}, cancelBy: 'close' };
    return { name, endpoint, server: null, replica: null, unavailable: null };
  }
  const port = await freePort();
  let planned: { specs: ServerSpec[]; endpoint: TargetEndpoint };
  if (name === 'bare-proxy') {
    planned = {
      specs: [{ name, args: [...TS_ARGS, BARE_PROXY_MAIN, '--port', String(port), '--upstream', upstreamURL], port, logFile: join(workDir, `${name}.log`) }],
      endpoint: { name, transport: 'sse-h1', url: `http://127.0.0.1:${port}`, model: 'bench', headers: {}, cancelBy: 'close' },
    };
  } else if (name === 'portkey') {
    let entry: string;
    try {
      entry = await ensurePortkey((line) => process.stderr.write(`bench: ${line}\n`));
    } catch (error) {
      return none(`n/a (could not install @portkey-ai/gateway: ${(error as Error).message})`);
    }
    const { spec, endpoint } = portkeyServer(entry, port, upstreamURL, workDir);
    planned = { specs: [spec], endpoint };
  } else {
    if (!sluiceAvailable()) return none('n/a (the sluice gateway is not in this checkout)');
    if (name === 'sluice-sse-redis' && redisUrl === null) return none('n/a (no Redis: run with REDIS_URL=redis://127.0.0.1:6379 to measure resumable streams on Redis)');
    const ports = name === 'sluice-sse-redis' ? [port, await freePort()] : [port];
    planned = sluiceServers(name, ports, upstreamURL, workDir, redisUrl, profileDir);
  }
  const started: ServerProcess[] = [];
  try {
    for (const spec of planned.specs) started.push(await ServerProcess.start(spec));
    return { name, endpoint: planned.endpoint, server: started[0], replica: started[1] ?? null, unavailable: null };
  } catch (error) {
    await Promise.all(started.map((server) => server.stop()));
    const reason = error instanceof ServerStartError ? error.message.split('\n').slice(0, 3).join(' | ') : String(error);
    return none(`n/a (${reason})`);
  }
}
