/**
 * Process entry of the benchmark upstream:
 * `node upstream/main.ts --port N [--h2c-port N] [--h2-port N --key FILE --cert FILE]`.
 * Prints its URL once it listens; ends on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { startUpstream } from './server.ts';
import { portArgument, stringArgument } from '../targets/port-argument.ts';

const argv = process.argv.slice(2);
const key = stringArgument(argv, '--key');
const cert = stringArgument(argv, '--cert');
const upstream = await startUpstream({
  port: portArgument(argv),
  ...(stringArgument(argv, '--h2c-port') === undefined ? {} : { h2cPort: portArgument(argv, '--h2c-port') }),
  ...(key === undefined || cert === undefined ? {} : { h2: { port: portArgument(argv, '--h2-port'), key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') } }),
});
process.stdout.write(`upstream listening on ${upstream.url}${upstream.h2cUrl ? `, h2c on ${upstream.h2cUrl}` : ''}${upstream.h2Url ? `, h2 (TLS) on ${upstream.h2Url}` : ''}\n`);
process.once('SIGTERM', () => void upstream.close().then(() => process.exit(0)));
