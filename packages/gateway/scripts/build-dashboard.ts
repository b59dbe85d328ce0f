/**
 * `npm run build --workspace=@sluice/gateway` (run by the root `prepare`, so
 * `npm install` does it): bundles the dashboard into dist/dashboard/ and says
 * how big it is.
 */
import { bundleDashboard, SIZE_BUDGET_GZIP } from '../src/dashboard/bundle.ts';

const report = await bundleDashboard();
const sizes = report.files.map((f) => `${f.name} ${(f.gzipBytes / 1024).toFixed(1)} KB`).join(', ');
process.stdout.write(`dashboard: ${sizes} gzipped; ${(report.gzipTotal / 1024).toFixed(1)} of ${SIZE_BUDGET_GZIP / 1024} KB\n`);
