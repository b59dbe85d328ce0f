/**
 * The sluice targets: `sluice serve --config <file>` with the gateway's
 * defaults except what the bench must set: the port, the transport, and the
 * bench upstream as an `openai-compatible` provider. The ledger stays on
 * (in the run's scratch directory), as it is by default.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerSpec } from '../procs/server-process.ts';
import { SLUICE_CLI } from './paths.ts';
import type { TargetEndpoint, TargetName } from './target.ts';

export const SLUICE_PROVIDER = 'up';
export const SLUICE_MODEL = `${SLUICE_PROVIDER}/bench`;

export function sluiceAvailable(): boolean {
  return existsSync(SLUICE_CLI);
}

export function sluiceServer(name: TargetName, port: number, upstreamURL: string, workDir: string): { spec: ServerSpec; endpoint: TargetEndpoint } {
  const h2c = name === 'sluice-sse-h2c';
  const config = {
    server: { host: '127.0.0.1', port, http2: h2c ? 'h2c' : false },
    providers: [{ id: SLUICE_PROVIDER, type: 'openai-compatible', baseURL: `${upstreamURL}/v1`, apiKey: 'sk-bench-upstream' }],
    ledger: { path: join(workDir, `${name}-ledger.db`) },
  };
  const configFile = join(workDir, `${name}.json`);
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const http = `http://127.0.0.1:${port}`;
  const transport = name === 'sluice-ws' ? 'ws-sluice' : name === 'sluice-ws-plain' ? 'ws-plain' : h2c ? 'sse-h2c' : 'sse-h1';
  return {
    spec: {
      name,
      args: ['--conditions=@sluice/source', '--no-warnings=ExperimentalWarning', SLUICE_CLI, 'serve', '--config', configFile],
      port,
      logFile: join(workDir, `${name}.log`),
      cwd: workDir,
    },
    endpoint: {
      name,
      transport,
      url: transport.startsWith('ws') ? `ws://127.0.0.1:${port}/v1/chat/stream` : http,
      model: SLUICE_MODEL,
      headers: {},
      cancelBy: transport === 'ws-sluice' ? 'message' : 'close',
    },
  };
}
