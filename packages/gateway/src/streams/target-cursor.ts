import type { GatewayError } from '../errors/index.ts';
import { FirstTokenTimeoutError } from '../health/no-healthy-deployment.ts';
import type { RetryPolicy } from '../retry/policy.ts';
import type { RouteTarget } from '../routing/route-target.ts';

/** The next attempt to make, and how long to wait before it. */
export interface NextAttempt {
  target: RouteTarget;
  delayMs: number;
}

/**
 * Walks a request's targets in order: retries the same target while the
 * retry policy allows, then moves on to the next. A first-token timeout
 * moves on at once (the deployment is slow, not unlucky), and so does a
 * cache target's miss. A hedge takes the next target out of turn.
 */
export class TargetCursor {
  readonly #targets: readonly RouteTarget[];
  readonly #retry: RetryPolicy;
  readonly #used = new Set<number>();
  #index = 0;
  #retries = 0;

  constructor(targets: readonly RouteTarget[], retry: RetryPolicy) {
    this.#targets = targets;
    this.#retry = retry;
  }

  /** The first target, or null when there is none. */
  first(): NextAttempt | null {
    return this.#at(0);
  }

  /** Where to go after `target` failed with `error`, or null when nothing is left. */
  afterFailure(target: RouteTarget, error: GatewayError): NextAttempt | null {
    const current = this.#targets[this.#index];
    if (target === current && target.cached !== true && !(error instanceof FirstTokenTimeoutError)) {
      const delayMs = this.#retry.delayFor(this.#retries, error);
      if (delayMs !== null) {
        this.#retries++;
        return { target, delayMs };
      }
    }
    return this.skip();
  }

  /** The next unused target after the current one (a breaker refused the current one, say), or null. */
  skip(): NextAttempt | null {
    for (let i = this.#index + 1; i < this.#targets.length; i++) if (!this.#used.has(i)) return this.#at(i);
    return null;
  }

  /** A target for a hedge: the next unused one, else the current one again (a second request may be luckier); never a cache target. */
  hedge(): RouteTarget | null {
    for (let i = this.#index + 1; i < this.#targets.length; i++) {
      if (this.#used.has(i) || this.#targets[i].cached === true) continue;
      this.#used.add(i);
      return this.#targets[i];
    }
    const current = this.#targets[this.#index];
    return current === undefined || current.cached === true ? null : current;
  }

  #at(index: number): NextAttempt | null {
    if (index >= this.#targets.length) return null;
    this.#index = index;
    this.#retries = 0;
    this.#used.add(index);
    return { target: this.#targets[index], delayMs: 0 };
  }
}
