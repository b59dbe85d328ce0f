/**
 * `npm run bench:compare -- FIRST.json SECOND.json`
 *
 * Prints, ratio by ratio, whether two runs agree within 15 % (the Markdown
 * table the benchmark README shows for two runs back to back); exits 1 when
 * any ratio is further apart, so a script can tell.
 */
import { readFileSync } from 'node:fs';
import { ratio, table } from '../report/format.ts';
import type { BenchResults } from '../report/results.ts';
import type { Spread } from '../report/stats.ts';
import { agreement, AGREEMENT_LIMIT } from './agreement.ts';

const [firstPath, secondPath] = process.argv.slice(2);
if (!firstPath || !secondPath) {
  process.stderr.write('usage: npm run bench:compare -- FIRST.json SECOND.json\n');
  process.exit(2);
}
const read = (path: string): BenchResults => JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
const first = read(firstPath);
const second = read(secondPath);
const cell = (s: Spread): string => `${ratio(s.median)} (${ratio(s.min)}–${ratio(s.max)}, ${s.rounds} rounds)`;
const rows = agreement(first, second);
process.stdout.write(
  table(
    ['ratio to the floor (median of rounds)', 'target', first.startedAt, second.startedAt, 'apart'],
    rows.map((r) => [r.label, r.target, cell(r.first), cell(r.second), `${Math.round(r.apart * 100)} %${r.apart > AGREEMENT_LIMIT ? ' ✗' : ''}`]),
  ) + '\n',
);
const off = rows.filter((r) => r.apart > AGREEMENT_LIMIT);
process.stdout.write(`\n${off.length === 0 ? `every ratio within ${AGREEMENT_LIMIT * 100} %` : `${off.length} of ${rows.length} ratios more than ${AGREEMENT_LIMIT * 100} % apart`}\n`);
process.exit(off.length === 0 ? 0 : 1);
