/**
 * Collects records and hands them over in batches: at most every `delayMs`,
 * so records settled close together share one write. `flush` hands over at
 * once (for reads and for closing).
 */
export class BatchedWriter<T> {
  readonly #write: (batch: T[]) => Promise<void> | void;
  readonly #delayMs: number;
  #queue: T[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(delayMs: number, write: (batch: T[]) => Promise<void> | void) {
    this.#delayMs = delayMs;
    this.#write = write;
  }

  add(item: T): void {
    this.#queue.push(item);
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => void this.flush(), this.#delayMs);
    this.#timer.unref();
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    await this.#write(batch);
  }
}
