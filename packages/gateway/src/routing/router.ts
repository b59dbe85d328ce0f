import { DEFAULT_PRICES, type ModelEntry, type ModelPrice } from '@sluice/protocol';
import type { SluiceConfig, ModelAliasConfig } from '../config/schema.ts';
import { ModelNotFoundError } from '../errors/index.ts';
import type { Provider } from '../providers/types.ts';
import { RoutePlan, type DeploymentGroup } from './route-plan.ts';
import type { RouteTarget } from './route-target.ts';
import { RouteRules } from './rules/route-rules.ts';
import { strategyFor } from './strategies/strategy.ts';
import { byPriority } from './strategies/priority.ts';

export type { RouteTarget } from './route-target.ts';

const FREE: ModelPrice = { input: 0, output: 0 };

/**
 * Resolves the model a client asked for into a route plan: the alias's
 * deployments and strategy, then its fallbacks'. Aliases come from the
 * config; any `<providerId>/<model>` reaches that provider directly. Router
 * models (`router` in the config) pick an alias by rules first.
 */
export class Router {
  readonly #providers: ReadonlyMap<string, Provider>;
  readonly #aliases = new Map<string, ModelAliasConfig>();
  readonly #routers = new Map<string, RouteRules>();
  /** Every `<provider>/<model>` an alias names, as a target, a deployment or a fallback. */
  readonly #aliasTargets: ReadonlySet<string>;
  /** Each provider's own price, for models no alias prices. */
  readonly #providerPrices: ReadonlyMap<string, ModelPrice>;
  /** Resolved aliases; direct `<provider>/<model>` names are not cached, clients choose them freely. */
  readonly #plans = new Map<string, RoutePlan>();

  constructor(config: SluiceConfig, providers: ReadonlyMap<string, Provider>) {
    this.#providers = providers;
    for (const alias of config.models) {
      if (alias.router === undefined) this.#aliases.set(alias.name, alias);
      else this.#routers.set(alias.name, new RouteRules(alias.name, alias.router));
    }
    this.#aliasTargets = new Set([...this.#aliases.values()].flatMap((alias) => [...targetSpecs(alias), ...(alias.fallbacks ?? [])]));
    this.#providerPrices = new Map(config.providers.flatMap((p) => (p.price === undefined ? [] : [[p.id, p.price] as const])));
  }

  /** The rules of a router model, or undefined when `model` is not one. */
  rulesFor(model: string): RouteRules | undefined {
    return this.#routers.get(model);
  }

  /** How to route `model` (an alias or `<provider>/<model>`); throws ModelNotFoundError. */
  plan(model: string): RoutePlan {
    const alias = this.#aliases.get(model);
    if (alias === undefined) {
      const router = this.#routers.get(model);
      if (router !== undefined) return this.plan(router.defaultAlias);
      return new RoutePlan({ model, groups: [{ deployments: [this.#direct(model)], strategy: byPriority }], cacheTtlMs: false });
    }
    let plan = this.#plans.get(model);
    if (plan === undefined) {
      const groups: DeploymentGroup[] = [this.#group(alias)];
      for (const fallback of alias.fallbacks ?? []) {
        const next = this.#aliases.get(fallback);
        groups.push(next === undefined ? { deployments: [this.#direct(fallback)], strategy: byPriority } : this.#group(next));
      }
      const cacheTtlMs = alias.cache === undefined || alias.cache === false ? false : alias.cache === true ? null : alias.cache.ttlMs;
      plan = new RoutePlan({ model, groups, hedge: alias.hedge, cacheTtlMs });
      this.#plans.set(model, plan);
    }
    return plan;
  }

  /** The targets for `model` in config order, primary first; throws ModelNotFoundError. */
  resolve(model: string): RouteTarget[] {
    return this.plan(model).all;
  }

  /**
   * The model as a metrics label, from a set the config bounds: an alias, a
   * router, or a target an alias names, is itself; any other
   * `<provider>/<model>` a client chose is `<provider>/other`, so clients
   * cannot grow the series.
   */
  metricLabel(model: string): string {
    if (this.#aliases.has(model) || this.#routers.has(model) || this.#aliasTargets.has(model)) return model;
    const slash = model.indexOf('/');
    return slash > 0 && this.#providers.has(model.slice(0, slash)) ? `${model.slice(0, slash)}/other` : 'other';
  }

  /** What `GET /v1/models` lists: the configured aliases and routers (direct `<provider>/<model>` names are open-ended). */
  list(): ModelEntry[] {
    const aliases = [...this.#aliases.values()].map((alias): ModelEntry => {
      const [target] = this.resolve(alias.name);
      return {
        id: alias.name,
        object: 'model',
        created: 0,
        owned_by: target.provider.id,
        pricing: target.price,
        ...(alias.deployments === undefined ? {} : { deployments: alias.deployments.map((d) => d.id ?? d.target), strategy: alias.strategy }),
        ...(alias.fallbacks === undefined ? {} : { fallbacks: alias.fallbacks }),
      };
    });
    const routers = [...this.#routers.values()].map((rules): ModelEntry => {
      const [target] = this.resolve(rules.defaultAlias);
      return { id: rules.name, object: 'model', created: 0, owned_by: 'sluice', pricing: target.price, routes: rules.aliases };
    });
    return [...aliases, ...routers];
  }

  #group(alias: ModelAliasConfig): DeploymentGroup {
    if (alias.target !== undefined) {
      return { deployments: [{ ...this.#direct(alias.target, alias.price), deployment: alias.target, alias: alias.name, firstTokenTimeoutMs: alias.firstTokenTimeoutMs }], strategy: byPriority };
    }
    const deployments = (alias.deployments ?? []).map((d): RouteTarget => ({
      ...this.#direct(d.target, d.price ?? alias.price),
      deployment: d.id ?? d.target,
      alias: alias.name,
      weight: d.weight,
      firstTokenTimeoutMs: d.firstTokenTimeoutMs ?? alias.firstTokenTimeoutMs,
      limits: d.limits,
    }));
    return { deployments, strategy: strategyFor(alias.strategy) };
  }

  #direct(spec: string, price?: ModelPrice): RouteTarget {
    const slash = spec.indexOf('/');
    const provider = slash > 0 ? this.#providers.get(spec.slice(0, slash)) : undefined;
    if (provider === undefined) throw new ModelNotFoundError(spec);
    const upstreamModel = spec.slice(slash + 1);
    if (upstreamModel === '') throw new ModelNotFoundError(spec);
    return { provider, upstreamModel, label: spec, weight: 1, price: price ?? this.#priceOf(provider.id, spec, upstreamModel) };
  }

  /** A direct model costs what an alias to the same target says, else its provider's price, else the seed's price for that name. */
  #priceOf(providerId: string, spec: string, upstreamModel: string): ModelPrice {
    for (const alias of this.#aliases.values()) if (alias.target === spec && alias.price) return alias.price;
    const providerPrice = this.#providerPrices.get(providerId);
    if (providerPrice !== undefined) return providerPrice;
    return DEFAULT_PRICES[upstreamModel] ?? FREE;
  }
}

/** The `<provider>/<model>` names an alias serves from. */
function targetSpecs(alias: ModelAliasConfig): string[] {
  return alias.target !== undefined ? [alias.target] : (alias.deployments ?? []).map((d) => d.target);
}
