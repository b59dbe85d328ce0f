import type { HealthConfig } from '../config/routing-schema.ts';
import { CircuitBreaker, type BreakerState } from './circuit-breaker.ts';
import { LatencyEstimate } from './latency-estimate.ts';
import type { Observation, ObservationBus } from './observation-bus.ts';

/** What the dashboard shows of one deployment. */
export interface DeploymentSnapshot {
  deployment: string;
  breaker: BreakerState;
  /** When an open breaker lets its probes through (ms since the epoch), else null. */
  openUntil: number | null;
  consecutiveFailures: number;
  windowFailures: number;
  windowRequests: number;
  /** Upstream attempts running on this replica now. */
  running: number;
  ttftEwmaMs: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  ttftSamples: number;
}

/** What the routing strategies read. */
export interface HealthView {
  available(deployment: string): boolean;
  running(deployment: string): number;
  ttftEwma(deployment: string): number | null;
  /** How long until the first of these deployments lets a request through again. */
  retryAfterMs(deployments: Iterable<string>): number;
}

/** What a generation tells about each attempt it makes (see `DeploymentHealth` for what each means). */
export interface AttemptHealth {
  begin(deployment: string): boolean;
  succeeded(deployment: string, ttftMs: number): void;
  failed(deployment: string, retryAfterMs?: number): void;
  abandon(deployment: string, waitedMs?: number): void;
  end(deployment: string): void;
  ttftPercentile(deployment: string, p: number, minSamples: number): number | null;
  retryAfterMs(deployments: Iterable<string>): number;
}

/** A latency estimate with no new sample for this long is measured again (see `LatencyEstimate.current`). */
const LATENCY_STALE_MS = 30_000;

interface Entry {
  breaker: CircuitBreaker;
  latency: LatencyEstimate;
  running: number;
}

/**
 * The health of every deployment: its circuit breaker, its time to first
 * token, and how many attempts run on it. The router reads it to choose; the
 * generation writes it with each attempt's outcome. Breaker verdicts are
 * shared with the other replicas through the bus when there is one; latency
 * and running counts are this replica's own.
 */
export class DeploymentHealth implements HealthView, AttemptHealth {
  readonly #config: HealthConfig;
  readonly #entries = new Map<string, Entry>();
  readonly #bus: ObservationBus | undefined;
  readonly #now: () => number;

  constructor(config: HealthConfig, bus?: ObservationBus, now: () => number = Date.now) {
    this.#config = config;
    this.#bus = bus;
    this.#now = now;
    bus?.subscribe((observation) => this.#apply(observation));
  }

  available(deployment: string): boolean {
    return this.#entry(deployment).breaker.available(this.#now());
  }

  running(deployment: string): number {
    return this.#entries.get(deployment)?.running ?? 0;
  }

  /** The moving average of the time to first token; null before any sample, or when the last is over `LATENCY_STALE_MS` old. */
  ttftEwma(deployment: string): number | null {
    return this.#entries.get(deployment)?.latency.current(this.#now(), LATENCY_STALE_MS) ?? null;
  }

  /** The `p`th percentile of the recent times to first token, once there are `minSamples` of them. */
  ttftPercentile(deployment: string, p: number, minSamples: number): number | null {
    const latency = this.#entries.get(deployment)?.latency;
    return latency === undefined || latency.samples < minSamples ? null : latency.percentile(p);
  }

  /** Start an attempt: false when the breaker refuses it. An attempt that starts must `end`, and give its verdict or `abandon`. */
  begin(deployment: string): boolean {
    const entry = this.#entry(deployment);
    if (!entry.breaker.acquire(this.#now())) return false;
    entry.running++;
    return true;
  }

  /** The attempt produced its first events after `ttftMs`. */
  succeeded(deployment: string, ttftMs: number): void {
    const entry = this.#entry(deployment);
    entry.latency.observe(ttftMs);
    this.#record({ deployment, ok: true, at: this.#now() });
  }

  /** The attempt failed in a way that counts against the deployment (5xx, 429, unreachable, first-token timeout). */
  failed(deployment: string, retryAfterMs?: number): void {
    this.#record({ deployment, ok: false, at: this.#now(), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }

  /**
   * The attempt ended without a verdict (the client left, the request was
   * malformed, a hedge won): a probe it held is free again. `waitedMs`, when
   * given, is how long it had waited for a first token, a lower bound that
   * still moves the latency estimate.
   */
  abandon(deployment: string, waitedMs?: number): void {
    const entry = this.#entry(deployment);
    entry.breaker.release();
    if (waitedMs !== undefined) entry.latency.observe(waitedMs);
  }

  /** The attempt's upstream request is over. */
  end(deployment: string): void {
    const entry = this.#entries.get(deployment);
    if (entry !== undefined && entry.running > 0) entry.running--;
  }

  /** How long until the first of these deployments lets a request through again. */
  retryAfterMs(deployments: Iterable<string>): number {
    const now = this.#now();
    let soonest = Infinity;
    for (const deployment of deployments) {
      const until = this.#entry(deployment).breaker.openUntil;
      soonest = Math.min(soonest, until === 0 ? 0 : until - now);
    }
    return soonest === Infinity ? 0 : Math.max(0, soonest);
  }

  /** Every deployment seen so far, for the dashboard. */
  snapshot(): DeploymentSnapshot[] {
    const now = this.#now();
    return [...this.#entries].map(([deployment, { breaker, latency, running }]) => ({
      deployment,
      breaker: breaker.state(now),
      openUntil: breaker.openUntil === 0 ? null : breaker.openUntil,
      ...breaker.counts(now),
      running,
      ttftEwmaMs: latency.ewma,
      ttftP50Ms: latency.percentile(50),
      ttftP95Ms: latency.percentile(95),
      ttftSamples: latency.samples,
    }));
  }

  /** Resolves once observations shared by other replicas are heard (at once without sharing). */
  get ready(): Promise<void> {
    return this.#bus?.ready ?? Promise.resolve();
  }

  close(): Promise<void> {
    return this.#bus?.close() ?? Promise.resolve();
  }

  #record(observation: Observation): void {
    this.#apply(observation);
    this.#bus?.publish(observation);
  }

  #apply(observation: Observation): void {
    const breaker = this.#entry(observation.deployment).breaker;
    if (observation.ok) breaker.succeeded(observation.at);
    else breaker.failed(observation.at, observation.retryAfterMs);
  }

  #entry(deployment: string): Entry {
    let entry = this.#entries.get(deployment);
    if (entry === undefined) {
      entry = { breaker: new CircuitBreaker(this.#config.breaker), latency: new LatencyEstimate(this.#config.latencyAlpha), running: 0 };
      this.#entries.set(deployment, entry);
    }
    return entry;
  }
}
