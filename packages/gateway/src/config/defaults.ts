import { DEFAULT_PRICES } from '@sluice/protocol';
import type { ModelAliasConfig, ProviderConfig } from './schema.ts';

/** The embedded default: the simulator, always present and free, unless a config names its own `sim`. */
export const SIM_PROVIDER: ProviderConfig = { id: 'sim', type: 'sim', price: { input: 0, output: 0 } };

/**
 * The seed article's model names answer out of the box, from the simulator,
 * at the seed's prices, so its example code runs against a fresh gateway.
 */
export function seedModelAliases(): ModelAliasConfig[] {
  return Object.entries(DEFAULT_PRICES).map(([name, price]) => ({ name, target: `sim/${name}`, price: { ...price } }));
}
