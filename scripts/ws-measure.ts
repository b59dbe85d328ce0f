/**
 * What WebSocket sockets cost the gateway: the live heap and resident memory
 * per idle socket (sluice.v1 and plain), and the token rate of many streams
 * multiplexed on one socket next to the same streams over SSE. The clients
 * run in a child process, so the figures are the gateway's alone.
 *
 *   node --conditions=@sluice/source scripts/ws-measure.ts [sockets=2000] [streams=20] [tokens=5000]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { startGateway } from '@sluice/gateway';
import WebSocket from 'ws';

const [sockets, streams, tokens] = [Number(process.argv[2] ?? 2000), Number(process.argv[3] ?? 20), Number(process.argv[4] ?? 5000)];

if (process.argv[2] === '--clients') await runClients(process.argv[3], process.argv[4], Number(process.argv[5]));
else await measure();

async function measure(): Promise<void> {
  const gateway = await startGateway({ config: { ledger: false, ws: { maxStreamsPerSocket: Math.max(64, streams) } }, port: 0, logLevel: 'silent' });
  const wsURL = `${gateway.url.replace(/^http/, 'ws')}/v1/chat/stream`;
  for (const mode of ['sluice.v1', 'plain'] as const) {
    const before = memory();
    const child = spawn(process.execPath, ['--conditions=@sluice/source', fileURLToPath(import.meta.url), '--clients', wsURL, mode, String(sockets)], { stdio: ['pipe', 'pipe', 'inherit'] });
    await once(child.stdout!, 'data');
    await new Promise((r) => setTimeout(r, 500));
    const after = memory();
    console.log(`${sockets} idle ${mode} sockets: live heap +${perSocket(after.heap - before.heap)} per socket, RSS +${perSocket(after.rss - before.rss)} per socket`);
    child.kill();
    await once(child, 'exit');
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`${streams} streams × ${tokens} tokens, client in a child process:`);
  for (const transport of ['sluice.v1', 'sse'] as const) {
    const child = spawn(process.execPath, ['--conditions=@sluice/source', fileURLToPath(import.meta.url), '--clients', transport === 'sse' ? gateway.baseURL : wsURL, `stream-${transport}`, String(streams)], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, BODY_TOKENS: String(tokens) } });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const cpu = process.cpuUsage();
    await once(child, 'exit');
    const used = process.cpuUsage(cpu);
    const perToken = (used.user + used.system) / (streams * tokens);
    console.log(`  ${transport === 'sse' ? 'SSE, one request each' : 'one sluice.v1 socket'}: ${out.trim()}; gateway CPU ${perToken.toFixed(2)} µs per token`);
  }
  await gateway.close();
}

function memory(): { heap: number; rss: number } {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };
}

function perSocket(bytes: number): string {
  return `${(bytes / sockets / 1024).toFixed(2)} KiB`;
}

async function runClients(url: string, mode: string, count: number): Promise<void> {
  if (mode.startsWith('stream-')) return stream(url, mode.slice('stream-'.length), count, Number(process.env.BODY_TOKENS));
  const open: WebSocket[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () => new WebSocket(url, mode === 'plain' ? [] : [mode]));
    await Promise.all(batch.map((ws) => once(ws, 'open')));
    open.push(...batch);
  }
  process.stdout.write('ready\n');
  await new Promise(() => {});
}

async function stream(url: string, transport: string, count: number, tokenCount: number): Promise<void> {
  const body = (i: number) => ({ model: 'sim/bench', messages: [{ role: 'user', content: `prompt ${i}` }], sim: { tokens: tokenCount } });
  const started = performance.now();
  let frames = 0;
  if (transport === 'sse') {
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const response = await fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body(i), stream: true }) });
        const text = await response.text();
        frames += text.split('\n\n').length - 1;
      }),
    );
  } else {
    const ws = new WebSocket(url, [transport]);
    await once(ws, 'open');
    let ended = 0;
    const done = new Promise<void>((resolve) =>
      ws.on('message', (data) => {
        frames++;
        const text = data.toString();
        if (text.startsWith('{"type":"done"') || text.startsWith('{"type":"error"')) if (++ended === count) resolve();
      }),
    );
    for (let i = 0; i < count; i++) ws.send(JSON.stringify({ type: 'request', id: `r${i}`, body: body(i) }));
    await done;
    ws.close();
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${frames} frames in ${seconds.toFixed(2)} s, ${Math.round((count * tokenCount) / seconds)} tokens/s\n`);
  process.exit(0);
}
