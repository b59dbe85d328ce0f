/**
 * Portkey's gateway is only the benchmark's comparison target, so it is not
 * installed with the project. The first run that targets it installs it
 * with `npm ci` from the lock file committed in `packages/bench/portkey/`
 * into a cache folder named by that lock's hash; later runs, and other
 * clones of the same lock, reuse it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BENCH_ROOT } from './paths.ts';

const MANIFEST_DIR = join(BENCH_ROOT, 'portkey');
const ENTRY = join('node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');

/** Where this lock file's install lives: `$XDG_CACHE_HOME` (or `~/.cache`)`/sluice-bench/portkey-<hash>`. */
export function portkeyCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const lock = readFileSync(join(MANIFEST_DIR, 'package-lock.json'));
  const hash = createHash('sha256').update(lock).digest('hex').slice(0, 16);
  const cache = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'sluice-bench', `portkey-${hash}`);
}

/** Portkey's server entry, installing it first if this lock file's install is not cached yet. */
export async function ensurePortkey(log: (line: string) => void): Promise<string> {
  const dir = portkeyCacheDir();
  const entry = join(dir, ENTRY);
  if (existsSync(entry)) return entry;
  log(`installing @portkey-ai/gateway for the portkey target (once) into ${dir}`);
  // Installed beside, then renamed into place: an interrupted install is never taken for a finished one.
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(MANIFEST_DIR, file), join(staging, file));
    // Portkey's only install script is `patch-package`, with no patches in the published package.
    await npm(['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], staging);
    if (!existsSync(join(staging, ENTRY))) throw new Error(`npm ci finished but ${ENTRY} is missing`);
    if (!existsSync(entry)) renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return entry;
}

/** The npm that runs this script (`npm run bench`), else the one on PATH. */
function npm(args: string[], cwd: string): Promise<void> {
  const cli = process.env.npm_execpath;
  const [command, argv] = cli?.endsWith('.js') ? [process.execPath, [cli, ...args]] : ['npm', args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (part: Buffer) => (stderr += part.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm ${args[0]} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`))));
  });
}
