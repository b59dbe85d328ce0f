import type { ModelPrice } from '@sluice/protocol';
import type { RateLimits } from '../limits/limit-spec.ts';
import type { Provider } from '../providers/types.ts';

/** One place a request can go: a provider, the model name it knows, and the price. */
export interface RouteTarget {
  provider: Provider;
  upstreamModel: string;
  /** `<providerId>/<upstreamModel>`, for logs and the ledger. */
  label: string;
  price: ModelPrice;
  /**
   * The deployment's id, by which its health is kept (a configured
   * deployment's `id`, default its target). Absent for a `<provider>/<model>`
   * a client named directly: those are open-ended, so they keep no health.
   */
  deployment?: string;
  /** The model alias whose deployment (or target) this is: its `limits` count the attempts made here. */
  alias?: string;
  /** Share of the traffic under the `weighted` strategy. */
  weight: number;
  /** No first token this soon: abandon the attempt for the next deployment. */
  firstTokenTimeoutMs?: number;
  /** The deployment's own rpm / tpm / concurrency, counted under `deployment:<id>`. */
  limits?: RateLimits;
  /** A target served from the response cache rather than an upstream: no health, no retries, zero cost. */
  cached?: boolean;
}
