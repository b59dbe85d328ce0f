/**
 * The package as it ships: small enough, built by tsc into a dist/ that
 * needs no other package, importable through the exports map, and free of
 * Node-only APIs in its sources.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { finishBuild } from '../scripts/finish-build.ts';
import { measureSize, SIZE_LIMIT_BYTES } from '../scripts/size.ts';

const run = promisify(execFile);
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(packageRoot, '..', '..');

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

test('bundled, minified and gzipped, the client is at most 12 KB', async () => {
  const { gzippedBytes, minifiedBytes } = await measureSize();
  assert.ok(minifiedBytes > 5000, 'the bundle holds the client');
  assert.ok(gzippedBytes <= SIZE_LIMIT_BYTES, `${gzippedBytes} bytes gzipped, over the ${SIZE_LIMIT_BYTES} limit`);
});

test('tsc builds dist/ with declarations, importing no package, and Node imports it through the exports map', async () => {
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', join(packageRoot, 'tsconfig.build.json')], { cwd: packageRoot });
  await finishBuild();
  const dist = join(packageRoot, 'dist');
  const files = await filesUnder(dist);
  assert.ok(files.some((f) => f.endsWith(join('client', 'src', 'transport', 'ws.d.ts'))), 'declarations are emitted');
  for (const file of files.filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
    const text = await readFile(file, 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      assert.ok(specifier.startsWith('.'), `${file} imports ${specifier}: the build must be self-contained`);
    }
  }
  // A plain `node` without the source condition resolves `default` → dist/index.js.
  const script = "import { SluiceClient, StreamInterruptedError } from '@sluice/client'; const c = new SluiceClient({ baseURL: 'http://127.0.0.1:1/v1', transport: 'sse' }); console.log(typeof c.chat.stream, StreamInterruptedError.name);";
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot });
  assert.equal(stdout.trim(), 'function StreamInterruptedError');
});

test('the sources use no Node-only API, so they run in browsers', async () => {
  const sources = (await filesUnder(join(packageRoot, 'src'))).filter((f) => f.endsWith('.ts'));
  assert.ok(sources.length >= 11);
  for (const file of sources) {
    const text = await readFile(file, 'utf8');
    assert.doesNotMatch(text, /from ['"]node:|require\(|\bprocess\.|\bBuffer\b|\b__dirname\b/, `${file} uses a Node-only API`);
  }
  const pkg = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { dependencies?: object; exports: Record<string, Record<string, string>> };
  assert.equal(pkg.dependencies, undefined, 'no runtime dependencies');
  assert.deepEqual(Object.keys(pkg.exports['.']), ['@sluice/source', 'types', 'default']);
});
