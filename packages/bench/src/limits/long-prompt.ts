/**
 * `npm run bench:limits:long [-- --words N --upstream-ttft MS --streams N --before <checkout>]`
 *
 * What a long prompt's count costs a limited request's first token. A key
 * with TPM and a budget must count its prompt with the tokenizer; for a
 * prompt of tens of thousands of tokens that takes milliseconds. On the
 * memory store admission takes the prompt at a bound and counts it once the
 * request is on its way upstream, so an upstream that takes a while to its
 * first token (a real one reading a long prompt does) hides the count.
 *
 * One `sluice serve` on the memory store in front of the bench upstream,
 * which waits `--upstream-ttft` ms (50) before its first chunk; each stream
 * carries a system message of `--words` words (20,000), different for every
 * request so no cache of counts helps. The key without limits and the key
 * with every limit alternate, one stream at a time. With `--before`, that
 * checkout's gateway runs beside this one, its streams interleaved too.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../procs/free-port.ts';
import { numberOption, startFloor } from '../procs/floor.ts';
import { ServerProcess } from '../procs/server-process.ts';
import { SLUICE_CLI } from '../targets/paths.ts';
import { encodePrompt } from '../workload.ts';
import { readToEnd } from './stream-once.ts';

const WORDS = numberOption('words', 20_000);
const UPSTREAM_TTFT = numberOption('upstream-ttft', 50);
const STREAMS = numberOption('streams', 30);
const at = process.argv.indexOf('--before');
const BEFORE = at === -1 ? undefined : process.argv[at + 1];
const KEY = 'sk-bench-limited-0000';
const FREE_KEY = 'sk-bench-free-000000';
const VOCABULARY = ['river', 'delta', 'sediment', 'flow', 'basin', 'gauge', 'flood', 'channel', 'meander', 'estuary', 'the', 'of', 'and', 'a', 'in', 'is', 'to', 'with'];

const work = mkdtempSync(join(tmpdir(), 'sluice-long-prompt-'));
const { upstream, upstreamUrl, proxy } = await startFloor(work);

async function gateway(name: string, cli: string): Promise<{ server: ServerProcess; url: string }> {
  const port = await freePort();
  const config = {
    server: { port },
    providers: [{ id: 'up', type: 'openai-compatible', baseURL: `${upstreamUrl}/v1` }],
    models: [{ name: 'priced', target: 'up/bench', price: { input: 1, output: 2 } }],
    keys: [
      { name: 'limited', key: KEY, limits: { rpm: 1_000_000, tpm: 1_000_000_000, concurrency: 1000, budget: { usd: 1_000_000, period: 'day' } } },
      { name: 'free', key: FREE_KEY },
    ],
    ledger: false,
    logLevel: 'warn',
  };
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  const server = await ServerProcess.start({ name, args: ['--conditions=@sluice/source', '--no-warnings=ExperimentalWarning', cli, 'serve', '--config', file], port, logFile: join(work, `${name}.log`), cwd: work });
  return { server, url: `http://127.0.0.1:${port}` };
}

/** A document of `WORDS` words, its numbers and word order differing with `seed`. */
function documentFor(seed: number): string {
  let text = '';
  for (let i = 0; i < WORDS; i++) text += i % 97 === 0 ? `${seed * 31 + i} ` : `${VOCABULARY[(i * 7 + seed) % VOCABULARY.length]}${i % 13 === 0 ? '. ' : ' '}`;
  return text;
}

async function firstToken(url: string, key: string, seed: number): Promise<number> {
  const body = JSON.stringify({
    model: 'priced',
    stream: true,
    messages: [
      { role: 'system', content: documentFor(seed) },
      { role: 'user', content: encodePrompt({ id: `long-${seed}`, chunks: 5, ttftMs: UPSTREAM_TTFT, itlMs: 1 }) },
    ],
  });
  const started = performance.now();
  const response = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
  return (await readToEnd(url, response)).firstAt - started;
}

const gateways = [{ label: '', ...(await gateway('now', SLUICE_CLI)) }];
if (BEFORE !== undefined) gateways.push({ label: 'before: ', ...(await gateway('before', join(BEFORE, 'packages/gateway/src/cli/main.ts'))) });
const samples = new Map<string, number[]>();
try {
  const targets = gateways.flatMap((g) => [
    { name: `${g.label}key without limits`, url: g.url, key: FREE_KEY },
    { name: `${g.label}key with every limit`, url: g.url, key: KEY },
  ]);
  for (const target of targets) samples.set(target.name, []);
  for (let i = 0; i < 3; i++) for (const target of targets) await firstToken(target.url, target.key, i);
  for (let s = 0; s < STREAMS; s++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(s + i) % targets.length];
      samples.get(target.name)!.push(await firstToken(target.url, target.key, 1000 + s));
    }
  }
  const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const lines = [`Long prompts: ${WORDS} words of system prompt, the upstream's first token after ${UPSTREAM_TTFT} ms, ${STREAMS} streams a target`, '', '| target | TTFT p50 ms | over the same gateway, key without limits, p50 ms |', '|---|---|---|'];
  for (const g of gateways) {
    const free = p50(samples.get(`${g.label}key without limits`)!);
    const limited = p50(samples.get(`${g.label}key with every limit`)!);
    lines.push(`| ${g.label}key without limits | ${free.toFixed(2)} | 0.00 |`, `| ${g.label}key with every limit | ${limited.toFixed(2)} | ${(limited - free).toFixed(2)} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await Promise.all([...gateways.map((g) => g.server.stop()), proxy.stop(), upstream.stop()]);
}
