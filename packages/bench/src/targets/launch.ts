/**
 * Starts the upstream and the targets, each in its own process. A target
 * that cannot start is not an error of the run: it is reported "n/a" with
 * the reason.
 */
import { join } from 'node:path';
import { freePort } from '../procs/free-port.ts';
import { ServerProcess, ServerStartError } from '../procs/server-process.ts';
import { BARE_PROXY_MAIN, portkeyEntry, UPSTREAM_MAIN } from './paths.ts';
import { portkeyServer } from './portkey.ts';
import { sluiceAvailable, sluiceServer } from './sluice.ts';
import type { TargetEndpoint, TargetName } from './target.ts';

const TS_ARGS = ['--conditions=@sluice/source', '--no-warnings=ExperimentalWarning'];

export interface LaunchedTarget {
  name: TargetName;
  endpoint: TargetEndpoint | null;
  /** The target's own process; null for `direct` (the upstream itself). */
  server: ServerProcess | null;
  /** Why the target is not measured; null when it is. */
  unavailable: string | null;
}

export async function startUpstream(workDir: string): Promise<{ server: ServerProcess; url: string }> {
  const port = await freePort();
  const server = await ServerProcess.start({ name: 'upstream', args: [...TS_ARGS, UPSTREAM_MAIN, '--port', String(port)], port, logFile: join(workDir, 'upstream.log') });
  return { server, url: `http://127.0.0.1:${port}` };
}

export async function launchTarget(name: TargetName, upstreamURL: string, workDir: string): Promise<LaunchedTarget> {
  if (name === 'direct') {
    const endpoint: TargetEndpoint = { name, transport: 'sse-h1', url: upstreamURL, model: 'bench', headers: {}, cancelBy: 'close' };
    return { name, endpoint, server: null, unavailable: null };
  }
  const port = await freePort();
  let planned: { spec: Parameters<typeof ServerProcess.start>[0]; endpoint: TargetEndpoint };
  if (name === 'bare-proxy') {
    planned = {
      spec: { name, args: [...TS_ARGS, BARE_PROXY_MAIN, '--port', String(port), '--upstream', upstreamURL], port, logFile: join(workDir, `${name}.log`) },
      endpoint: { name, transport: 'sse-h1', url: `http://127.0.0.1:${port}`, model: 'bench', headers: {}, cancelBy: 'close' },
    };
  } else if (name === 'portkey') {
    const entry = portkeyEntry();
    if (entry === null) return { name, endpoint: null, server: null, unavailable: 'n/a (@portkey-ai/gateway is not installed)' };
    planned = portkeyServer(entry, port, upstreamURL, workDir);
  } else {
    if (!sluiceAvailable()) return { name, endpoint: null, server: null, unavailable: 'n/a (the sluice gateway is not in this checkout)' };
    planned = sluiceServer(name, port, upstreamURL, workDir);
  }
  try {
    const server = await ServerProcess.start(planned.spec);
    return { name, endpoint: planned.endpoint, server, unavailable: null };
  } catch (error) {
    const reason = error instanceof ServerStartError ? error.message.split('\n').slice(0, 3).join(' | ') : String(error);
    return { name, endpoint: null, server: null, unavailable: `n/a (${reason})` };
  }
}
