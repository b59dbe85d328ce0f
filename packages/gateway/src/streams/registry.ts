import { ShuttingDownError } from '../errors/index.ts';
import { Generation, type GenerationOptions, type Settlement } from './generation.ts';
import { newStreamId } from './stream-id.ts';

export interface StreamRegistryOptions {
  /** How long a finished resumable stream stays readable. */
  retentionMs: number;
  /** Called once per stream when it has ended: billing, logs, metrics. */
  onSettled(settlement: Settlement, generation: Generation): void;
}

/**
 * Every live (and recently finished, resumable) stream of this replica, by
 * id. It hands out ids, keeps finished resumable streams for late readers,
 * and drains on shutdown.
 */
export class StreamRegistry {
  readonly #streams = new Map<string, Generation>();
  readonly #running = new Set<Generation>();
  readonly #options: StreamRegistryOptions;
  #accepting = true;

  constructor(options: StreamRegistryOptions) {
    this.#options = options;
  }

  get running(): number {
    return this.#running.size;
  }

  get accepting(): boolean {
    return this.#accepting;
  }

  /** A new, not yet started generation. Throws ShuttingDownError while draining. */
  create(options: Omit<GenerationOptions, 'id'>): Generation {
    if (!this.#accepting) throw new ShuttingDownError();
    const generation = new Generation({ ...options, id: newStreamId() });
    this.#streams.set(generation.id, generation);
    this.#running.add(generation);
    void generation.settled.then((settlement) => this.#settled(generation, settlement));
    return generation;
  }

  get(id: string): Generation | undefined {
    return this.#streams.get(id);
  }

  /**
   * Stop taking streams, let running ones finish for up to `timeoutMs`, then
   * end the rest with a `shutting_down` error.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.#accepting = false;
    const all = () => Promise.all([...this.#running].map((g) => g.settled));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([all(), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      for (const generation of this.#running) generation.cancel(new ShuttingDownError());
      await all();
    }
  }

  #settled(generation: Generation, settlement: Settlement): void {
    this.#running.delete(generation);
    try {
      this.#options.onSettled(settlement, generation);
    } finally {
      if (!generation.options.resumable || !this.#accepting) this.#streams.delete(generation.id);
      else setTimeout(() => this.#streams.delete(generation.id), this.#options.retentionMs).unref();
    }
  }
}
