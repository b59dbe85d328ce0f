import { startSimServer } from '../providers/sim/server.ts';

/** `sluice sim`: the simulator alone, as an OpenAI-compatible upstream. */
export async function sim(options: { port?: string; host?: string }): Promise<void> {
  const server = await startSimServer({ port: options.port === undefined ? 0 : Number(options.port), host: options.host });
  process.stdout.write(`sluice sim listening on ${server.url} (OpenAI base URL ${server.baseURL})\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
