/**
 * The package as it ships: small enough, built by tsc into a dist/ that
 * needs no other package, and free of Node-only APIs in its sources.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { finishBuild } from '../scripts/finish-build.ts';
import { measureSize, SIZE_LIMIT_BYTES } from '../scripts/size.ts';

const run = promisify(execFile);
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

test('bundled, minified and gzipped, the client is at most 12 KB', async () => {
  const { gzippedBytes, minifiedBytes } = await measureSize();
  assert.ok(minifiedBytes > 5000, 'the bundle holds the client');
  assert.ok(gzippedBytes <= SIZE_LIMIT_BYTES, `${gzippedBytes} bytes gzipped, over the ${SIZE_LIMIT_BYTES} limit`);
});

test('tsc builds a dist/ with declarations that imports no package', async () => {
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  // A folder of its own: packages/client/dist is what `npm install` built, and other tests import it.
  const dist = await mkdtemp(join(tmpdir(), 'sluice-client-build-'));
  try {
    await run(process.execPath, [tsc, '-p', join(packageRoot, 'tsconfig.build.json'), '--outDir', dist], { cwd: packageRoot });
    await finishBuild(dist);
    const files = await filesUnder(dist);
    assert.ok(files.some((f) => f.endsWith(join('client', 'src', 'transport', 'ws.d.ts'))), 'declarations are emitted');
    for (const file of files.filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
      const text = await readFile(file, 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        assert.ok(specifier.startsWith('.'), `${file} imports ${specifier}: the build must be self-contained`);
      }
    }
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `import { StreamInterruptedError } from ${JSON.stringify(pathToFileURL(join(dist, 'index.js')).href)}; console.log(StreamInterruptedError.name);`]);
    assert.equal(stdout.trim(), 'StreamInterruptedError');
  } finally {
    await rm(dist, { recursive: true, force: true });
  }
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
