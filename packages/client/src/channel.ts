/**
 * A one-reader queue between a producer that pushes (socket messages, a
 * read loop) and a consumer that pulls with `for await`. The producer can
 * wait for room so a slow reader slows the read loop (backpressure).
 */

type Settle<T> = { resolve(result: IteratorResult<T>): void; reject(error: unknown): void };

export class Channel<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  #reader: Settle<T> | null = null;
  #ended = false;
  #error: unknown = undefined;
  #failed = false;
  #roomWaiters: Array<() => void> = [];
  readonly #onReturn: (() => void) | undefined;

  /** `onReturn` runs when the reader stops early (`break`). */
  constructor(onReturn?: () => void) {
    this.#onReturn = onReturn;
  }

  get size(): number {
    return this.#items.length;
  }

  get closed(): boolean {
    return this.#ended || this.#failed;
  }

  push(item: T): void {
    if (this.closed) return;
    if (this.#reader) {
      const reader = this.#reader;
      this.#reader = null;
      reader.resolve({ value: item, done: false });
    } else {
      this.#items.push(item);
    }
  }

  /** No more items: the reader finishes after what is queued. */
  end(): void {
    if (this.closed) return;
    this.#ended = true;
    this.#settleReader();
  }

  /** The reader gets `error` after what is queued. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.#failed = true;
    this.#error = error;
    this.#settleReader();
  }

  /** Resolves when fewer than `highWaterMark` items wait (or the channel closed). */
  waitForRoom(highWaterMark: number): Promise<void> {
    if (this.#items.length < highWaterMark || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /** Drop queued items (the reader went away). */
  clear(): void {
    this.#items.length = 0;
    this.#wakeProducers();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) {
      const value = this.#items.shift() as T;
      this.#wakeProducers();
      return Promise.resolve({ value, done: false });
    }
    if (this.#failed) {
      this.#failed = false;
      this.#ended = true;
      return Promise.reject(this.#error);
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    if (this.#reader) return Promise.reject(new Error('a Channel has one reader at a time'));
    return new Promise((resolve, reject) => {
      this.#reader = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    const wasOpen = !this.closed;
    this.#ended = true;
    this.clear();
    if (wasOpen) this.#onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  #settleReader(): void {
    this.#wakeProducers();
    if (!this.#reader || this.#items.length > 0) return;
    const reader = this.#reader;
    this.#reader = null;
    if (this.#failed) {
      this.#failed = false;
      reader.reject(this.#error);
    } else {
      reader.resolve({ value: undefined, done: true });
    }
  }

  #wakeProducers(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }
}
