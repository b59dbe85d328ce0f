import { fileURLToPath } from 'node:url';

/** The dashboard's sources and where `npm install` bundles them (`packages/gateway/dist/dashboard/`). */
export const DASHBOARD_ENTRY = fileURLToPath(new URL('./ui/main.ts', import.meta.url));
export const DASHBOARD_OUT = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));
/** What the page loads. */
export const DASHBOARD_ASSETS = ['app.js', 'app.css'] as const;
