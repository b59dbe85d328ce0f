import type { ChatCompletionRequest } from '@sluice/protocol';
import { FirstTokenTimeoutError } from '../health/no-healthy-deployment.ts';
import { HandlerRelay } from '../providers/handler-relay.ts';
import type { UpstreamStream } from '../providers/types.ts';
import type { RouteTarget } from '../routing/route-target.ts';
import type { StreamEvent } from '../events/stream-event.ts';
import { GatewayError, InternalError } from '../errors/index.ts';
import type { AttemptTrace, RequestTrace } from '../telemetry/types.ts';

/** An attempt whose upstream produced its first events (or ended well without any); nothing has reached a client. */
export interface ReadyAttempt {
  stream: UpstreamStream;
  relay: HandlerRelay;
  /** The first events, or null when the upstream ended without any. */
  first: readonly StreamEvent[] | null;
}

/**
 * One request to one target, up to its first events. It has its own abort
 * signal, following the generation's, so a failed, slow or losing attempt
 * can be torn down without ending the generation; with a
 * `firstTokenTimeoutMs` it aborts itself when no first event came in time.
 */
export class UpstreamAttempt {
  readonly target: RouteTarget;
  readonly startedAt = Date.now();
  /** Resolves when the first events are in; rejects with why the attempt failed (the abort reason, when it was aborted). */
  readonly outcome: Promise<ReadyAttempt>;
  /** The first-token wait, once it is over (for the latency estimate). */
  waitedMs = 0;
  readonly #abort = new AbortController();
  readonly #unfollow: () => void;
  /** This attempt's span, when tracing is on. */
  readonly #trace: AttemptTrace | undefined;

  constructor(target: RouteTarget, body: () => ChatCompletionRequest | Promise<ChatCompletionRequest>, parent: AbortSignal, trace?: RequestTrace) {
    this.target = target;
    this.#trace = trace?.attempt(target);
    const follow = () => this.#abort.abort(parent.reason);
    parent.addEventListener('abort', follow, { once: true });
    this.#unfollow = () => parent.removeEventListener('abort', follow);
    this.outcome = this.#run(body);
    this.outcome.catch(() => {});
  }

  /** End the attempt now, whatever it is doing; its stream fails with `reason`. */
  abort(reason: unknown): void {
    this.#abort.abort(reason);
    this.#unfollow();
  }

  /** Stop following the generation's signal: the stream has ended. */
  release(): void {
    this.#unfollow();
  }

  async #run(body: () => ChatCompletionRequest | Promise<ChatCompletionRequest>): Promise<ReadyAttempt> {
    const timeoutMs = this.target.firstTokenTimeoutMs;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => this.#abort.abort(new FirstTokenTimeoutError(this.target.label, timeoutMs)), timeoutMs);
    try {
      const stream = await this.target.provider.open(await body(), this.#abort.signal, this.#trace?.headers);
      const relay = new HandlerRelay();
      const first = await firstEvents(stream, relay);
      const error = first?.find((event) => event.type === 'error');
      if (error !== undefined && error.type === 'error') throw error.error;
      return { stream, relay, first };
    } catch (error) {
      // An aborted attempt fails with why it was aborted, whatever its provider made of the abort.
      const reason = this.#abort.signal.aborted ? this.#abort.signal.reason : error;
      this.abort(reason);
      this.#trace?.failed(asGatewayError(reason));
      throw reason;
    } finally {
      clearTimeout(timer);
      this.waitedMs = Date.now() - this.startedAt;
    }
  }
}

/**
 * Start the stream and wait for its first events (then pause it), its end,
 * or its failure. Usage alone is not a first event: a provider that reports
 * the prompt's usage before generating anything (Anthropic's message_start)
 * may still fail, retryably, before anything reaches a client.
 */
function firstEvents(stream: UpstreamStream, relay: HandlerRelay): Promise<readonly StreamEvent[] | null> {
  return new Promise((resolve, reject) => {
    let early: readonly StreamEvent[] = [];
    // Whatever follows the first outcome waits in the relay until the generation attaches.
    relay.point({
      events(batch) {
        early = early.length === 0 ? batch : [...early, ...batch];
        if (batch.every((event) => event.type === 'usage')) return;
        relay.point(undefined);
        stream.pause();
        resolve(early);
      },
      end() {
        relay.point(undefined);
        resolve(early.length === 0 ? null : early);
      },
      fail(error) {
        relay.point(undefined);
        reject(error);
      },
    });
    stream.start(relay);
  });
}

export function asGatewayError(error: unknown): GatewayError {
  return error instanceof GatewayError ? error : new InternalError('The upstream adapter failed unexpectedly.', error);
}
