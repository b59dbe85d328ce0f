/**
 * A heap snapshot of a running server, taken by the signal it was started
 * to answer (`--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR`): V8 writes
 * `Heap.<date>.<pid>.<tid>.<seq>.heapsnapshot` into DIR; once its size holds
 * still it is renamed to the name asked for.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

const POLL_MS = 500;
const STILL_MS = 1500;
const TIMEOUT_MS = 300_000;

export async function takeHeapSnapshot(pid: number, dir: string, name: string): Promise<string> {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = performance.now() + TIMEOUT_MS;
  const ours = (file: string): boolean => file.endsWith('.heapsnapshot') && file.includes(`.${pid}.`) && !before.has(file);
  for (;;) {
    if (performance.now() > deadline) throw new Error(`no heap snapshot from process ${pid} in ${TIMEOUT_MS} ms`);
    await sleep(POLL_MS);
    const file = readdirSync(dir).find(ours);
    if (file === undefined) continue;
    const size = statSync(join(dir, file)).size;
    await sleep(STILL_MS);
    if (size === 0 || statSync(join(dir, file)).size !== size) continue;
    const target = join(dir, `${name}.heapsnapshot`);
    renameSync(join(dir, file), target);
    return target;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
