import type { KeyDirectory } from '../keys/key-directory.ts';
import type { StreamRegistry } from '../streams/registry.ts';

/** A timer longer than this overflows Node's; a later expiry is looked at again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Stops the running streams of a key the moment it stops being valid: when
 * this replica's key directory learns that it was revoked (here, or on
 * another replica through the change bus or the poll, within a second), or
 * when its `expiresAt` passes. Each stream is cancelled with a 401
 * (`key_revoked`, `key_expired`): its upstream is aborted, its readers get
 * the error as the stream's end (SSE `event: error`, WebSocket `error`),
 * and it settles as usual, usage for what was delivered and its limits'
 * lease released. Every replica runs one for its own streams.
 */
export class KeyRevocation {
  readonly #directory: KeyDirectory;
  readonly #registry: StreamRegistry;
  readonly #unsubscribe: () => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(directory: KeyDirectory, registry: StreamRegistry) {
    this.#directory = directory;
    this.#registry = registry;
    this.#unsubscribe = directory.onChange(() => this.#check());
    this.#scheduleExpiry();
  }

  close(): void {
    this.#unsubscribe();
    clearTimeout(this.#timer);
  }

  /** Cancel every running stream whose key is no longer valid, then wait for the next expiry. */
  #check(): void {
    const now = Date.now();
    for (const generation of this.#registry.live()) {
      if (generation.status !== 'running') continue;
      const reason = this.#directory.standing(generation.options.owner, now);
      if (reason !== null) generation.cancel(reason);
    }
    this.#scheduleExpiry();
  }

  #scheduleExpiry(): void {
    clearTimeout(this.#timer);
    const at = this.#directory.nextExpiry();
    if (at === null) return;
    this.#timer = setTimeout(() => this.#check(), Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now()) + 1));
    this.#timer.unref();
  }
}
