/**
 * Runs one chat stream from admission to its end: budget and scheduler
 * first, then attempts — a request, and after a break a resume from the last
 * seq — until the server sends the terminal. Before the first chunk a failed
 * request may be retried (the retry policy decides); after it, a break is
 * only ever resumed, so nothing is delivered twice.
 */
import type { ChatCompletionChunk, ChatCompletionRequest, ModelPrice, ToolCall, Usage } from '@sluice/protocol';
import { costOf } from '@sluice/protocol';
import { Accumulator } from './accumulator.ts';
import { abortReason, sleep } from './backoff.ts';
import type { BudgetGuard, BudgetReservation } from './budget.ts';
import { completionBound, estimatePromptTokens, estimateRequestTokens, type PriceTable } from './cost.ts';
import { AbortError, BudgetExceededError, ConnectionError, RateLimitError, TimeoutError } from './errors.ts';
import { StreamCursor, type ReconnectOptions } from './resume.ts';
import type { RetryPolicy } from './retry.ts';
import type { Lease, Priority, Scheduler } from './scheduler.ts';
import type { StatsRecorder } from './stats.ts';
import { Watchdog, type Timeouts } from './timeouts.ts';
import type { StreamAttempt, Transport, TransportName } from './transport/types.ts';
import type { TraceContext } from './trace-context.ts';

export interface StreamResult {
  text: string;
  /** `reasoning_content` of models that stream their reasoning; empty otherwise. */
  reasoning: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
  usage: Usage | null;
  /** US dollars: the server's figure when it sent one, else the client's price table; null for an unpriced model. */
  cost: number | null;
  model: string;
  streamId: string | null;
  resumes: number;
  transport: TransportName;
}

/** What every stream of a client shares. */
export interface DriverContext {
  transport: Transport;
  scheduler: Scheduler;
  retry: RetryPolicy;
  reconnect: ReconnectOptions;
  timeouts: Timeouts;
  prices: PriceTable;
  budget: BudgetGuard | null;
  stats: StatsRecorder;
}

export interface DriverOptions {
  signal: AbortSignal;
  priority: Priority | undefined;
  /** Hand a chunk to the reader; resolves when there is room for more. */
  deliver(chunk: ChatCompletionChunk): Promise<void>;
  /** Whether the caller asked for the usage chunk (`stream_options.include_usage`); it is always requested. */
  showUsage: boolean;
  trace?: TraceContext;
}

/** A terminal error the server sent on an open stream (not a broken connection). */
class ServerEnded {
  readonly error: Error;
  constructor(error: Error) {
    this.error = error;
  }
}

export class StreamDriver {
  readonly accumulator = new Accumulator();
  readonly cursor: StreamCursor;
  readonly #context: DriverContext;
  readonly #body: ChatCompletionRequest;
  readonly #options: DriverOptions;
  readonly #promptTokens: number;
  readonly #price: ModelPrice | undefined;
  #reservation: BudgetReservation | null = null;
  #sentAt = 0;
  #firstTokenDeadline: number | null = null;
  #usage: Usage | null = null;
  #serverCost: number | null = null;

  constructor(context: DriverContext, body: ChatCompletionRequest, options: DriverOptions) {
    this.#context = context;
    this.#body = body;
    this.#options = options;
    this.cursor = new StreamCursor(context.reconnect);
    this.#promptTokens = estimatePromptTokens(body);
    this.#price = context.prices.priceOf(body.model);
  }

  async run(): Promise<StreamResult> {
    const { scheduler, stats, budget } = this.#context;
    let lease: Lease;
    try {
      this.#reservation = budget?.admit(this.#worstCaseCost()) ?? null;
      lease = await scheduler.acquire({ tokens: estimateRequestTokens(this.#body), priority: this.#options.priority, signal: this.#options.signal });
    } catch (error) {
      this.#reservation?.settle(0);
      stats.recordFailed();
      throw error;
    }
    try {
      await this.#attempts(lease);
      const usage = this.#usage ?? this.accumulator.usage;
      const cost = usage?.cost ?? this.#serverCost ?? (usage ? this.#context.prices.cost(this.#body.model, usage) : null);
      lease.release(usage?.total_tokens ?? this.#liveTokens());
      this.#reservation?.settle(cost ?? this.#liveCost());
      stats.recordCompleted(usage?.total_tokens ?? 0, cost ?? 0);
      return this.#result(usage, cost);
    } catch (error) {
      lease.release(this.#liveTokens());
      this.#reservation?.settle(this.#liveCost());
      stats.recordFailed();
      throw error;
    }
  }

  async #attempts(lease: Lease): Promise<void> {
    const { signal } = this.#options;
    for (let retries = 0, first = true; ; first = false) {
      const resuming = this.cursor.resumable;
      if (!resuming) {
        if (!first) await lease.again(signal);
        this.#sentAt = Date.now();
        this.#firstTokenDeadline = this.#sentAt + this.#context.timeouts.firstTokenMs;
      }
      let delayMs: number;
      try {
        await this.#attempt(resuming);
        return;
      } catch (failure) {
        const next = this.#recover(failure, resuming, retries);
        if (next.fresh) retries++;
        delayMs = next.delayMs;
      }
      try {
        await sleep(delayMs, signal);
      } catch (aborted) {
        if (this.cursor.streamId !== null) void this.#context.transport.cancelStream(this.cursor.streamId, this.cursor.token);
        throw aborted;
      }
    }
  }

  /**
   * After a failed attempt: how long to wait before the next one, and whether
   * it is a fresh request (a retry) rather than a resume; throws when there is none.
   */
  #recover(failure: unknown, resuming: boolean, retries: number): { delayMs: number; fresh: boolean } {
    const fromServer = failure instanceof ServerEnded;
    const error = fromServer ? failure.error : failure;
    if (error instanceof AbortError || error instanceof BudgetExceededError) throw error;
    if (!fromServer && isBreak(error) && this.cursor.resumable) {
      const delay = this.cursor.nextDelay();
      if (delay === null) throw this.cursor.interrupted(this.accumulator.text, error);
      return { delayMs: delay, fresh: false };
    }
    // No chunk yet: nothing was delivered, so a fresh request is safe.
    if (this.cursor.lastSeq === 0) return { delayMs: this.#retryOrThrow(error, retries), fresh: true };
    // After the first chunk a stream is never sent again: a break or a refused resume ends it here.
    if (isBreak(error) || (resuming && !fromServer)) throw this.cursor.interrupted(this.accumulator.text, error);
    throw error;
  }

  #retryOrThrow(error: unknown, retries: number): number {
    const decision = this.#context.retry.decide(error, retries);
    if (error instanceof RateLimitError) this.#context.scheduler.pause(decision.retry ? decision.delayMs : (error.retryAfterMs ?? 1000));
    if (!decision.retry) throw error;
    this.cursor.forget();
    return decision.delayMs;
  }

  async #attempt(resuming: boolean): Promise<void> {
    const { transport, timeouts, scheduler, stats } = this.#context;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(this.#options.signal.reason);
    this.#options.signal.addEventListener('abort', onAbort, { once: true });
    if (this.#options.signal.aborted) onAbort();
    const watchdog = new Watchdog(timeouts, (timeout) => controller.abort(timeout));
    const attempt: StreamAttempt = resuming
      ? transport.resume({ streamId: this.cursor.streamId!, token: this.cursor.token, after: this.cursor.lastSeq, signal: controller.signal })
      : transport.start({ body: this.#body, signal: controller.signal, trace: this.#options.trace });
    watchdog.begin(this.accumulator.outputChunks === 0 ? this.#firstTokenDeadline : null);
    try {
      for await (const event of attempt) {
        watchdog.heard();
        if (event.type === 'alive') continue;
        if (event.type === 'open') {
          this.cursor.opened(event.streamId, event.token);
          if (event.headers) scheduler.observe(event.headers);
          if (resuming) {
            this.cursor.resumes++;
            stats.recordResume();
          }
          continue;
        }
        const verdict = this.cursor.judge(event.seq);
        if (verdict === 'seen') continue;
        if (verdict === 'gap') throw new ConnectionError(`events after seq ${this.cursor.lastSeq} went missing (got ${event.seq})`);
        if (event.type === 'error') throw new ServerEnded(event.error);
        if (event.type === 'done') {
          this.#usage = event.usage ?? this.#usage;
          this.#serverCost = event.cost;
          return;
        }
        await this.#deliver(event.chunk, watchdog);
        this.cursor.advance(event.seq);
      }
      throw new ConnectionError('the connection closed before the stream ended');
    } catch (error) {
      const reason = controller.signal.aborted && !(error instanceof BudgetExceededError) ? abortReason(controller.signal) : error;
      if (stopsUpstream(reason)) void attempt.cancel();
      throw reason;
    } finally {
      watchdog.stop();
      this.#options.signal.removeEventListener('abort', onAbort);
      controller.abort();
    }
  }

  async #deliver(chunk: ChatCompletionChunk, watchdog: Watchdog): Promise<void> {
    const before = this.accumulator.outputChunks;
    this.accumulator.add(chunk);
    if (before === 0 && this.accumulator.outputChunks > 0) {
      watchdog.firstToken();
      this.#context.stats.recordTtft(Date.now() - this.#sentAt);
    }
    const usageOnly = chunk.choices.length === 0 && chunk.usage;
    if (!usageOnly || this.#options.showUsage) {
      watchdog.hold();
      await this.#options.deliver(chunk);
      watchdog.heard();
    }
    if (this.#reservation && !usageOnly) {
      try {
        this.#reservation.update(this.#liveCost());
      } catch (error) {
        if (!(error instanceof BudgetExceededError)) throw error;
        throw new BudgetExceededError(error.message, { limit: error.limit, spent: error.spent, text: this.accumulator.text });
      }
    }
  }

  #worstCaseCost(): number {
    if (!this.#price) return 0;
    return costOf({ prompt_tokens: this.#promptTokens, completion_tokens: completionBound(this.#body) ?? 0 }, this.#price);
  }

  #liveTokens(): number {
    return this.#promptTokens + this.accumulator.outputChunks;
  }

  #liveCost(): number {
    if (!this.#price) return 0;
    return costOf({ prompt_tokens: this.#promptTokens, completion_tokens: this.accumulator.outputChunks }, this.#price);
  }

  #result(usage: Usage | null, cost: number | null): StreamResult {
    const { accumulator, cursor } = this;
    return {
      text: accumulator.text,
      reasoning: accumulator.reasoning,
      toolCalls: accumulator.toolCalls,
      finishReason: accumulator.finishReason,
      usage,
      cost,
      model: accumulator.model ?? this.#body.model,
      streamId: cursor.streamId,
      resumes: cursor.resumes,
      transport: this.#context.transport.name,
    };
  }
}

/** A connection that broke or went silent: resumable, unlike an answer from the server. */
function isBreak(error: unknown): boolean {
  return error instanceof ConnectionError || (error instanceof TimeoutError && error.phase !== 'first-token');
}

/** Failures after which nobody will read the rest, so the server should stop generating. */
function stopsUpstream(error: unknown): boolean {
  return error instanceof AbortError || error instanceof BudgetExceededError || (error instanceof TimeoutError && error.phase === 'first-token');
}
