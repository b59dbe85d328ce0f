import { join } from 'node:path';
import { BARE_PROXY_MAIN, UPSTREAM_MAIN } from '../targets/paths.ts';
import { freePort } from './free-port.ts';
import { ServerProcess } from './server-process.ts';
import { streamOnce } from '../limits/stream-once.ts';

/** `--name N` from the command line, or `fallback`. */
export function numberOption(name: string, fallback: number, args: readonly string[] = process.argv.slice(2)): number {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
}

/** What every TTFT bench compares against: the bench upstream, and the bare proxy in front of it (the floor of any Node gateway). */
export async function startFloor(work: string): Promise<{ upstream: ServerProcess; upstreamUrl: string; proxy: ServerProcess; proxyUrl: string }> {
  const upstreamPort = await freePort();
  const upstream = await ServerProcess.start({ name: 'upstream', args: ['--conditions=@sluice/source', UPSTREAM_MAIN, '--port', String(upstreamPort)], port: upstreamPort, logFile: join(work, 'upstream.log') });
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const proxyPort = await freePort();
  const proxy = await ServerProcess.start({ name: 'bare-proxy', args: ['--conditions=@sluice/source', BARE_PROXY_MAIN, '--port', String(proxyPort), '--upstream', upstreamUrl], port: proxyPort, logFile: join(work, 'bare-proxy.log') });
  return { upstream, upstreamUrl, proxy, proxyUrl: `http://127.0.0.1:${proxyPort}` };
}

/**
 * Time to first token of every target: 20 warm-up streams each, then
 * `rounds` rounds in which every target gets `streams` sequential streams
 * (20 chunks), the first target rotating each round, so a loaded machine
 * weighs on all of them alike. Samples by target name.
 */
export async function interleavedTtft(targets: readonly { name: string; url: string; model: string; key?: string }[], rounds: number, streams: number): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  for (const target of targets) for (let i = 0; i < 20; i++) await streamOnce(target, `warm-${i}`, 20);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(round + i) % targets.length];
      for (let s = 0; s < streams; s++) samples.get(target.name)!.push((await streamOnce(target, `r${round}-${s}`, 20)).ttftMs);
    }
  }
  return samples;
}
