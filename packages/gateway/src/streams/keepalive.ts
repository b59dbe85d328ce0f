/** Something that can be told it has been silent too long. */
export interface Pingable {
  readonly lastWriteAt: number;
  readonly closed: boolean;
  ping(): void;
}

/**
 * One timer for every open stream: twice per interval it pings the streams
 * that have been silent for a whole interval. Cheaper than a timer per
 * stream, and nothing is done per token but remembering the time.
 */
export class KeepaliveTicker {
  readonly #members = new Set<Pingable>();
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  add(member: Pingable): void {
    this.#members.add(member);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), Math.max(1, Math.floor(this.#intervalMs / 2)));
      this.#timer.unref();
    }
  }

  delete(member: Pingable): void {
    this.#members.delete(member);
    if (this.#members.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #tick(): void {
    const silentSince = Date.now() - this.#intervalMs;
    for (const member of this.#members) {
      if (member.closed) this.#members.delete(member);
      else if (member.lastWriteAt <= silentSince) member.ping();
    }
  }
}
