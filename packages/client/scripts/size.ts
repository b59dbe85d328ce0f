/**
 * `npm run size -w @sluice/client`: the client as a browser would load it —
 * bundled, minified, gzipped — against its 12 KB budget.
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { bundleClient } from './bundle.ts';

export const SIZE_LIMIT_BYTES = 12 * 1024;

export interface SizeReport {
  minifiedBytes: number;
  gzippedBytes: number;
}

export async function measureSize(): Promise<SizeReport> {
  const code = await bundleClient({ minify: true, format: 'esm' });
  return { minifiedBytes: Buffer.byteLength(code), gzippedBytes: gzipSync(code, { level: 9 }).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { minifiedBytes, gzippedBytes } = await measureSize();
  const kb = (bytes: number) => (bytes / 1024).toFixed(2);
  console.log(`@sluice/client: ${kb(minifiedBytes)} KB minified, ${kb(gzippedBytes)} KB gzipped (limit ${kb(SIZE_LIMIT_BYTES)} KB)`);
  if (gzippedBytes > SIZE_LIMIT_BYTES) process.exitCode = 1;
}
