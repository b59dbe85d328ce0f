import type { ChatCompletionRequest } from '@sluice/protocol';
import { GatewayError, InternalError, UpstreamHttpError } from '../errors/index.ts';
import { HandlerRelay } from '../providers/handler-relay.ts';
import type { UpstreamHandlers, UpstreamStream } from '../providers/types.ts';
import { abortableSleep, type RetryPolicy } from '../retry/policy.ts';
import type { RouteTarget } from '../routing/router.ts';
import type { StreamEvent } from '../events/stream-event.ts';
import type { RequestTrace } from '../telemetry/types.ts';

export interface ConnectOptions {
  targets: readonly RouteTarget[];
  retry: RetryPolicy;
  /** The request as this target must receive it. */
  bodyFor(target: RouteTarget): ChatCompletionRequest | Promise<ChatCompletionRequest>;
  /** The generation's signal: aborting it ends every attempt. */
  signal: AbortSignal;
  /**
   * An upstream produced its first events (or ended without any): what it
   * refuses until then, in its status or in-band (a blocked prompt, an
   * overloaded error event), is still the request's error.
   */
  onFirstEvents(): void;
  /** An attempt begins on this target: the first, a retry or a failover. Told whatever the outcome, so a request that finally fails still counts its attempts. */
  onAttempt(target: RouteTarget): void;
  /** The request's trace, when tracing is on: a span per attempt, its context passed upstream. */
  trace?: RequestTrace;
}

/** An upstream that has produced its first events; nothing has been released to a client yet. */
export interface ConnectedUpstream {
  target: RouteTarget;
  /** Paused after its first events; `attach` gives it the handlers for the rest (then `resume` it). */
  attach(handlers: UpstreamHandlers): void;
  /** The first events, or null when the upstream ended without any. */
  first: readonly StreamEvent[] | null;
  /** Stop following the generation's signal (the stream has ended). */
  release(): void;
  pause(): void;
  resume(): void;
}

/**
 * Open an upstream and read its first events, retrying the same target and
 * then failing over to the next while nothing has been released: every
 * retryable failure before the first event is invisible to the client.
 */
export async function connectUpstream(options: ConnectOptions): Promise<ConnectedUpstream> {
  let lastError: GatewayError | undefined;
  for (const target of options.targets) {
    for (let attempt = 0; ; attempt++) {
      options.signal.throwIfAborted();
      // Each attempt has its own signal, so a failed one can be torn down without ending the generation.
      const attemptAbort = new AbortController();
      const follow = () => attemptAbort.abort(options.signal.reason);
      options.signal.addEventListener('abort', follow, { once: true });
      options.onAttempt(target);
      const attemptTrace = options.trace?.attempt(target);
      try {
        const stream = await target.provider.open(await options.bodyFor(target), attemptAbort.signal, attemptTrace?.headers);
        const relay = new HandlerRelay();
        const first = await firstEvents(stream, relay);
        const error = first?.find((event) => event.type === 'error');
        if (error !== undefined && error.type === 'error') throw error.error;
        options.onFirstEvents();
        return connected(target, stream, relay, first, () => options.signal.removeEventListener('abort', follow));
      } catch (error) {
        options.signal.removeEventListener('abort', follow);
        attemptAbort.abort(error);
        if (options.signal.aborted) throw options.signal.reason;
        const failure = asGatewayError(error);
        attemptTrace?.failed(failure);
        if (!canFailOver(failure)) throw failure;
        lastError = failure;
        const delay = options.retry.delayFor(attempt, failure);
        if (delay === null) break;
        await abortableSleep(delay, options.signal);
      }
    }
  }
  throw lastError ?? new InternalError('No route to an upstream.');
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

function connected(target: RouteTarget, stream: UpstreamStream, relay: HandlerRelay, first: readonly StreamEvent[] | null, release: () => void): ConnectedUpstream {
  return {
    target,
    first,
    release,
    attach: (handlers) => relay.point(handlers),
    pause: () => stream.pause(),
    resume: () => stream.resume(),
  };
}

/**
 * Whether another target may succeed where this one failed: anything worth
 * retrying, and an upstream that refuses our credentials or does not know the
 * model. A request the upstream found malformed would fail everywhere.
 */
function canFailOver(error: GatewayError): boolean {
  return error.retryable || (error instanceof UpstreamHttpError && [401, 403, 404].includes(error.upstreamStatus));
}

export function asGatewayError(error: unknown): GatewayError {
  return error instanceof GatewayError ? error : new InternalError('The upstream adapter failed unexpectedly.', error);
}
