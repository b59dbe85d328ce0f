import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliRun {
  child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Run the `sluice` CLI as its own process, on the same Node as the tests. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawn(process.execPath, ['--conditions=@sluice/source', MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Start `sluice serve` and wait until it says where it listens. */
export async function serveCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun & { baseURL: string }> {
  const run = runCli(['serve', '--port', '0', ...args], env);
  // A fresh process loads the whole gateway from source: on a machine running three test files at once that has taken over 15 s.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const match = /OpenAI base URL (http:\/\/[^\s)]+)/.exec(run.stdout());
    if (match) return { ...run, baseURL: match[1] };
    if (run.child.exitCode !== null) throw new Error(`sluice serve exited ${run.child.exitCode}: ${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  run.child.kill('SIGKILL');
  throw new Error(`sluice serve did not start: ${run.stderr()}`);
}

/**
 * The cells of a table whose columns line up with its header: text
 * columns start where their header starts, numbers (`right`) end where it ends.
 */
export function assertAligned(table: string, headers: string[], right: string[] = []): string[][] {
  const cellsOf = (line: string) => [...line.matchAll(/\S+(?: \S+)*/g)].map((match) => ({ text: match[0], start: match.index, end: match.index + match[0].length }));
  const [head, ...lines] = table.trimEnd().split('\n');
  const columns = cellsOf(head);
  assert.deepEqual(columns.map((column) => column.text), headers);
  return lines.map((line) => {
    const cells = cellsOf(line);
    assert.equal(cells.length, headers.length, line);
    cells.forEach((cell, i) => {
      if (right.includes(headers[i])) assert.equal(cell.end, columns[i].end, `${headers[i]} ends under its header: ${line}`);
      else assert.equal(cell.start, columns[i].start, `${headers[i]} starts under its header: ${line}`);
    });
    return cells.map((cell) => cell.text);
  });
}

/**
 * Start `count` replicas of one configuration at once. If one does not
 * start, the others are killed before the error is thrown: a replica left
 * running would keep the test file's process, and so the whole suite, alive.
 */
export async function serveReplicas(count: number, args: string[], env: NodeJS.ProcessEnv = {}): Promise<(CliRun & { baseURL: string })[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => serveCli(args, env)));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed === undefined) return started.map((result) => (result as PromiseFulfilledResult<CliRun & { baseURL: string }>).value);
  for (const result of started) if (result.status === 'fulfilled') result.value.child.kill('SIGKILL');
  throw failed.reason;
}
