/**
 * The second half of `npm run build`. `tsc` emitted the client and the
 * protocol sources it uses side by side (dist/client/src, dist/protocol/src);
 * this points the client's `@sluice/protocol` imports at that copy and writes
 * the entry files, so the published package has no runtime dependency.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const protocolEntry = join(dist, 'protocol', 'src', 'index.js');
const SPECIFIER = /(from\s+|import\s*\(\s*)(['"])@sluice\/protocol\2/g;

export async function finishBuild(root = dist): Promise<number> {
  let rewritten = 0;
  for (const file of await listFiles(join(root, 'client'))) {
    if (!file.endsWith('.js') && !file.endsWith('.d.ts')) continue;
    const text = await readFile(file, 'utf8');
    let target = relative(dirname(file), join(root, 'protocol', 'src', 'index.js')).replaceAll('\\', '/');
    if (!target.startsWith('.')) target = `./${target}`;
    const next = text.replace(SPECIFIER, (_match, prefix: string, quote: string) => `${prefix}${quote}${target}${quote}`);
    if (next !== text) {
      await writeFile(file, next);
      rewritten++;
    }
  }
  const entry = "export * from './client/src/index.js';\n";
  await writeFile(join(root, 'index.js'), entry);
  await writeFile(join(root, 'index.d.ts'), entry);
  return rewritten;
}

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = await finishBuild();
  console.log(`dist/: ${count} files now import the bundled protocol (${relative(process.cwd(), protocolEntry)})`);
}
