/**
 * Starts the upstream and the targets, each in its own process. A target
 * that cannot start is not an error of the run: it is reported "n/a" with
 * the reason.
 */
import { join } from 'node:path';
import { freePort } from '../procs/free-port.ts';
import { PortTakenError, ServerProcess, ServerStartError, type ServerSpec } from '../procs/server-process.ts';
import { BARE_PROXY_MAIN, UPSTREAM_MAIN } from './paths.ts';
import { portkeyServer } from './portkey.ts';
import { ensurePortkey } from './portkey-install.ts';
import { sluiceAvailable, sluiceServers, type SluiceUpstream } from './sluice.ts';
import { LIMITS_STORE, UPSTREAM_PROTOCOL } from './target.ts';
import { makeThrowawayCert } from './throwaway-cert.ts';
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

/** The bench upstream's addresses: HTTP/1.1, and the same server over h2c and over h2 with TLS. */
export interface BenchUpstream {
  server: ServerProcess;
  url: string;
  h2cUrl: string;
  /** Null when no throwaway certificate could be made. */
  h2Url: string | null;
  /** The certificate the TLS port serves, for the targets to trust. */
  caFile: string | null;
}

export async function startUpstream(workDir: string): Promise<BenchUpstream> {
  const cert = makeThrowawayCert(workDir);
  return withFreshPorts(3, async ([port, h2cPort, h2Port]) => {
    const tls = cert === null ? [] : ['--h2-port', String(h2Port), '--key', cert.keyFile, '--cert', cert.certFile];
    const morePorts = cert === null ? [h2cPort] : [h2cPort, h2Port];
    const server = await ServerProcess.start({ name: 'upstream', args: [...TS_ARGS, UPSTREAM_MAIN, '--port', String(port), '--h2c-port', String(h2cPort), ...tls], port, morePorts, logFile: join(workDir, 'upstream.log') });
    return { server, url: `http://127.0.0.1:${port}`, h2cUrl: `http://127.0.0.1:${h2cPort}`, h2Url: cert === null ? null : `https://127.0.0.1:${h2Port}`, caFile: cert?.certFile ?? null };
  });
}

/** `redisUrl`: the Redis the `sluice-sse-redis` target runs on; without it that target is "n/a". */
export async function launchTarget(name: TargetName, upstream: BenchUpstream, workDir: string, redisUrl: string | null, profileDir: string | null = null, heapSnapshotDir: string | null = null): Promise<LaunchedTarget> {
  const upstreamURL = upstream.url;
  const none = (unavailable: string): LaunchedTarget => ({ name, endpoint: null, server: null, replica: null, unavailable });
  if (name === 'direct') {
    const endpoint: TargetEndpoint = { name, transport: 'sse-h1', url: upstreamURL, model: 'bench', headers: {}, cancelBy: 'close' };
    return { name, endpoint, server: null, replica: null, unavailable: null };
  }
  let plan: (ports: number[]) => { specs: ServerSpec[]; endpoint: TargetEndpoint };
  if (name === 'bare-proxy') {
    plan = ([port]) => ({
      specs: [{ name, args: [...TS_ARGS, BARE_PROXY_MAIN, '--port', String(port), '--upstream', upstreamURL], port, logFile: join(workDir, `${name}.log`) }],
      endpoint: { name, transport: 'sse-h1', url: `http://127.0.0.1:${port}`, model: 'bench', headers: {}, cancelBy: 'close' },
    });
  } else if (name === 'portkey') {
    let entry: string;
    try {
      entry = await ensurePortkey((line) => process.stderr.write(`bench: ${line}\n`));
    } catch (error) {
      return none(`n/a (could not install @portkey-ai/gateway: ${(error as Error).message})`);
    }
    plan = ([port]) => {
      const { spec, endpoint } = portkeyServer(entry, port, upstreamURL, workDir);
      return { specs: [spec], endpoint };
    };
  } else {
    if (!sluiceAvailable()) return none('n/a (the sluice gateway is not in this checkout)');
    if (name === 'sluice-sse-redis' && redisUrl === null) return none('n/a (no Redis: run with REDIS_URL=redis://127.0.0.1:6379 to measure resumable streams on Redis)');
    if (LIMITS_STORE[name] === 'redis' && redisUrl === null) return none('n/a (no Redis: run with REDIS_URL=redis://127.0.0.1:6379 to measure limits on Redis)');
    const via = upstreamVia(name, upstream);
    if (via === null) return none('n/a (no throwaway certificate for the TLS upstream: openssl failed)');
    plan = (ports) => sluiceServers(name, ports, via, workDir, redisUrl, profileDir, heapSnapshotDir);
  }
  try {
    return await withFreshPorts(name === 'sluice-sse-redis' ? 2 : 1, async (ports) => {
      const planned = plan(ports);
      const started: ServerProcess[] = [];
      try {
        for (const spec of planned.specs) started.push(await ServerProcess.start(spec));
      } catch (error) {
        await Promise.all(started.map((server) => server.stop()));
        throw error;
      }
      return { name, endpoint: planned.endpoint, server: started[0], replica: started[1] ?? null, unavailable: null };
    });
  } catch (error) {
    const reason = error instanceof ServerStartError ? error.message.split('\n').slice(0, 3).join(' | ') : String(error);
    return none(`n/a (${reason})`);
  }
}

const PORT_ATTEMPTS = 3;

/**
 * Runs `start` with `count` ports handed out for this run only; when another
 * process took one of them before the server bound it, again with fresh ones.
 */
async function withFreshPorts<T>(count: number, start: (ports: number[]) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    try {
      return await start(ports);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= PORT_ATTEMPTS) throw error;
      process.stderr.write(`bench: ${error.message.split('\n')[0]}; starting again on fresh ports\n`);
    }
  }
}

/** Which of the upstream's ports a sluice target's provider talks to, and how. */
function upstreamVia(name: TargetName, upstream: BenchUpstream): SluiceUpstream | null {
  const protocol = UPSTREAM_PROTOCOL[name] ?? 'h1';
  if (protocol === 'h1') return { url: upstream.url, http2: false, caFile: null };
  if (protocol === 'h2c') return { url: upstream.h2cUrl, http2: true, caFile: null };
  return upstream.h2Url === null ? null : { url: upstream.h2Url, http2: true, caFile: upstream.caFile };
}
