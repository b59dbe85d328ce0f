/**
 * The floor for any Node gateway: a pass-through proxy with `node:http` and
 * `undici`, nothing else. It buffers the request body, forwards it, and
 * streams the answer back as it comes, aborting the upstream request when
 * the client goes away. Run: `node bare-proxy.ts --port N --upstream URL`.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';
import { portArgument } from './port-argument.ts';

const args = process.argv.slice(2);
const upstreamIndex = args.indexOf('--upstream');
if (upstreamIndex === -1 || !args[upstreamIndex + 1]) throw new Error('usage: bare-proxy.ts --port N --upstream http://host:port');
const upstream = new URL(args[upstreamIndex + 1]);
const agent = new Agent({ keepAliveTimeout: 60_000, connections: null });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length', 'upgrade']);

function forwardable(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  return kept;
}

const server = createServer(async (req, res) => {
  const aborter = new AbortController();
  res.on('close', () => aborter.abort());
  try {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const answer = await request(new URL(req.url ?? '/', upstream), {
      method: req.method as 'POST',
      headers: forwardable(req.headers),
      body: parts.length > 0 ? Buffer.concat(parts) : undefined,
      signal: aborter.signal,
      dispatcher: agent,
    });
    res.writeHead(answer.statusCode, forwardable(answer.headers));
    res.flushHeaders();
    await pipeline(answer.body, res);
  } catch (error) {
    if (aborter.signal.aborted) return;
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(error), type: 'bad_gateway', param: null, code: 'upstream_error' } }));
    } else res.destroy();
  }
});
server.keepAliveTimeout = 65_000;
server.requestTimeout = 0;
server.listen({ port: portArgument(args), host: '127.0.0.1', backlog: 4096 }, () => {
  const address = server.address();
  process.stdout.write(`bare proxy listening on ${typeof address === 'object' && address ? address.port : '?'}\n`);
});
process.once('SIGTERM', () => process.exit(0));
