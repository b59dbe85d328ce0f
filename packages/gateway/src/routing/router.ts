import { DEFAULT_PRICES, type ModelEntry, type ModelPrice } from '@sluice/protocol';
import type { SluiceConfig, ModelAliasConfig } from '../config/schema.ts';
import { ModelNotFoundError } from '../errors/index.ts';
import type { Provider } from '../providers/types.ts';

/** One place a request can go: a provider, the model name it knows, and the price. */
export interface RouteTarget {
  provider: Provider;
  upstreamModel: string;
  /** `<providerId>/<upstreamModel>`, for logs and the ledger. */
  label: string;
  price: ModelPrice;
}

const FREE: ModelPrice = { input: 0, output: 0 };

/**
 * Resolves the model a client asked for into an ordered list of targets: the
 * primary, then its fallbacks. Aliases come from the config; any
 * `<providerId>/<model>` reaches that provider directly.
 */
export class Router {
  readonly #providers: ReadonlyMap<string, Provider>;
  readonly #aliases = new Map<string, ModelAliasConfig>();
  /** Every `<provider>/<model>` an alias names, as its target or a fallback. */
  readonly #aliasTargets: ReadonlySet<string>;
  /** Each provider's own price, for models no alias prices. */
  readonly #providerPrices: ReadonlyMap<string, ModelPrice>;
  /** Resolved aliases; direct `<provider>/<model>` names are not cached, clients choose them freely. */
  readonly #resolvedAliases = new Map<string, RouteTarget[]>();

  constructor(config: SluiceConfig, providers: ReadonlyMap<string, Provider>) {
    this.#providers = providers;
    for (const alias of config.models) this.#aliases.set(alias.name, alias);
    this.#aliasTargets = new Set(config.models.flatMap((alias) => [alias.target, ...(alias.fallbacks ?? [])]));
    this.#providerPrices = new Map(config.providers.flatMap((p) => (p.price === undefined ? [] : [[p.id, p.price] as const])));
  }

  /** The targets for `model`, primary first; throws ModelNotFoundError. */
  resolve(model: string): RouteTarget[] {
    const alias = this.#aliases.get(model);
    if (alias === undefined) return [this.#direct(model)];
    let targets = this.#resolvedAliases.get(model);
    if (targets === undefined) {
      targets = [this.#direct(alias.target, alias.price)];
      for (const fallback of alias.fallbacks ?? []) {
        const next = this.#aliases.get(fallback);
        targets.push(next === undefined ? this.#direct(fallback) : this.#direct(next.target, next.price));
      }
      this.#resolvedAliases.set(model, targets);
    }
    return targets;
  }

  /**
   * The model as a metrics label, from a set the config bounds: an alias,
   * or a target an alias names, is itself; any other `<provider>/<model>`
   * a client chose is `<provider>/other`, so clients cannot grow the series.
   */
  metricLabel(model: string): string {
    if (this.#aliases.has(model) || this.#aliasTargets.has(model)) return model;
    const slash = model.indexOf('/');
    return slash > 0 && this.#providers.has(model.slice(0, slash)) ? `${model.slice(0, slash)}/other` : 'other';
  }

  /** What `GET /v1/models` lists: the configured aliases (direct `<provider>/<model>` names are open-ended). */
  list(): ModelEntry[] {
    return [...this.#aliases.values()].map((alias) => {
      const target = this.resolve(alias.name)[0];
      return {
        id: alias.name,
        object: 'model',
        created: 0,
        owned_by: target.provider.id,
        pricing: target.price,
        ...(alias.fallbacks === undefined ? {} : { fallbacks: alias.fallbacks }),
      };
    });
  }

  #direct(spec: string, price?: ModelPrice): RouteTarget {
    const slash = spec.indexOf('/');
    const provider = slash > 0 ? this.#providers.get(spec.slice(0, slash)) : undefined;
    if (provider === undefined) throw new ModelNotFoundError(spec);
    const upstreamModel = spec.slice(slash + 1);
    if (upstreamModel === '') throw new ModelNotFoundError(spec);
    return { provider, upstreamModel, label: spec, price: price ?? this.#priceOf(provider.id, spec, upstreamModel) };
  }

  /** A direct model costs what an alias to the same target says, else its provider's price, else the seed's price for that name. */
  #priceOf(providerId: string, spec: string, upstreamModel: string): ModelPrice {
    for (const alias of this.#aliases.values()) if (alias.target === spec && alias.price) return alias.price;
    const providerPrice = this.#providerPrices.get(providerId);
    if (providerPrice !== undefined) return providerPrice;
    return DEFAULT_PRICES[upstreamModel] ?? FREE;
  }
}
