import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { observabilityAccess } from '../admin/observability-scope.ts';
import type { GatewayContext } from '../request/context.ts';
import { DASHBOARD_ASSETS, DASHBOARD_OUT } from './paths.ts';
import { dashboardPage, unavailablePage } from './page.ts';

interface Asset {
  type: string;
  plain: Buffer;
  gzip: Buffer;
}

const TYPES: Record<string, string> = { 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };

/** The bundle `npm install` built, read once; null when it was not built. */
function loadAssets(dir: string): Map<string, Asset> | null {
  if (!DASHBOARD_ASSETS.every((name) => existsSync(join(dir, name)) && existsSync(join(dir, `${name}.gz`)))) return null;
  return new Map(DASHBOARD_ASSETS.map((name) => [name, { type: TYPES[name], plain: readFileSync(join(dir, name)), gzip: readFileSync(join(dir, `${name}.gz`)) }]));
}

/** Scripts and styles from this gateway only (uPlot sizes its canvas with inline styles); never framed. */
const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').send(html);
}

/**
 * `/dashboard`: the web UI, served by the gateway from the bundle made at
 * install. The page itself holds no data; everything it shows comes from
 * the admin API with the admin key the person enters (or, on a keyless
 * loopback gateway, openly). Off with `dashboard: false`.
 */
export function registerDashboardRoutes(app: FastifyInstance, ctx: GatewayContext, dir = DASHBOARD_OUT): void {
  if (!ctx.config.dashboard) return;
  const assets = loadAssets(dir);
  const page = async (_request: FastifyRequest, reply: FastifyReply) => {
    const access = observabilityAccess(ctx);
    if (assets === null) return sendPage(reply, 503, unavailablePage('The dashboard has not been built: run `npm install` (or `npm run build --workspace=@sluice/gateway`) and restart.'));
    if (access === null) return sendPage(reply, 404, unavailablePage('This gateway has keys but no admin key: set `admin.keyEnv` in the config, and the variable it names, to use the dashboard.'));
    return sendPage(reply, 200, dashboardPage(access));
  };
  // The login form's check of a key: answered 200 either way, so a mistyped key is a message on the page, not a failed request.
  app.post<{ Body: { key?: unknown } }>('/dashboard/session', async (request) => {
    const key = request.body?.key;
    return { valid: ctx.admin !== null && typeof key === 'string' && key !== '' && ctx.admin.verify(key) };
  });
  app.get('/dashboard', page);
  app.get('/dashboard/', page);
  app.get<{ Params: { name: string } }>('/dashboard/:name', async (request, reply) => {
    const asset = assets?.get(request.params.name);
    if (asset === undefined) return reply.callNotFound();
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    void reply.header('content-type', asset.type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').header('vary', 'accept-encoding');
    if (gzip) void reply.header('content-encoding', 'gzip');
    return reply.send(gzip ? asset.gzip : asset.plain);
  });
}
