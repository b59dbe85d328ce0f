/**
 * `npm run bench:tokens [-- --rounds N --counts N --before <checkout> ...]`
 *
 * What one `countTokens` (packages/gateway/src/streams/token-counter.ts)
 * costs, warm (counts in a tight loop, the tokenizer's tables in the CPU's
 * caches) and cold (32 MiB of other memory read between two counts, as a
 * busy gateway's other work does between two requests' prompts). One
 * process, no server: each `--before` names another checkout (its own `npm
 * ci` done) whose counter is measured beside this one, rounds interleaved,
 * so a shared machine weighs on all of them alike.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { numberOption } from '../procs/floor.ts';
import { REPO_ROOT } from '../targets/paths.ts';

const ROUNDS = numberOption('rounds', 5);
const COUNTS = numberOption('counts', 300);
/** Each `--before <checkout>`, in order. */
const BEFORE = process.argv.flatMap((arg, i) => (arg === '--before' && i + 1 < process.argv.length ? [process.argv[i + 1]] : []));

type Count = (text: string) => number;
const COUNTER = 'packages/gateway/src/streams/token-counter.ts';
const load = async (root: string): Promise<Count> => ((await import(pathToFileURL(join(root, COUNTER)).href)) as { countTokens: Count }).countTokens;
const counters: { name: string; count: Count }[] = [{ name: 'this checkout', count: await load(REPO_ROOT) }];
for (const root of BEFORE) counters.push({ name: `before: ${root}`, count: await load(root) });

/** Prompts of 12 to 16 tokens, as chat requests send, and one of 161. */
const SHORT_PROMPTS = [
  'Explain quantum computing in simple terms, please. Answer briefly.\n',
  'Write a haiku about rivers running to the sea. Answer briefly.\n',
  'What is the capital of Australia, and why not Sydney? Answer briefly.\n',
  'Summarise the plot of Hamlet in three sentences. Answer briefly.\n',
  'How do I reverse a linked list in TypeScript? Answer briefly.\n',
  'Give me five ideas for a rainy Sunday afternoon. Answer briefly.\n',
  'Translate "good morning, how are you" into French. Answer briefly.\n',
  'Why is the sky blue? Answer for a ten-year-old. Answer briefly.\n',
];
const LONG_PROMPT =
  'You answer questions for a library, carefully: opening hours, loans, reservations and events. '.repeat(2) +
  'A reader asks: I borrowed three books on the 4th of March, two novels and a cookbook, and I would like to renew them, ' +
  'but the website says one of them is reserved by somebody else. Can I keep the other two for another three weeks, and ' +
  'what happens to the reserved one if I bring it back late? Also, is the reading room open on Sunday mornings, and do I ' +
  'need to book a seat for the author talk next Thursday at 18:30? ```json\n{"member": 40213, "loans": [117, 2093, 58]}\n```\n';

for (const prompt of [...SHORT_PROMPTS, LONG_PROMPT]) {
  const counts = counters.map(({ count }) => count(prompt));
  if (new Set(counts).size !== 1) throw new Error(`the counters disagree on ${JSON.stringify(prompt)}: ${counts.join(', ')}`);
}

/** Read a cache line of each 64 bytes of 32 MiB: the L3 of the bench machine, and more than most L2s by far. */
const other = new Float64Array((32 * 1024 * 1024) / 8);
let sink = 0;
function evict(): void {
  for (let i = 0; i < other.length; i += 8) sink += other[i];
}

/** A fresh string, as each request's JSON body gives one (no hash or flattening left from the last count). */
const fresh = (text: string): string => JSON.parse(JSON.stringify(text)) as string;

function warm(count: Count, prompts: readonly string[]): number {
  const texts = Array.from({ length: 4096 }, (_, i) => fresh(prompts[i % prompts.length]));
  const started = performance.now();
  for (const text of texts) sink += count(text);
  return ((performance.now() - started) * 1000) / texts.length;
}

function cold(count: Count, prompts: readonly string[]): number[] {
  const took: number[] = [];
  for (let i = 0; i < COUNTS; i++) {
    const text = fresh(prompts[i % prompts.length]);
    evict();
    const started = performance.now();
    sink += count(text);
    took.push((performance.now() - started) * 1000);
  }
  return took;
}

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

const cases = [
  { name: 'short prompt (12–16 tokens)', prompts: SHORT_PROMPTS },
  { name: 'long prompt (161 tokens)', prompts: [LONG_PROMPT] },
];
const results = new Map<string, { warm: number[]; cold: number[] }>();
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < counters.length; i++) {
    const { name, count } = counters[(i + round) % counters.length];
    for (const each of cases) {
      const key = `${name} | ${each.name}`;
      const result = results.get(key) ?? { warm: [], cold: [] };
      result.warm.push(warm(count, each.prompts));
      result.cold.push(...cold(count, each.prompts));
      results.set(key, result);
    }
  }
}

console.log(`countTokens, µs a count (${ROUNDS} rounds; cold: ${COUNTS} counts a round, 32 MiB read before each)\n`);
console.log('| counter | text | warm, median of rounds | cold p50 | cold p90 |');
console.log('|---|---|---|---|---|');
for (const [key, { warm: warmTimes, cold: coldTimes }] of results) {
  const [counter, text] = key.split(' | ');
  console.log(`| ${counter} | ${text} | ${quantile(warmTimes, 0.5).toFixed(2)} | ${quantile(coldTimes, 0.5).toFixed(1)} | ${quantile(coldTimes, 0.9).toFixed(1)} |`);
}
if (sink === -1) console.log('');
