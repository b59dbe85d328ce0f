import { ConfigError, loadConfigFile, resolveConfig } from '../config/load.ts';
import type { SluiceConfig } from '../config/schema.ts';

/**
 * The config a command runs on: `--config`, else `SLUICE_CONFIG`, else the
 * embedded default. A config that cannot be used goes to `fail` with the
 * message naming the field.
 */
export function commandConfig(path: string | undefined, fail: (message: string) => never): SluiceConfig {
  const configPath = path ?? process.env.SLUICE_CONFIG;
  try {
    return configPath === undefined ? resolveConfig({}) : loadConfigFile(configPath);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}
