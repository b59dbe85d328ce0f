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
 * Every limit a request must pass: its key's, its team's, its model
 * alias's and its provider's (the provider of the primary target: that is
 * where the request goes unless it fails over).
 */
export class LimitSubjects {
  readonly #models = new Map<string, LimitSubject>();
  readonly #providers = new Map<string, LimitSubject>();

  constructor(config: SluiceConfig) {
    for (const alias of config.models) {
      const subject = subjectOf(`model:${alias.name}`, alias.limits);
      if (subject !== undefined) this.#models.set(alias.name, subject);
    }
    for (const provider of config.providers) {
      const subject = subjectOf(`provider:${provider.id}`, provider.limits);
      if (subject !== undefined) this.#providers.set(provider.id, subject);
    }
  }

  for(caller: Caller, model: string, targets: readonly RouteTarget[]): LimitSubject[] {
    const subjects: LimitSubject[] = [];
    const key = keySubject(caller);
    if (key !== undefined) subjects.push(key);
    const team = caller.team === undefined ? undefined : teamSubject(caller.team);
    if (team !== undefined) subjects.push(team);
    const alias = this.#models.get(model);
    if (alias !== undefined) subjects.push(alias);
    const provider = targets.length === 0 ? undefined : this.#providers.get(targets[0].provider.id);
    if (provider !== undefined) subjects.push(provider);
    return subjects;
  }
}
