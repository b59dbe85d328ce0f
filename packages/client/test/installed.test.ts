/**
 * After `npm install` (its `prepare` script builds dist/), a user's plain
 * `.mjs` file imports `@sluice/client` and `@sluice/protocol` with the
 * project's Node and no custom conditions, as it would in their own app.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const packages = join(here, '..', '..');

test('a plain .mjs imports both packages from the dist/ the install built', async () => {
  for (const name of ['client', 'protocol']) {
    for (const file of ['index.js', 'index.d.ts']) assert.ok(existsSync(join(packages, name, 'dist', file)), `packages/${name}/dist/${file} exists`);
  }
  // No --conditions: the test runner's own flags are not passed on to the child.
  const { stdout } = await run(process.execPath, [join(here, 'fixtures', 'import-as-a-user.mjs')], { cwd: here });
  assert.deepEqual(JSON.parse(stdout), { stream: 'function', error: 'StreamInterruptedError', code: 'stream_not_found', frame: 'id: 1\ndata: {}\n\n' });
});
