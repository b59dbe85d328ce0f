import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const COMMON = readFileSync(new URL('./lua/common.lua', import.meta.url), 'utf8');

/**
 * One Lua script, called by its SHA-1 (EVALSHA: one round trip, the script
 * text is not resent). A Redis that does not know it yet (restarted,
 * flushed) answers NOSCRIPT, and the script is sent whole once (EVAL
 * caches it again).
 */
export class RedisScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(name: string) {
    this.#source = `${COMMON}\n${readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8')}`;
    this.#sha = createHash('sha1').update(this.#source).digest('hex');
  }

  /** The script's reply; the promise ioredis gives, with no hop of its own on the admission path. */
  run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<string> {
    return (redis.evalsha(this.#sha, keys.length, ...keys, ...args) as Promise<string>).catch((error: unknown) => {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.#source, keys.length, ...keys, ...args) as Promise<string>;
    });
  }
}
