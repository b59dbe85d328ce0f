/**
 * Process entry of the benchmark upstream: `node upstream/main.ts --port N`.
 * Prints its URL once it listens; ends on SIGTERM.
 */
import { startUpstream } from './server.ts';
import { portArgument } from '../targets/port-argument.ts';

const upstream = await startUpstream({ port: portArgument(process.argv.slice(2)) });
process.stdout.write(`upstream listening on ${upstream.url}\n`);
process.once('SIGTERM', () => void upstream.close().then(() => process.exit(0)));
