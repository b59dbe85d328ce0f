import type { SluiceConfig } from './schema.ts';

/**
 * What is wrong with a model allow-list entry, or null. An entry naming
 * something this gateway does not serve is most likely a typo that would
 * refuse every request of its key: an entry without `*` must be an alias
 * or name a known provider, and a pattern's provider part, when it has no
 * `*`, must be a known provider.
 */
export function modelPatternProblem(config: Pick<SluiceConfig, 'models' | 'providers'>, entry: string): string | null {
  const slash = entry.indexOf('/');
  const provider = slash === -1 ? null : entry.slice(0, slash);
  if (provider !== null && !provider.includes('*') && !config.providers.some((p) => p.id === provider)) return `no provider "${provider}" on this gateway`;
  if (provider === null && !entry.includes('*') && !config.models.some((alias) => alias.name === entry)) return `no model alias "${entry}"; write an alias or "<provider>/<model>"`;
  return null;
}
