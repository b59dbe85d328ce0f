import { ShuttingDownError } from '../errors/index.ts';
import { Generation, type GenerationOptions, type Settlement } from './generation.ts';
import { newStreamId } from './stream-id.ts';
import type { StreamLogStore } from './store/types.ts';

export interface StreamRegistryOptions {
  /** Keeps resumable streams for late readers and for other replicas. */
  store: StreamLogStore;
  /** Called once per stream when it has ended: billing, logs, metrics. */
  onSettled(settlement: Settlement, generation: Generation): void;
}

/**
 * Every running stream of this replica, by id. It hands out ids, gives
 * resumable streams their place in the store (which keeps them after they
 * end), takes cancel requests from other replicas, and drains on shutdown.
 */
export class StreamRegistry {
  readonly #running = new Map<string, Generation>();
  readonly #options: StreamRegistryOptions;
  #accepting = true;

  constructor(options: StreamRegistryOptions) {
    this.#options = options;
    options.store.onCancelRequest((id) => this.#running.get(id)?.cancel());
  }

  get running(): number {
    return this.#running.size;
  }

  get accepting(): boolean {
    return this.#accepting;
  }

  /** A new, not yet started generation. Throws ShuttingDownError while draining. */
  /** A new, not yet started generation; `id` when the stream's id was handed out before it existed. */
  create(options: Omit<GenerationOptions, 'id' | 'store'> & { id?: string }): Generation {
    if (!this.#accepting) throw new ShuttingDownError();
    const id = options.id ?? newStreamId();
    const store = options.resumable ? this.#options.store.create({ id, owner: options.owner, model: options.request.model, api: options.encoding.api, createdAt: Date.now() }) : undefined;
    const generation = new Generation({ ...options, id, store });
    this.#running.set(id, generation);
    void generation.settled.then((settlement) => this.#settled(generation, settlement));
    return generation;
  }

  /** A running generation of this replica; finished streams are the store's to serve. */
  get(id: string): Generation | undefined {
    return this.#running.get(id);
  }

  live(): IterableIterator<Generation> {
    return this.#running.values();
  }

  /**
   * Stop taking streams, let running ones finish for up to `timeoutMs`, then
   * end the rest with a `shutting_down` error.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.#accepting = false;
    const all = () => Promise.all([...this.#running.values()].map((g) => g.settled));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([all(), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      for (const generation of this.#running.values()) generation.cancel(new ShuttingDownError());
      await all();
    }
  }

  #settled(generation: Generation, settlement: Settlement): void {
    this.#running.delete(generation.id);
    this.#options.onSettled(settlement, generation);
  }
}
