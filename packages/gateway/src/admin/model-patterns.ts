import { InvalidRequestError } from '../errors/index.ts';
import type { GatewayContext } from '../request/context.ts';

/**
 * An allow-list that names something this gateway does not serve is most
 * likely a typo, which would refuse every request of the key: each entry
 * without `*` must be an alias or name a known provider, and a pattern's
 * provider part, when it has no `*`, must be a known provider.
 */
export function checkModelPatterns(ctx: GatewayContext, models: readonly string[] | null | undefined): void {
  models?.forEach((entry, i) => {
    const slash = entry.indexOf('/');
    const provider = slash === -1 ? null : entry.slice(0, slash);
    if (provider !== null && !provider.includes('*') && !ctx.providers.has(provider)) {
      throw new InvalidRequestError(`models[${i}]: no provider "${provider}" on this gateway`, `models[${i}]`);
    }
    if (provider === null && !entry.includes('*') && !ctx.config.models.some((alias) => alias.name === entry)) {
      throw new InvalidRequestError(`models[${i}]: no model alias "${entry}"; write an alias or "<provider>/<model>"`, `models[${i}]`);
    }
  });
}
