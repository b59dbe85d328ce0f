/** Writes a run's files: `<date>.json` (raw figures), `<date>.md` (tables) and `<date>.svg` (chart). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChart } from './chart.ts';
import { renderMarkdown } from './markdown.ts';
import type { BenchResults } from './results.ts';

export interface WrittenFiles {
  json: string;
  markdown: string;
  svg: string;
}

export function writeResults(results: BenchResults, dir: string): WrittenFiles {
  mkdirSync(dir, { recursive: true });
  // 2026-11-24T16-05-09: a date that sorts, and no two runs of a day collide.
  const stamp = results.startedAt.slice(0, 19).replace(/:/g, '-');
  const base = join(dir, results.params.mode === 'quick' ? `${stamp}-quick` : stamp);
  const files = { json: `${base}.json`, markdown: `${base}.md`, svg: `${base}.svg` };
  writeFileSync(files.json, `${JSON.stringify(results)}\n`);
  writeFileSync(files.markdown, renderMarkdown(results));
  writeFileSync(files.svg, renderChart(results));
  return files;
}
