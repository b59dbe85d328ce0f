import { readFileSync } from 'node:fs';
import { configSchema, type SluiceConfig, type SluiceConfigInput } from './schema.ts';
import { SIM_PROVIDER, seedModelAliases } from './defaults.ts';
import { formatPath } from './zod-path.ts';
import { modelPatternProblem } from './model-patterns.ts';
import { knownKeysAt, nearestKey } from './suggest.ts';
import type { z } from 'zod';

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
  if (!parsed.success) throw invalid(parsed.error.issues.flatMap(describeIssue));
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

/** One config error listing every problem found, one line each. */
function invalid(lines: readonly string[]): ConfigError {
  return new ConfigError(`invalid configuration:\n${lines.map((line) => `  ${line}`).join('\n')}`);
}

/** A schema issue as `field: message` lines; an unknown key says which known one it may have meant. */
function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = formatPath(issue.path) || '(root)';
  if (issue.code !== 'unrecognized_keys') return [`${at}: ${issue.message}`];
  const known = knownKeysAt(configSchema, issue.path);
  return issue.keys.map((key) => {
    const near = nearestKey(key, known);
    return `${at}: unknown key "${key}"${near === undefined ? '' : ` (did you mean "${near}"?)`}`;
  });
}

/** What the schema alone cannot check: ids and names that refer to each other, and the environment. All problems at once. */
function checkCrossReferences(config: SluiceConfig, env: NodeJS.ProcessEnv): void {
  const problems: string[] = [];
  const unsetVariable = (at: string, name: string) => problems.push(`${at}: environment variable ${name} is not set`);
  const seen = new Set<string>();
  config.providers.forEach((p, i) => {
    const at = `providers[${i}]`;
    if (seen.has(p.id)) problems.push(`${at}.id: duplicate provider id "${p.id}"`);
    seen.add(p.id);
    if (p.type === 'openai-compatible' && p.baseURL === undefined) problems.push(`${at}.baseURL: required for type "${p.type}"`);
    if (p.apiKey !== undefined && p.apiKeyEnv !== undefined) problems.push(`${at}: give apiKey or apiKeyEnv, not both`);
    if (p.apiKeyEnv !== undefined && !env[p.apiKeyEnv]) unsetVariable(`${at}.apiKeyEnv`, p.apiKeyEnv);
  });
  const names = new Set<string>();
  config.models.forEach((m, i) => {
    const at = `models[${i}]`;
    if (names.has(m.name)) problems.push(`${at}.name: duplicate model name "${m.name}"`);
    names.add(m.name);
    const knownProvider = (spec: string, where: string) => {
      const providerId = spec.slice(0, spec.indexOf('/'));
      if (!seen.has(providerId)) problems.push(`${where}: unknown provider "${providerId}"`);
    };
    if (m.target !== undefined) knownProvider(m.target, `${at}.target`);
    const ids = new Set<string>();
    m.deployments?.forEach((d, j) => {
      knownProvider(d.target, `${at}.deployments[${j}].target`);
      const id = d.id ?? d.target;
      if (ids.has(id)) problems.push(`${at}.deployments[${j}]: "${id}" is listed twice; give each deployment of the same target its own "id"`);
      ids.add(id);
    });
  });
  problems.push(...routerProblems(config));
  config.models.forEach((m, i) => {
    m.fallbacks?.forEach((f, j) => {
      const at = `models[${i}].fallbacks[${j}]`;
      const slash = f.indexOf('/');
      if (names.has(f) || (slash > 0 && seen.has(f.slice(0, slash)))) return;
      if (slash > 0) problems.push(`${at}: unknown provider "${f.slice(0, slash)}" in "${f}"`);
      else problems.push(`${at}: "${f}" is neither a model name nor "<providerId>/<model>"`);
    });
  });
  const teams = new Set<string>();
  config.teams.forEach((t, i) => {
    if (teams.has(t.name)) problems.push(`teams[${i}].name: duplicate team name "${t.name}"`);
    teams.add(t.name);
  });
  config.keys.forEach((k, i) => {
    if ('keyEnv' in k && !env[k.keyEnv]) unsetVariable(`keys[${i}].keyEnv`, k.keyEnv);
    if (k.team !== undefined && !teams.has(k.team)) problems.push(`keys[${i}].team: no team "${k.team}" in teams`);
    k.models?.forEach((entry, j) => {
      const problem = modelPatternProblem(config, entry);
      if (problem !== null) problems.push(`keys[${i}].models[${j}]: ${problem}`);
    });
  });
  if (config.admin !== undefined) problems.push(...adminKeyProblems(config, env));
  if (config.server.http2 === 'h2c' && config.server.tls !== undefined) {
    problems.push('server.http2: "h2c" is cleartext; with server.tls the server already speaks HTTP/2 and HTTP/1.1');
  }
  if (problems.length > 0) throw invalid(problems);
}

/** The admin key opens the admin API only: it must be long, and it must not also be a gateway key. */
function adminKeyProblems(config: SluiceConfig, env: NodeJS.ProcessEnv): string[] {
  const { keyEnv } = config.admin!;
  const adminKey = env[keyEnv];
  if (!adminKey) return [];
  if (adminKey.length < 16) return [`admin.keyEnv: the admin key in ${keyEnv} needs at least 16 characters`];
  const same = config.keys.findIndex((k) => ('key' in k ? k.key : env[k.keyEnv]) === adminKey);
  return same === -1 ? [] : [`admin.keyEnv: the admin key in ${keyEnv} is also the gateway key keys[${same}]; the admin key must not open chat`];
}

/** A router's rules and default must name aliases that serve models themselves (a router does not route to a router). */
function routerProblems(config: SluiceConfig): string[] {
  const serving = new Set(config.models.filter((m) => m.router === undefined).map((m) => m.name));
  const problems: string[] = [];
  config.models.forEach((m, i) => {
    if (m.router === undefined) return;
    const check = (name: string, at: string) => {
      if (!serving.has(name)) problems.push(`${at}: "${name}" is not a model alias with a target or deployments`);
    };
    check(m.router.default, `models[${i}].router.default`);
    m.router.rules.forEach((rule, j) => check(rule.use, `models[${i}].router.rules[${j}].use`));
    if (m.fallbacks !== undefined) problems.push(`models[${i}].fallbacks: a router has no fallbacks of its own; give them to the aliases it routes to`);
  });
  return problems;
}
