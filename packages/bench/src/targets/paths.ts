/** Files the bench starts, found from this file's own location. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const BENCH_ROOT = join(REPO_ROOT, 'packages/bench');
export const SLUICE_CLI = join(REPO_ROOT, 'packages/gateway/src/cli/main.ts');
export const UPSTREAM_MAIN = fileURLToPath(new URL('../upstream/main.ts', import.meta.url));
export const BARE_PROXY_MAIN = fileURLToPath(new URL('./bare-proxy.ts', import.meta.url));
