import { hostname } from 'node:os';
import type { ServerResponse } from 'node:http';
import type { Pingable } from '../streams/keepalive.ts';
import type { StreamRegistry } from '../streams/registry.ts';
import { preloadTokenizer } from '../streams/token-counter.ts';
import { liveView, type LiveStream } from './live-view.ts';
import type { ActivityTotals, RecentActivity } from './recent-activity.ts';

/** What `/admin/events` sends several times a second, as `event: snapshot`. */
export interface LiveSnapshot {
  at: number;
  replica: string;
  accepting: boolean;
  streams: LiveStream[];
  totals: ActivityTotals;
}

const REPLICA = `${hostname()}:${process.pid}`;

/** One `/admin/events` reader: an SSE response that skips snapshots while its connection is full (the next one supersedes them). */
class FeedReader implements Pingable {
  lastWriteAt = Date.now();
  closed = false;
  #blocked = false;
  readonly #res: ServerResponse;

  constructor(res: ServerResponse) {
    this.#res = res;
    res.on('drain', () => (this.#blocked = false));
  }

  send(frame: string): void {
    if (this.closed || this.#blocked) return;
    this.lastWriteAt = Date.now();
    if (!this.#res.write(frame)) this.#blocked = true;
  }

  ping(): void {
    this.send(': ping\n\n');
  }

  end(): void {
    this.closed = true;
    this.#res.end();
  }
}

/**
 * The live view of this replica for dashboards: one timer while anybody
 * watches (none otherwise), one snapshot built per tick and written to every
 * reader, so a hundred open dashboards cost one snapshot each tick.
 */
export class LiveFeed {
  readonly #registry: StreamRegistry;
  readonly #activity: RecentActivity;
  readonly #intervalMs: number;
  readonly #readers = new Set<FeedReader>();
  #timer: NodeJS.Timeout | undefined;

  constructor(registry: StreamRegistry, activity: RecentActivity, intervalMs = 250) {
    this.#registry = registry;
    this.#activity = activity;
    this.#intervalMs = intervalMs;
  }

  snapshot(now = Date.now()): LiveSnapshot {
    const streams: LiveStream[] = [];
    for (const generation of this.#registry.live()) streams.push(liveView(generation, now));
    streams.sort((a, b) => b.ageMs - a.ageMs);
    return { at: now, replica: REPLICA, accepting: this.#registry.accepting, streams, totals: { ...this.#activity.totals } };
  }

  /** Start feeding a response (its SSE headers already sent); returns the reader for the keepalive ticker. */
  add(res: ServerResponse): Pingable {
    // Snapshots count each stream's output with the tokenizer: its tables load once, here, not in the middle of a tick.
    preloadTokenizer();
    const reader = new FeedReader(res);
    this.#readers.add(reader);
    reader.send(this.#frame());
    res.once('close', () => {
      reader.closed = true;
      this.#readers.delete(reader);
      if (this.#readers.size === 0) this.#stop();
    });
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
      this.#timer.unref();
    }
    return reader;
  }

  /** End every reader's response (shutdown: a dashboard reconnects to another replica, or to this one once it is back). */
  close(): void {
    this.#stop();
    for (const reader of this.#readers) reader.end();
    this.#readers.clear();
  }

  #tick(): void {
    const frame = this.#frame();
    for (const reader of this.#readers) reader.send(frame);
  }

  #frame(): string {
    return `event: snapshot\ndata: ${JSON.stringify(this.snapshot())}\n\n`;
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
