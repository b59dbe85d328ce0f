/**
 * Bundles the client for browsers with esbuild, protocol included, from the
 * TypeScript sources. Used by the size check and the browser test.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'index.ts');

export interface BundleOptions {
  minify: boolean;
  /** 'esm' for `import`, 'iife' to expose the exports as `globalThis.Sluice` from a plain `<script>`. */
  format: 'esm' | 'iife';
}

export async function bundleClient(options: BundleOptions): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: options.format,
    globalName: options.format === 'iife' ? 'Sluice' : undefined,
    platform: 'browser',
    target: 'es2022',
    conditions: ['@sluice/source'],
    minify: options.minify,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}
