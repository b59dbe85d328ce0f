/**
 * The load generator's line to the upstream's bench-only routes: the feed of
 * abandoned streams (to time cancels with the load generator's own clock)
 * and the open-stream count (to know idle streams really reached it).
 */
import { Agent, request } from 'undici';
import { SseDecoder } from '@sluice/protocol';
import type { UpstreamStats } from '../upstream/server.ts';

const POLL_MS = 25;
const SETTLE_MS = 300;

export class UpstreamWatch {
  readonly #url: string;
  readonly #agent = new Agent({ connections: 4 });
  readonly #aborted = new Map<string, number>();
  readonly #waiting = new Map<string, (at: number) => void>();
  readonly #feed = new AbortController();

  private constructor(url: string) {
    this.#url = url;
  }

  static async connect(url: string): Promise<UpstreamWatch> {
    const watch = new UpstreamWatch(url);
    const answer = await request(`${url}/_bench/events`, { dispatcher: watch.#agent, signal: watch.#feed.signal, bodyTimeout: 0 });
    const text = new TextDecoder();
    const decoder = new SseDecoder({
      onEvent: (message) => {
        const at = performance.now();
        let id: string;
        try {
          ({ id } = JSON.parse(message.data) as { id: string });
        } catch {
          return;
        }
        const waiter = watch.#waiting.get(id);
        if (waiter) waiter(at);
        else watch.#aborted.set(id, at);
      },
    });
    void (async () => {
      try {
        for await (const bytes of answer.body) decoder.push(text.decode(bytes as Buffer, { stream: true }));
      } catch {
        // The feed ends when the watch closes; nothing to report.
      }
    })();
    return watch;
  }

  /** When the upstream saw stream `id` abandoned (this process's clock), or null after `timeoutMs`. */
  abortSeen(id: string, timeoutMs: number): Promise<number | null> {
    const known = this.#aborted.get(id);
    if (known !== undefined) {
      this.#aborted.delete(id);
      return Promise.resolve(known);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        resolve(null);
      }, timeoutMs);
      this.#waiting.set(id, (at) => {
        clearTimeout(timer);
        this.#waiting.delete(id);
        resolve(at);
      });
    });
  }

  /** Forget aborts nobody waited for (streams abandoned on purpose at the end of a phase). */
  forgetAborts(): void {
    this.#aborted.clear();
  }

  async stats(): Promise<UpstreamStats> {
    const answer = await request(`${this.#url}/_bench/stats`, { dispatcher: this.#agent });
    return (await answer.body.json()) as UpstreamStats;
  }

  /** Polls until `predicate` holds or `timeoutMs` passes; returns the last stats either way. */
  async waitFor(predicate: (stats: UpstreamStats) => boolean, timeoutMs: number): Promise<UpstreamStats> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const stats = await this.stats();
      if (predicate(stats) || performance.now() > deadline) return stats;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /**
   * Ends every stream still open at the upstream and closes its connections,
   * once their number has stopped changing: undici opens a spare connection
   * for each request aborted mid-response (nodejs/undici#5845), a moment
   * after the abort, and never uses it, so a phase that cancels thousands of
   * streams leaves thousands of idle connections behind. Returns how many
   * streams were still open.
   */
  async drop(): Promise<number> {
    let last = -1;
    let stableSince = performance.now();
    await this.waitFor((s) => {
      if (s.connections !== last) {
        last = s.connections;
        stableSince = performance.now();
      }
      return performance.now() - stableSince > SETTLE_MS;
    }, 10_000);
    const answer = await request(`${this.#url}/_bench/drop`, { method: 'POST', dispatcher: this.#agent });
    return ((await answer.body.json()) as { dropped: number }).dropped;
  }

  async close(): Promise<void> {
    this.#feed.abort();
    await this.#agent.destroy();
  }
}
