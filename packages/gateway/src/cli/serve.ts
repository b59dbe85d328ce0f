import { ConfigError } from '../config/load.ts';
import { commandConfig } from './config-file.ts';
import { startGateway } from '../server/gateway.ts';

export interface ServeOptions {
  port?: string;
  host?: string;
  config?: string;
  h2c?: boolean;
}

/** `sluice serve`: run the gateway until SIGTERM/SIGINT, then drain and exit 0. */
export async function serve(options: ServeOptions): Promise<void> {
  const config = commandConfig(options.config, fail);
  if (options.h2c) config.server.http2 = 'h2c';
  const port = options.port === undefined ? undefined : Number(options.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) fail(`--port: "${options.port}" is not a port number`);
  let gateway;
  try {
    gateway = await startGateway({ config, port, host: options.host });
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    fail(`cannot start: ${(error as Error).message}`);
  }
  gateway.context.logger.info(`sluice listening on ${gateway.url} (OpenAI base URL ${gateway.baseURL})`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      gateway.context.logger.warn(`${signal} again: exiting without waiting for streams`);
      process.exit(1);
    }
    stopping = true;
    gateway.context.logger.info(`${signal}: draining open streams (up to ${config.shutdown.drainTimeoutMs} ms)`);
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        gateway.context.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function fail(message: string): never {
  process.stderr.write(`sluice: ${message}\n`);
  process.exit(2);
}
