/**
 * What the load generator needs to know about a target: where it listens and
 * how to speak to it. Plain data, so it crosses the process boundary as is.
 */

/** The wire a target is driven over. */
export type Transport = 'sse-h1' | 'sse-h2c' | 'ws-sluice' | 'ws-plain';

export interface TargetEndpoint {
  /** Short stable name used in tables, results and the chart. */
  name: string;
  transport: Transport;
  /** `http://127.0.0.1:PORT` (SSE) or `ws://127.0.0.1:PORT/v1/chat/stream` (WebSocket). */
  url: string;
  /** The model name this target maps to the bench upstream. */
  model: string;
  /** Extra request headers (Portkey wants its provider and custom host here). */
  headers: Record<string, string>;
  /**
   * How this target learns a client went away. `close`: the connection or
   * stream closes; `message`: a `cancel` message over the socket (sluice.v1);
   * `delete`: `DELETE /v1/streams/{id}` (a resumable stream outlives its
   * connection by design, so closing it cancels nothing).
   */
  cancelBy: 'close' | 'message' | 'delete';
  /**
   * A second replica sharing this target's stream store: resumes and
   * cancels are sent there, so they cross replicas. Absent on one-process targets.
   */
  replicaUrl?: string;
  /** `sluice.v1` only: how many streams the load generator multiplexes on one socket (64 when absent). */
  streamsPerSocket?: number;
}

/** The ids the report uses, in the order the tables list them. */
export const TARGET_ORDER = [
  'direct',
  'bare-proxy',
  'sluice-sse-h1',
  'sluice-sse-h2c',
  'sluice-ws',
  'sluice-ws-plain',
  'sluice-sse-redis',
  'sluice-sse-h1-up-h2c',
  'sluice-sse-h1-up-h2',
  'sluice-ws-up-h2c',
  'sluice-sse-limits',
  'sluice-sse-limits-redis',
  'portkey',
] as const;

export type TargetName = (typeof TARGET_ORDER)[number];

export const TARGET_LABELS: Record<TargetName, string> = {
  direct: 'direct (no gateway)',
  'bare-proxy': 'bare Node proxy (floor)',
  'sluice-sse-h1': 'sluice SSE HTTP/1.1',
  'sluice-sse-h2c': 'sluice SSE h2c',
  'sluice-ws': 'sluice WS sluice.v1',
  'sluice-ws-plain': 'sluice WS plain',
  'sluice-sse-redis': 'sluice SSE resumable, Redis, 2 replicas',
  'sluice-sse-h1-up-h2c': 'sluice SSE HTTP/1.1, h2c upstream',
  'sluice-sse-h1-up-h2': 'sluice SSE HTTP/1.1, h2 (TLS) upstream',
  'sluice-ws-up-h2c': 'sluice WS sluice.v1, h2c upstream',
  'sluice-sse-limits': 'sluice SSE HTTP/1.1, key with limits on memory',
  'sluice-sse-limits-redis': 'sluice SSE HTTP/1.1, key with limits on Redis',
  portkey: 'Portkey gateway',
};

/**
 * How a sluice target reaches the bench upstream (HTTP/1.1 when absent): the
 * `-up-h2c` and `-up-h2` targets are their transport's target with an
 * `http2: true` provider, over h2c or over TLS (ALPN). They run the phases
 * an upstream protocol changes (idle memory, first token, cancel), not the
 * load phases, which would measure the same gateway a second time.
 */
export const UPSTREAM_PROTOCOL: Partial<Record<TargetName, 'h1' | 'h2c' | 'h2'>> = {
  'sluice-sse-h1-up-h2c': 'h2c',
  'sluice-sse-h1-up-h2': 'h2',
  'sluice-ws-up-h2c': 'h2c',
};

/**
 * The key-with-limits targets: sluice SSE over HTTP/1.1 whose every request
 * is sent with a key that has RPM, TPM, concurrency and a budget, its limits
 * in the gateway's memory or in Redis. They run the first-token phase only:
 * what admission adds is paid once, before the upstream is asked.
 */
export const LIMITS_STORE: Partial<Record<TargetName, 'memory' | 'redis'>> = {
  'sluice-sse-limits': 'memory',
  'sluice-sse-limits-redis': 'redis',
};

export function runsFirstTokenOnly(name: TargetName): boolean {
  return LIMITS_STORE[name] !== undefined;
}

/** The targets that run every phase (the upstream variants run memory, first token and cancel only; the limits targets first token only). */
export function runsLoadPhases(name: TargetName): boolean {
  return UPSTREAM_PROTOCOL[name] === undefined && !runsFirstTokenOnly(name);
}
