/** One verdict on one deployment, as replicas tell each other. */
export interface Observation {
  deployment: string;
  ok: boolean;
  /** When it was made (ms since the epoch), so every replica ages it alike. */
  at: number;
  /** How long the upstream asked us to stay away, for a failure. */
  retryAfterMs?: number;
}

/**
 * How replicas share what they observe, so that one replica's failures open
 * a breaker for all. Without one, each replica's breakers see only its own
 * traffic.
 */
export interface ObservationBus {
  publish(observation: Observation): void;
  /** Observations other replicas published (never this replica's own). */
  subscribe(listener: (observation: Observation) => void): void;
  /** Resolves once other replicas' observations are being heard. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}
