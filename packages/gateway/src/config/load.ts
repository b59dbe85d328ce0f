import { readFileSync } from 'node:fs';
import { configSchema, type SluiceConfig, type SluiceConfigInput } from './schema.ts';
import { SIM_PROVIDER, seedModelAliases } from './defaults.ts';
import { formatPath } from './zod-path.ts';

/** A configuration that cannot be used; the message names the field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validate a configuration object and fill in the embedded defaults. */
export function resolveConfig(input: SluiceConfigInput = {}, env: NodeJS.ProcessEnv = process.env): SluiceConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${formatPath(issue.path) || '(root)'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  if (!config.providers.some((p) => p.id === SIM_PROVIDER.id)) config.providers.push({ ...SIM_PROVIDER, price: { ...SIM_PROVIDER.price! } });
  if (input.models === undefined) config.models = seedModelAliases();
  if (input.ledger === undefined && env.SLUICE_DATABASE_URL) config.ledger = { url: env.SLUICE_DATABASE_URL, table: 'sluice_usage' };
  if (config.redis === undefined && env.SLUICE_REDIS_URL) config.redis = { url: env.SLUICE_REDIS_URL, keyPrefix: 'sluice:', heartbeatMs: 1_000, runningTtlMs: 24 * 3600 * 1000 };
  checkCrossReferences(config, env);
  return config;
}

/** Read, parse and validate a JSON config file. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): SluiceConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return resolveConfig(json as SluiceConfigInput, env);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${path}: ${error.message}`);
    throw error;
  }
}

function checkCrossReferences(config: SluiceConfig, env: NodeJS.ProcessEnv): void {
  const seen = new Set<string>();
  config.providers.forEach((p, i) => {
    const at = `providers[${i}]`;
    if (seen.has(p.id)) throw new ConfigError(`${at}.id: duplicate provider id "${p.id}"`);
    seen.add(p.id);
    if (p.type === 'openai-compatible' && p.baseURL === undefined) throw new ConfigError(`${at}.baseURL: required for type "${p.type}"`);
    if (p.apiKey !== undefined && p.apiKeyEnv !== undefined) throw new ConfigError(`${at}: give apiKey or apiKeyEnv, not both`);
    if (p.apiKeyEnv !== undefined && !env[p.apiKeyEnv]) throw new ConfigError(`${at}.apiKeyEnv: environment variable ${p.apiKeyEnv} is not set`);
  });
  const names = new Set<string>();
  config.models.forEach((m, i) => {
    const at = `models[${i}]`;
    if (names.has(m.name)) throw new ConfigError(`${at}.name: duplicate model name "${m.name}"`);
    names.add(m.name);
    const providerId = m.target.slice(0, m.target.indexOf('/'));
    if (!seen.has(providerId)) throw new ConfigError(`${at}.target: unknown provider "${providerId}"`);
  });
  config.models.forEach((m, i) => {
    m.fallbacks?.forEach((f, j) => {
      const slash = f.indexOf('/');
      const known = names.has(f) || (slash > 0 && seen.has(f.slice(0, slash)));
      if (!known) throw new ConfigError(`models[${i}].fallbacks[${j}]: "${f}" is neither a model name nor "<providerId>/<model>"`);
    });
  });
  config.keys.forEach((k, i) => {
    if ('keyEnv' in k && !env[k.keyEnv]) throw new ConfigError(`keys[${i}].keyEnv: environment variable ${k.keyEnv} is not set`);
  });
  if (config.server.http2 === 'h2c' && config.server.tls !== undefined) {
    throw new ConfigError('server.http2: "h2c" is cleartext; with server.tls the server already speaks HTTP/2 and HTTP/1.1');
  }
}
