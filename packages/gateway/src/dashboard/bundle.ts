import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { DASHBOARD_ASSETS, DASHBOARD_ENTRY, DASHBOARD_OUT } from './paths.ts';

/** Everything a browser downloads for the dashboard, gzipped, must stay under this. */
export const SIZE_BUDGET_GZIP = 100 * 1024;

export interface BundleReport {
  files: { name: string; bytes: number; gzipBytes: number }[];
  gzipTotal: number;
}

/**
 * Bundle the dashboard (Preact, htm, uPlot and its CSS) with esbuild into
 * `dist/dashboard/`, each asset also gzipped beside it, and fail when the
 * whole passes its size budget.
 */
export async function bundleDashboard(outDir = DASHBOARD_OUT): Promise<BundleReport> {
  const result = await build({
    entryPoints: { app: DASHBOARD_ENTRY },
    bundle: true,
    write: false,
    outdir: outDir,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  mkdirSync(outDir, { recursive: true });
  const files = result.outputFiles.map((file) => {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const gzip = gzipSync(file.contents, { level: 9 });
    writeFileSync(file.path, file.contents);
    writeFileSync(`${file.path}.gz`, gzip);
    return { name, bytes: file.contents.byteLength, gzipBytes: gzip.byteLength };
  });
  const missing = DASHBOARD_ASSETS.filter((asset) => !files.some((f) => f.name === asset));
  if (missing.length > 0) throw new Error(`the dashboard bundle lacks ${missing.join(', ')}`);
  const gzipTotal = files.reduce((total, f) => total + f.gzipBytes, 0);
  if (gzipTotal > SIZE_BUDGET_GZIP) throw new Error(`the dashboard is ${gzipTotal} bytes gzipped, over its budget of ${SIZE_BUDGET_GZIP}`);
  return { files, gzipTotal };
}
