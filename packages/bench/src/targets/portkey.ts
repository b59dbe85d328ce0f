/**
 * Portkey's open-source gateway, from npm (installed on demand, see
 * portkey-install.ts), pointed at the bench upstream as an OpenAI provider
 * with a custom host. It needs the `@hono/node-server` pin in
 * packages/bench/portkey/package.json to stream at all (see the bench
 * README: "Portkey and `TypeError: immutable`").
 */
import { join } from 'node:path';
import type { ServerSpec } from '../procs/server-process.ts';
import type { TargetEndpoint } from './target.ts';

export function portkeyServer(entry: string, port: number, upstreamURL: string, workDir: string): { spec: ServerSpec; endpoint: TargetEndpoint } {
  return {
    spec: {
      name: 'portkey',
      args: [entry, `--port=${port}`, '--headless'],
      port,
      logFile: join(workDir, 'portkey.log'),
      cwd: workDir,
    },
    endpoint: {
      name: 'portkey',
      transport: 'sse-h1',
      url: `http://127.0.0.1:${port}`,
      model: 'bench',
      headers: {
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `${upstreamURL}/v1`,
        authorization: 'Bearer sk-bench-upstream',
      },
      cancelBy: 'close',
    },
  };
}
