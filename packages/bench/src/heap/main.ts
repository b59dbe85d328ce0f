/**
 * `npm run bench:heap -- <before.heapsnapshot> <after.heapsnapshot> <items> [--top N]`
 *
 * Prints what `items` more idle streams cost a process's JS heap, by owner
 * and by kind (see attribute.ts), as Markdown tables. The snapshots come
 * from `npm run bench -- --phases memory --heap-snapshots DIR`.
 */
import { attribute, type Share } from './attribute.ts';

const USAGE = 'usage: npm run bench:heap -- <before.heapsnapshot> <after.heapsnapshot> <items> [--top N]';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt === -1 ? 25 : Number(args[topAt + 1]);
const [beforeFile, afterFile, itemsRaw] = topAt === -1 ? args : [...args.slice(0, topAt), ...args.slice(topAt + 2)];
const items = Number(itemsRaw);
if (!beforeFile || !afterFile || !Number.isInteger(items) || items <= 0 || !Number.isInteger(top) || top <= 0) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

const result = attribute(beforeFile, afterFile, items);
process.stdout.write(`JS heap: ${Math.round(result.bytesPerItem)} B per item over ${items} (objects allocated between the snapshots and alive in the second)\n\n`);
process.stdout.write(table('nearest named owner', result.byOwner.slice(0, top)));
process.stdout.write('\n');
process.stdout.write(table('kind', result.byKind.slice(0, top)));

function table(title: string, shares: Share[]): string {
  const rows = shares.map((s) => `| ${s.name} | ${Math.round(s.bytesPerItem)} | ${s.objectsPerItem.toFixed(2)} |`);
  return [`| ${title} | bytes per item | objects per item |`, '| --- | ---: | ---: |', ...rows, ''].join('\n');
}
