import type { Caller } from '../auth/key-ring.ts';
import type { SluiceConfig } from '../config/schema.ts';
import type { RouteTarget } from '../routing/router.ts';
import type { KeyLimits, RateLimits } from './limit-spec.ts';
import type { LimitSubject } from './limit-store.ts';

/** A subject for `id` with `limits`, or none when they limit nothing (a key with only a queue, say). */
function subjectOf(id: string, limits: KeyLimits | RateLimits | undefined): LimitSubject | undefined {
  if (limits === undefined) return undefined;
  const subject: LimitSubject = { id };
  if (limits.rpm !== undefined) subject.rpm = limits.rpm;
  if (limits.tpm !== undefined) subject.tpm = limits.tpm;
  if (limits.concurrency !== undefined) subject.concurrency = limits.concurrency;
  if ('budget' in limits && limits.budget !== undefined) subject.budget = limits.budget;
  return Object.keys(subject).length === 1 ? undefined : subject;
}

/** The subject a key's own limits count against (what the admin API reads with `LimitStore.usage`). */
export function keySubject(caller: Pick<Caller, 'id' | 'limits'>): LimitSubject | undefined {
  return subjectOf(`key:${caller.id}`, caller.limits);
}

/** The subject of a team's limits. */
export function teamSubject(team: NonNullable<Caller['team']>): LimitSubject | undefined {
  return subjectOf(`team:${team.name}`, team.limits);
}

/**
 * Every limit a request must pass. The request's own, checked once at
 * admission: its key's and its team's (and a router model's). Each
 * upstream attempt's, checked when the attempt starts, for the target it
 * goes to: its deployment's, its provider's and its model alias's, so that
 * a failover, a retry or a hedge counts where it really goes.
 */
export class LimitSubjects {
  readonly #models = new Map<string, LimitSubject>();
  readonly #routers = new Set<string>();
  readonly #providers = new Map<string, LimitSubject>();
  readonly #targets = new WeakMap<RouteTarget, LimitSubject[]>();
  readonly #callers = new WeakMap<Caller, LimitSubject[]>();

  constructor(config: SluiceConfig) {
    for (const alias of config.models) {
      const subject = subjectOf(`model:${alias.name}`, alias.limits);
      if (subject !== undefined) this.#models.set(alias.name, subject);
      if (alias.router !== undefined) this.#routers.add(alias.name);
    }
    for (const provider of config.providers) {
      const subject = subjectOf(`provider:${provider.id}`, provider.limits);
      if (subject !== undefined) this.#providers.set(provider.id, subject);
    }
  }

  /**
   * The request's own subjects: key, team, and the router model it named (a router has no targets of its own).
   * The same array for every request of a caller (a Caller is replaced, never changed, when its key
   * or team changes), so admission allocates nothing here and what is derived from it can be kept.
   */
  for(caller: Caller, model: string): readonly LimitSubject[] {
    let own = this.#callers.get(caller);
    if (own === undefined) {
      const subjects: LimitSubject[] = [];
      const key = keySubject(caller);
      if (key !== undefined) subjects.push(key);
      const team = caller.team === undefined ? undefined : teamSubject(caller.team);
      if (team !== undefined) subjects.push(team);
      this.#callers.set(caller, (own = subjects));
    }
    const router = this.#routers.has(model) ? this.#models.get(model) : undefined;
    return router === undefined ? own : [...own, router];
  }

  /** The subjects an attempt on `target` counts against; none for a response-cache target. */
  forTarget(target: RouteTarget): LimitSubject[] {
    let subjects = this.#targets.get(target);
    if (subjects === undefined) {
      subjects = [];
      if (target.cached !== true) {
        const deployment = target.deployment === undefined ? undefined : subjectOf(`deployment:${target.deployment}`, target.limits);
        const provider = this.#providers.get(target.provider.id);
        const alias = target.alias === undefined ? undefined : this.#models.get(target.alias);
        for (const subject of [deployment, provider, alias]) if (subject !== undefined) subjects.push(subject);
      }
      this.#targets.set(target, subjects);
    }
    return subjects;
  }
}
