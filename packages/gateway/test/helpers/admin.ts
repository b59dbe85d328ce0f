import { startGateway, type RunningGateway, type SluiceConfigInput } from '@sluice/gateway';

/** The admin key the admin tests run with, and the variable it is read from. */
export const ADMIN_KEY = 'sluice-admin-test-key-0123456789';
export const ADMIN_KEY_ENV = 'SLUICE_TEST_ADMIN_KEY';

/** A real gateway with the admin API on (unless `adminKey` is null), on a free loopback port. */
export function startAdminGateway(config: SluiceConfigInput = {}, options: { adminKey?: string | null; env?: NodeJS.ProcessEnv } = {}): Promise<RunningGateway> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env[ADMIN_KEY_ENV];
  if (options.adminKey !== null) env[ADMIN_KEY_ENV] = options.adminKey ?? ADMIN_KEY;
  return startGateway({ config: { ledger: false, admin: { keyEnv: ADMIN_KEY_ENV }, ...config }, env, port: 0, logLevel: 'silent' });
}

/** A call to the admin API; JSON in and out. */
export async function adminCall(gateway: RunningGateway, method: string, path: string, body?: unknown, key: string | null = ADMIN_KEY): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${gateway.url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}
