/**
 * What `npm install` does for a newcomer: no benchmark-only package in the
 * project's tree, no install script npm would warn about, and no package
 * whose `engines` the Node that runs npm (the system's, not the project's
 * Node 24) fails, which npm reports as EBADENGINE.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const semver = require('semver') as { satisfies(version: string, range: string): boolean };
const root = new URL('../../../', import.meta.url);

interface LockEntry {
  engines?: { node?: string };
  hasInstallScript?: boolean;
}
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as { packages: Record<string, LockEntry> };
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { allowScripts?: Record<string, boolean> };

test('the benchmark-only Portkey gateway is not in the project install', () => {
  const portkey = Object.keys(lock.packages).filter((path) => path.includes('@portkey-ai/'));
  assert.deepEqual(portkey, []);
});

test('every install script in the lock is one the project has decided on in allowScripts (npm warns about the others)', () => {
  const scripted = Object.entries(lock.packages)
    .filter(([, entry]) => entry.hasInstallScript === true)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  assert.deepEqual(scripted.filter((name) => !Object.hasOwn(manifest.allowScripts ?? {}, name)), []);
});

test("every locked package's engines admit the Node that runs npm here", () => {
  const npmNode = process.env.npm_node_execpath ?? 'node';
  const version = execFileSync(npmNode, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
  const refused = Object.entries(lock.packages).filter(([, entry]) => entry.engines?.node !== undefined && !semver.satisfies(version, entry.engines.node));
  assert.deepEqual(refused.map(([path, entry]) => `${path} wants node ${entry.engines?.node}`), [], `npm runs on Node ${version}`);
});
