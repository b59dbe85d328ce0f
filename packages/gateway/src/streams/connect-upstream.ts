import type { ChatCompletionRequest, Usage } from '@sluice/protocol';
import { CancelledError, GatewayError, InternalError, UpstreamHttpError } from '../errors/index.ts';
import type { HedgeConfig } from '../config/routing-schema.ts';
import type { AttemptHealth } from '../health/deployment-health.ts';
import { NoHealthyDeploymentError } from '../health/no-healthy-deployment.ts';
import type { UpstreamHandlers } from '../providers/types.ts';
import { abortableSleep, type RetryPolicy } from '../retry/policy.ts';
import type { RouteTarget } from '../routing/route-target.ts';
import type { StreamEvent } from '../events/stream-event.ts';
import type { RequestTrace } from '../telemetry/types.ts';
import { refusedEverywhere, type AttemptGate, type AttemptPass } from './attempt-gate.ts';
import { TargetCursor } from './target-cursor.ts';
import { asGatewayError, UpstreamAttempt, type ReadyAttempt } from './upstream-attempt.ts';

export { asGatewayError };

export interface ConnectOptions {
  /** The model the client asked for, for the error when no deployment is healthy. */
  model: string;
  targets: readonly RouteTarget[];
  retry: RetryPolicy;
  /** The request as this target must receive it. */
  bodyFor(target: RouteTarget): ChatCompletionRequest | Promise<ChatCompletionRequest>;
  /** The generation's signal: aborting it ends every attempt. */
  signal: AbortSignal;
  /** Breakers and latency estimates, told every attempt's outcome. */
  health?: AttemptHealth;
  /** A second attempt when the first is slow to its first token; at most one per request. */
  hedge?: HedgeConfig;
  /**
   * An upstream produced its first events (or ended without any): what it
   * refuses until then, in its status or in-band (a blocked prompt, an
   * overloaded error event), is still the request's error.
   */
  onFirstEvents(): void;
  /** An attempt begins on this target: the first, a retry, a failover or a hedge. Told whatever the outcome, so a request that finally fails still counts its attempts. */
  onAttempt(target: RouteTarget): void;
  /** Each attempt's own limits (its deployment's, provider's, alias's), checked when it starts. */
  attempts?: AttemptGate;
  /** The request's trace, when tracing is on: a span per attempt, its context passed upstream. */
  trace?: RequestTrace;
  /** An attempt lost the race to a hedge (or the hedge to it) and was aborted after waiting `waitedMs`. */
  onHedgeLost?(target: RouteTarget, waitedMs: number): void;
}

/** An upstream that has produced its first events; nothing has been released to a client yet. */
export interface ConnectedUpstream {
  target: RouteTarget;
  /** Paused after its first events; `attach` gives it the handlers for the rest (then `resume` it). */
  attach(handlers: UpstreamHandlers): void;
  /** The first events, or null when the upstream ended without any. */
  first: readonly StreamEvent[] | null;
  /** The stream has ended, having used `usage`: stop following the generation's signal, free the deployment's slot and its attempt's limits. */
  release(usage?: Usage): void;
  pause(): void;
  resume(): void;
}

/** Why a hedged attempt was aborted: the other one produced a token first. */
export class HedgeLostError extends CancelledError {
  constructor() {
    super('Another attempt at the same request produced its first token first.');
  }
}

type Settled = { attempt: UpstreamAttempt; ready: ReadyAttempt } | { attempt: UpstreamAttempt; error: unknown };

/** What each attempt holds of its target's limits. */
type Passes = Map<UpstreamAttempt, AttemptPass>;

/**
 * Open an upstream and read its first events, retrying the same target and
 * then failing over to the next while nothing has been released: every
 * retryable failure before the first event is invisible to the client. A
 * deployment whose breaker refuses is skipped, and so is a target whose own
 * limits refuse the attempt (a 429 naming them when nothing is left); with a
 * hedge, an attempt slow to its first token gets a twin on the next target
 * and the first to produce events wins, the other being aborted at once.
 */
export async function connectUpstream(options: ConnectOptions): Promise<ConnectedUpstream> {
  const cursor = new TargetCursor(options.targets, options.retry);
  const running = new Map<UpstreamAttempt, Promise<Settled>>();
  const passes: Passes = new Map();
  const refusals: GatewayError[] = [];
  let lastError: GatewayError | undefined;
  let hedged = false;
  let next = cursor.first();

  const launch = async (target: RouteTarget): Promise<boolean> => {
    const { deployment } = target;
    const health = deployment === undefined ? undefined : options.health;
    if (health !== undefined && !health.begin(deployment!)) return false;
    const unbegin = () => {
      health?.abandon(deployment!);
      health?.end(deployment!);
    };
    let pass: AttemptPass | null | undefined;
    try {
      // Without attempt limits there is nothing to wait for: no turn of the event loop before the upstream is asked.
      pass = options.attempts === undefined ? undefined : await admitAttempt(options.attempts, options.signal, target, refusals);
    } catch (error) {
      unbegin();
      throw error;
    }
    if (pass === null) {
      unbegin();
      lastError = refusedEverywhere(options.model, refusals);
      return false;
    }
    options.onAttempt(target);
    const attempt = new UpstreamAttempt(target, () => options.bodyFor(target), options.signal, options.trace);
    if (pass !== undefined) passes.set(attempt, pass);
    running.set(attempt, attempt.outcome.then((ready) => ({ attempt, ready }), (error: unknown) => ({ attempt, error })));
    return true;
  };
  const abandonAll = (reason: unknown) => {
    for (const attempt of running.keys()) {
      attempt.abort(reason);
      verdict(options, attempt, null);
      endPass(passes, attempt, 'prompt');
    }
    running.clear();
  };

  try {
    for (;;) {
      options.signal.throwIfAborted();
      // Nothing running: start the next attempt, skipping deployments whose breaker refuses.
      while (running.size === 0) {
        if (next === null) throw lastError ?? noHealthyDeployment(options);
        if (next.delayMs > 0) await abortableSleep(next.delayMs, options.signal);
        if (await launch(next.target)) break;
        next = cursor.skip();
      }
      const hedgeIn = hedged || running.size !== 1 ? null : hedgeDelay(options, running.keys().next().value!);
      // One attempt and no hedge to time (the usual wait for a first token): no race, no array, no timer.
      const settled = hedgeIn === null && running.size === 1 ? await running.values().next().value! : await raceWithTimer([...running.values()], hedgeIn);
      if (settled === 'timer') {
        hedged = true;
        const target = cursor.hedge();
        if (target !== null) await launch(target);
        continue;
      }
      running.delete(settled.attempt);
      if ('ready' in settled) {
        for (const loser of running.keys()) {
          loser.abort(new HedgeLostError());
          verdict(options, loser, null, loser.waitedMs || Date.now() - loser.startedAt);
          endPass(passes, loser, 'prompt');
          options.onHedgeLost?.(loser.target, Date.now() - loser.startedAt);
        }
        running.clear();
        verdict(options, settled.attempt, true);
        options.onFirstEvents();
        return connected(settled.attempt, settled.ready, options.health, passes.get(settled.attempt));
      }
      if (options.signal.aborted) {
        endPass(passes, settled.attempt, 'prompt');
        throw options.signal.reason;
      }
      const failure = asGatewayError(settled.error);
      verdict(options, settled.attempt, countsAgainst(failure) ? failure : null);
      endPass(passes, settled.attempt);
      if (!canFailOver(failure) && settled.attempt.target.cached !== true) throw failure;
      lastError = settled.attempt.target.cached === true ? lastError : failure;
      // With a hedge still running, wait for it; otherwise move on.
      if (running.size === 0) next = cursor.afterFailure(settled.attempt.target, failure);
    }
  } catch (error) {
    abandonAll(error);
    throw options.signal.aborted ? options.signal.reason : error;
  }
}

/** How long after it started the attempt gets a hedge, or null for none. */
function hedgeDelay(options: ConnectOptions, attempt: UpstreamAttempt): number | null {
  const hedge = options.hedge;
  if (hedge === undefined || attempt.target.cached === true) return null;
  let after: number | null;
  if ('afterMs' in hedge) after = hedge.afterMs;
  else {
    const deployment = attempt.target.deployment;
    after = deployment === undefined || options.health === undefined ? null : options.health.ttftPercentile(deployment, hedge.afterPercentile, hedge.minSamples);
  }
  return after === null ? null : Math.max(0, attempt.startedAt + after - Date.now());
}

/** The first attempt to settle, or 'timer' when `timerMs` passes first (null: no timer). */
async function raceWithTimer(attempts: Promise<Settled>[], timerMs: number | null): Promise<Settled | 'timer'> {
  if (timerMs === null) return Promise.race(attempts);
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<'timer'>((resolve) => (timer = setTimeout(() => resolve('timer'), timerMs)));
  try {
    return await Promise.race([...attempts, elapsed]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Tell the deployment's health how an attempt went: true for first events,
 * an error for a failure that counts against it, null for neither (the
 * client left, a hedge won, the request itself was at fault). Every attempt
 * but a winning one ends here; a winner ends when its stream is released.
 */
function verdict(options: ConnectOptions, attempt: UpstreamAttempt, outcome: true | GatewayError | null, waitedMs?: number): void {
  const deployment = attempt.target.deployment;
  const health = options.health;
  if (deployment === undefined || health === undefined) return;
  if (outcome === true) return health.succeeded(deployment, attempt.waitedMs);
  if (outcome === null) health.abandon(deployment, waitedMs);
  else health.failed(deployment, outcome.retryAfterMs ?? (outcome.retryAfterSeconds === undefined ? undefined : outcome.retryAfterSeconds * 1000));
  health.end(deployment);
}

function noHealthyDeployment(options: ConnectOptions): GatewayError {
  const deployments = options.targets.flatMap((target) => (target.deployment === undefined ? [] : [target.deployment]));
  if (deployments.length === 0 || options.health === undefined) return new InternalError('No route to an upstream.');
  return new NoHealthyDeploymentError(options.model, options.health.retryAfterMs(deployments));
}

/**
 * The pass of the attempt's target's own limits, or null when they refuse
 * it (the refusal joins `refusals`).
 * Throws when they cannot be checked, or when the client left meanwhile.
 */
async function admitAttempt(attempts: AttemptGate, signal: AbortSignal, target: RouteTarget, refusals: GatewayError[]): Promise<AttemptPass | null> {
  const admitted = await attempts.admit(target);
  if ('refusal' in admitted) {
    refusals.push(admitted.refusal);
    return null;
  }
  if (signal.aborted) {
    admitted.end();
    throw signal.reason;
  }
  return admitted;
}

/** An attempt is over: what it held of its target's limits goes back (`usage` as `AttemptPass.end` takes it). */
function endPass(passes: Passes, attempt: UpstreamAttempt, usage?: 'prompt'): void {
  passes.get(attempt)?.end(usage);
  passes.delete(attempt);
}

function connected(attempt: UpstreamAttempt, ready: ReadyAttempt, health: AttemptHealth | undefined, pass: AttemptPass | undefined): ConnectedUpstream {
  const { stream, relay, first } = ready;
  let released = false;
  return {
    target: attempt.target,
    first,
    release: (usage) => {
      if (released) return;
      released = true;
      attempt.release();
      pass?.end(usage);
      if (attempt.target.deployment !== undefined) health?.end(attempt.target.deployment);
    },
    attach: (handlers) => relay.point(handlers),
    pause: () => stream.pause(),
    resume: () => stream.resume(),
  };
}

/** Failures that say something about the deployment: 5xx, 429, unreachable, timeouts. A client's own error does not. */
function countsAgainst(error: GatewayError): boolean {
  return error.retryable && !(error instanceof CancelledError);
}

/**
 * Whether another target may succeed where this one failed: anything worth
 * retrying, and an upstream that refuses our credentials or does not know the
 * model. A request the upstream found malformed would fail everywhere.
 */
function canFailOver(error: GatewayError): boolean {
  return error.retryable || (error instanceof UpstreamHttpError && [401, 403, 404].includes(error.upstreamStatus));
}
