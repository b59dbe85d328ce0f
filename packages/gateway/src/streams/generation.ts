import { costOf, type ChatCompletionRequest, type FinishReason, type Usage } from '@sluice/protocol';
import { CancelledError, type GatewayError } from '../errors/index.ts';
import type { HedgeConfig } from '../config/routing-schema.ts';
import type { AttemptHealth } from '../health/deployment-health.ts';
import type { RetryPolicy } from '../retry/policy.ts';
import type { RouteTarget } from '../routing/route-target.ts';
import { asGatewayError, connectUpstream, type ConnectedUpstream } from './connect-upstream.ts';
import type { StreamEvent } from '../events/stream-event.ts';
import type { EventEncoder, FrameWriter, StreamEncoding } from './event-encoder.ts';
import { StreamLog, type EntryKind } from './log.ts';
import type { StreamLogWriter } from './store/types.ts';
import { Subscription, type StreamSink, type SubscriptionHost } from './subscription.ts';
import { countPromptTokens, UsageMeter } from './usage-meter.ts';
import type { RequestTrace } from '../telemetry/types.ts';
import type { OutputGate } from './output-gate.ts';
import type { AttemptGate } from './attempt-gate.ts';

export interface GenerationOptions {
  id: string;
  /** The client's request, as validated; `model` is the name the client asked for. */
  request: ChatCompletionRequest;
  targets: readonly RouteTarget[];
  retry: RetryPolicy;
  /** Breakers and latency estimates, told every attempt's outcome. */
  health?: AttemptHealth;
  /** A second attempt when the first is slow to its first token. */
  hedge?: HedgeConfig;
  /** Why the request went where it did, when a router model chose (`<alias>; rule=<rule>`). */
  route?: string;
  /** The response cache's key for this request, when the cache was asked about it. */
  cacheKey?: string;
  /** The inbound API the stream speaks, and how its events become that API's frames. */
  encoding: StreamEncoding;
  /** Survives its subscribers for `lingerMs`; otherwise the last subscriber leaving cancels it. */
  resumable: boolean;
  lingerMs: number;
  /** The caller id of the key that started it: who may resume it, whom the ledger charges. */
  owner: string;
  /** That key's name, for logs and the ledger. */
  ownerName: string;
  /** That key's team, for the ledger (a team's budget is read back from it). */
  ownerTeam?: string;
  /** Where a resumable stream's events are also kept, for late and remote readers. */
  store?: StreamLogWriter;
  /** The request as one target must receive it, when that takes more than the model name (turn memory re-attached). */
  prepare?: (request: ChatCompletionRequest, target: RouteTarget) => Promise<ChatCompletionRequest>;
  /** Sees every event as it is logged, with the target that produced it. */
  observer?: GenerationObserver;
  /** The wire the client reads it over, for the dashboard: `sse` (the default) or `ws`. */
  transport?: 'sse' | 'ws';
  /** Starts the request's trace, given the stream id, when tracing is on. */
  trace?: (id: string) => RequestTrace | null;
  /** Decides whether more output may be released (a budget): output it holds back waits, output it refuses ends the stream. */
  gate?: OutputGate;
  /** Admits each upstream attempt against its target's own limits (deployment, provider, alias). */
  attempts?: AttemptGate;
  /**
   * The rate-limit headers of the response, once an upstream answered: the tightest of the request's own
   * limits and those of the target that serves it. Empty when the target has none (the request's own
   * limits were set on the response at admission).
   */
  limitHeaders?: () => Readonly<Record<string, string>>;
}

export interface GenerationObserver {
  observe(event: StreamEvent, target: RouteTarget): void;
}

export type GenerationStatus = 'running' | 'done' | 'error' | 'cancelled';

export interface Settlement {
  id: string;
  api: StreamEncoding['api'];
  model: string;
  target: string | null;
  /** The provider id and upstream model of the target that served it (the last one tried). */
  provider: string | null;
  responseModel: string | null;
  finishReasons: FinishReason[];
  status: Exclude<GenerationStatus, 'running'>;
  usage: Usage;
  error: GatewayError | null;
  ttftMs: number | null;
  durationMs: number;
  /** The caller id and key name, as in the options. */
  owner: string;
  ownerName: string;
  /** The key's team, or null. */
  ownerTeam: string | null;
  retries: number;
  /** Times a reader resumed it on this replica. */
  resumes: number;
  /** Numbered events in the stream, its end included. */
  events: number;
  /** The router's decision, when a router model chose the alias. */
  route: string | null;
  /** Served from the response cache: no upstream was asked. */
  cached: boolean;
  /** Attempts that lost a hedge race, each with what it cost (the prompt the upstream read). */
  hedgeLosses: HedgeLoss[];
}

/** An attempt aborted because the other attempt at the same request produced its first token first. */
export interface HedgeLoss {
  target: string;
  waitedMs: number;
  usage: Usage;
}

/**
 * One upstream generation, run once whatever happens to its readers. It picks
 * a target (retrying and failing over until the first event), numbers every
 * event into its log, fans the log out to its subscriptions and stops reading
 * the upstream while every subscriber's connection is full. When it ends it
 * settles its usage exactly once.
 */
export class Generation implements SubscriptionHost {
  readonly id: string;
  readonly log = new StreamLog();
  readonly options: GenerationOptions;
  readonly createdAt = Date.now();
  /** Resolves once an upstream produced its first events (or ended well without any); rejects if the stream fails before. */
  readonly opened: Promise<void>;
  /** Resolves with the settlement once the stream has ended and been accounted. */
  readonly settled: Promise<Settlement>;
  #status: GenerationStatus = 'running';
  readonly #subscriptions = new Set<Subscription>();
  readonly #abort = new AbortController();
  readonly #meter = new UsageMeter();
  readonly #encoder: EventEncoder;
  /** Where the encoder's frames go: numbered into the log (and the store). Made once per stream. */
  readonly #writer: FrameWriter = {
    chunk: (json) => {
      const entry = this.log.append('chunk', json);
      this.options.store?.append(entry);
    },
    done: (json) => this.#record('done', json),
    error: (json) => this.#record('error', json),
  };
  #markOpened: (() => void) | undefined;
  #failOpen: ((error: GatewayError) => void) | undefined;
  #settle!: (settlement: Settlement) => void;
  #lingerTimer: NodeJS.Timeout | undefined;
  #upstream: ConnectedUpstream | undefined;
  /** Upstream attempts made (retries and failovers included) and the target of the last one. */
  #attempts = 0;
  #lastTarget: RouteTarget | undefined;
  readonly #hedgeLosers: { target: RouteTarget; waitedMs: number }[] = [];
  /** The upstream is paused because every reader's connection is full. */
  #paused = false;
  /** Events the gate holds back, in order, while it waits; the upstream is paused meanwhile. */
  #held: StreamEvent[] | undefined;
  /** The upstream ended while events were held: the stream finishes once they are out. */
  #endHeld = false;
  #firstTokenAt = 0;
  /** Followers that are not subscribers keeping the stream alive (see `hold`). */
  #holds = 0;
  #resumes = 0;
  readonly #trace: RequestTrace | null;
  readonly #observer: GenerationObserver | undefined;

  constructor(options: GenerationOptions) {
    this.id = options.id;
    this.options = options;
    this.#trace = options.trace?.(options.id) ?? null;
    this.#observer = withContentCapture(options.observer, this.#trace);
    this.#encoder = options.encoding.encoder(options.id, this.createdAt);
    this.opened = new Promise<void>((resolve, reject) => {
      this.#markOpened = resolve;
      this.#failOpen = reject;
    });
    this.opened.catch(() => {});
    this.settled = new Promise((resolve) => (this.#settle = resolve));
  }

  get status(): GenerationStatus {
    return this.#status;
  }

  get subscriberCount(): number {
    return this.#subscriptions.size;
  }

  /** When the first token was logged (epoch ms), 0 before. */
  get firstTokenAt(): number {
    return this.#firstTokenAt;
  }

  get resumes(): number {
    return this.#resumes;
  }

  /** Output tokens so far, counted when asked (see UsageMeter.tokensSoFar); the settlement has the real usage. */
  outputTokensSoFar(): number {
    return this.#meter.tokensSoFar();
  }

  /** Upstream attempts so far and the target of the last. */
  get attempts(): number {
    return this.#attempts;
  }

  /** The target serving the stream once an upstream produced its first events; before, the one last tried. */
  get target(): RouteTarget | undefined {
    return this.#upstream?.target ?? this.#lastTarget;
  }

  /** A reader comes back after `after`: counted, and an event on the trace. */
  resumed(after: number): void {
    this.#resumes++;
    this.#trace?.resumed(after);
  }

  /**
   * Start reading the upstream. A resumable stream nobody reads yet starts
   * its linger now, unless `readerPending`: its reader attaches once the
   * upstream has answered (and calls `abandon` if it goes first), so the
   * wait for the first token never counts against the linger. A plain stream
   * is the caller's to cancel if its client goes.
   */
  start(readerPending = false): void {
    if (this.options.resumable && !readerPending && this.#subscriptions.size === 0) this.#detached();
    void this.#run();
  }

  /** The reader `start` was told to expect left before attaching: as if it had attached and left. */
  abandon(): void {
    if (this.#subscriptions.size === 0) this.#detached();
  }

  /** Read the stream from `after + 1` on, replayed from the log and then live. */
  attach(sink: StreamSink, after = 0): Subscription {
    clearTimeout(this.#lingerTimer);
    const subscription = new Subscription(this, sink, after);
    this.#subscriptions.add(subscription);
    subscription.pump();
    if (subscription.closed) this.#subscriptions.delete(subscription);
    // A run paused because no reader had room (its last one may have left) goes on now that one has.
    else if (!subscription.blocked) this.onSubscriberReady();
    return subscription;
  }

  /** A reader left. The last one leaving cancels a plain stream and starts a resumable one's linger. */
  detach(subscription: Subscription): void {
    subscription.close();
    if (!this.#subscriptions.delete(subscription)) return;
    if (this.#subscriptions.size === 0) this.#detached();
    // Those left may have room; with nobody left, a resumable stream runs on into its log.
    this.onSubscriberReady();
  }

  /** Abort the upstream now; every subscriber receives the error as the stream's end, at once. */
  cancel(reason: GatewayError = new CancelledError()): void {
    if (this.#status !== 'running' || this.#abort.signal.aborted) return;
    this.#abort.abort(reason);
    // The stream ends here, with this reason, whatever the upstream still has in flight: a paused
    // upstream may report the abort only much later, and nothing it sends meanwhile may reach a reader.
    this.#fail(reason);
  }

  /** A reader has room again: an upstream paused for want of room goes on. */
  onSubscriberReady(): void {
    if (!this.#paused || this.#mustPause()) return;
    this.#paused = false;
    if (this.#held === undefined) this.#upstream?.resume();
  }

  /**
   * Keep the stream running for someone who is not a subscriber (an
   * identical request following its events from the response cache): while
   * held, its own readers leaving does not cancel it. Returns the release.
   */
  hold(): () => void {
    this.#holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      if (this.#holds === 0 && this.#subscriptions.size === 0) this.#detached();
    };
  }

  #detached(): void {
    if (this.#status !== 'running' || this.#holds > 0) return;
    if (!this.options.resumable) return this.cancel(new CancelledError('The client disconnected.'));
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = setTimeout(() => this.cancel(new CancelledError('Nobody resumed the stream within the linger time.')), this.options.lingerMs);
    this.#lingerTimer.unref();
  }

  async #run(): Promise<void> {
    let upstream: ConnectedUpstream;
    try {
      upstream = await connectUpstream({
        model: this.options.request.model,
        targets: this.options.targets,
        retry: this.options.retry,
        health: this.options.health,
        hedge: this.options.hedge,
        attempts: this.options.attempts,
        onHedgeLost: (target, waitedMs) => this.#hedgeLosers.push({ target, waitedMs }),
        bodyFor: (target) => this.#upstreamBody(target),
        signal: this.#abort.signal,
        trace: this.#trace ?? undefined,
        onFirstEvents: () => this.#markOpened?.(),
        onAttempt: (target) => {
          this.#attempts++;
          this.#lastTarget = target;
        },
      });
    } catch (error) {
      return this.#fail(error);
    }
    // Cancelled while the winning attempt was answering: its stream is aborted; give back what it holds.
    if (this.#status !== 'running') return upstream.release();
    this.#upstream = upstream;
    if (upstream.first === null) return this.#finish();
    this.#onEvents(upstream.first);
    if (this.#status !== 'running') return;
    upstream.attach({ events: (batch) => this.#onEvents(batch), end: () => this.#upstreamEnded(), fail: (error) => this.#fail(error) });
    if (!this.#paused && this.#held === undefined) upstream.resume();
  }

  #upstreamEnded(): void {
    if (this.#held === undefined) this.#finish();
    else this.#endHeld = true;
  }

  /** One upstream read: number its events into the log, hand them to the readers, pause if none has room. */
  #onEvents(batch: readonly StreamEvent[]): void {
    if (this.#status !== 'running') return;
    if (this.#held !== undefined) {
      this.#held.push(...batch);
      return;
    }
    const gate = this.options.gate;
    for (let i = 0; i < batch.length; i++) {
      const event = batch[i];
      if (event.type === 'error') return this.#fail(event.error);
      const pass = gate === undefined ? true : gate.pass(event);
      if (pass !== true) return this.#hold(pass, batch.slice(i));
      this.#append(event);
    }
    this.#pumpAll();
    if (!this.#paused && this.#mustPause()) {
      this.#paused = true;
      this.#upstream?.pause();
    }
  }

  /**
   * The gate did not let `events[0]` pass: refused, the stream ends with
   * the gate's refusal and nothing more is released; waiting, the upstream
   * pauses and the events wait, in order, for the gate's answer.
   */
  #hold(pass: false | Promise<void>, events: StreamEvent[]): void {
    this.#pumpAll();
    if (pass === false) return this.#fail(this.options.gate!.refusal);
    this.#held = events;
    this.#upstream?.pause();
    void pass.then(() => {
      const held = this.#held ?? [];
      this.#held = undefined;
      if (this.#status !== 'running') return;
      this.#onEvents(held);
      if (this.#status !== 'running' || this.#held !== undefined) return;
      if (this.#endHeld) return this.#finish();
      if (!this.#paused) this.#upstream?.resume();
    });
  }

  #upstreamBody(target: RouteTarget): ChatCompletionRequest | Promise<ChatCompletionRequest> {
    // Usage is always asked for, so that every stream can be billed; the client sees it only if it asked.
    const body: ChatCompletionRequest = { ...this.options.request, model: target.upstreamModel, stream: true, stream_options: { ...this.options.request.stream_options, include_usage: true } };
    return this.options.prepare === undefined ? body : this.options.prepare(body, target);
  }

  #append(event: StreamEvent): void {
    this.#meter.observe(event);
    this.#observer?.observe(event, this.#upstream!.target);
    if (this.#firstTokenAt === 0 && (event.type === 'content' || event.type === 'reasoning' || event.type === 'tool_call')) {
      this.#firstTokenAt = Date.now();
      this.#trace?.firstToken();
    }
    this.#encoder.encode(event, this.#writer);
  }

  #record(kind: EntryKind, json: string): void {
    const entry = this.log.append(kind, json);
    this.options.store?.append(entry);
  }

  #pumpAll(): void {
    let slowest = Infinity;
    for (const subscription of this.#subscriptions) {
      subscription.pump();
      if (subscription.closed) this.#subscriptions.delete(subscription);
      else if (subscription.cursor < slowest) slowest = subscription.cursor;
    }
    // Nobody can resume a plain stream, so what every reader has is no longer needed.
    if (!this.options.resumable && slowest !== Infinity) this.log.dropBefore(slowest + 1);
  }

  /** Backpressure: stop reading the upstream while every reader's connection is full. */
  #mustPause(): boolean {
    if (this.#subscriptions.size === 0) return false;
    for (const subscription of this.#subscriptions) if (!subscription.blocked) return false;
    return true;
  }

  #finish(): void {
    if (this.#status !== 'running') return;
    const usage = this.#meter.settle(this.options.request, this.#price());
    this.#encoder.finish(usage, this.#writer);
    this.#end('done', usage, null);
  }

  #fail(error: unknown): void {
    if (this.#status !== 'running') return;
    const failure = this.#abort.signal.aborted ? asGatewayError(this.#abort.signal.reason) : asGatewayError(error);
    // Free the upstream if it is still streaming (an in-band error, say).
    if (!this.#abort.signal.aborted) this.#abort.abort(failure);
    this.#failOpen?.(failure);
    this.#encoder.fail(failure, this.#writer);
    const usage = this.#meter.settle(this.options.request, this.#price(), false);
    this.#end(failure instanceof CancelledError ? 'cancelled' : 'error', usage, failure);
  }

  #end(status: Exclude<GenerationStatus, 'running'>, usage: Usage, error: GatewayError | null): void {
    this.#status = status;
    clearTimeout(this.#lingerTimer);
    this.#upstream?.release(usage);
    this.options.store?.finish(status);
    this.#markOpened?.();
    this.#markOpened = this.#failOpen = undefined;
    this.#pumpAll();
    const now = Date.now();
    const settlement: Settlement = {
      id: this.id,
      api: this.options.encoding.api,
      model: this.options.request.model,
      target: nameOf(this.#upstream?.target ?? this.#lastTarget),
      provider: (this.#upstream?.target ?? this.#lastTarget)?.provider.id ?? null,
      responseModel: (this.#upstream?.target ?? this.#lastTarget)?.upstreamModel ?? null,
      finishReasons: this.#meter.finishReasons,
      status,
      usage,
      error,
      ttftMs: this.#firstTokenAt === 0 ? null : this.#firstTokenAt - this.createdAt,
      durationMs: now - this.createdAt,
      owner: this.options.owner,
      ownerName: this.options.ownerName,
      ownerTeam: this.options.ownerTeam ?? null,
      retries: Math.max(0, this.#attempts - 1),
      resumes: this.#resumes,
      events: this.log.lastSeq,
      route: this.options.route ?? null,
      cached: this.#upstream?.target.cached === true,
      hedgeLosses: this.#hedgeLosses(),
    };
    this.#trace?.end(settlement);
    this.#settle(settlement);
  }

  /** A losing attempt was aborted before its first token: the upstream had read the prompt, which is what it costs. */
  #hedgeLosses(): HedgeLoss[] {
    if (this.#hedgeLosers.length === 0) return [];
    const promptTokens = countPromptTokens(this.options.request);
    return this.#hedgeLosers.map(({ target, waitedMs }) => {
      const usage: Usage = { prompt_tokens: promptTokens, completion_tokens: 0, total_tokens: promptTokens, estimated: true };
      usage.cost = costOf(usage, target.price);
      return { target: nameOf(target)!, waitedMs, usage };
    });
  }

  #price() {
    return (this.#upstream?.target ?? this.options.targets[0]).price;
  }
}

/** The observer, followed by the trace's content capture when `otel.captureContent` is on. */
function withContentCapture(observer: GenerationObserver | undefined, trace: RequestTrace | null): GenerationObserver | undefined {
  const capture = trace?.contentObserver;
  if (capture == null) return observer;
  return {
    observe(event, target) {
      observer?.observe(event, target);
      capture(event);
    },
  };
}

/** A target as the ledger names it: its deployment's id (by default its `<provider>/<model>`). */
function nameOf(target: RouteTarget | undefined): string | null {
  return target === undefined ? null : (target.deployment ?? target.label);
}
